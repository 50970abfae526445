"""Progress of the plan's targets: :func:`assess`, and the ``bkanalysis status`` command.

The rules are documented in :func:`assess` (and in ``docs/targets.md``).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from .errors import BkError, CatalogError

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = [
    "ASSESSMENT_COLUMNS",
    "METHODS",
    "assess",
    "format_assessment",
    "preferred_values",
    "status_command",
    "write_progress_workbook",
]

METHODS: tuple[str, ...] = ("opensdg", "escap")
#: Columns of :func:`assess`, in order.
ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "target_id",
    "parent_id",
    "indicator_id",
    "area_code",
    "area_level",
    "area_name",
    "admin_vintage",
    "comparator",
    "target_value",
    "target_low",
    "target_high",
    "deadline",
    "baseline_year",
    "baseline_value",
    "latest_year",
    "latest_value",
    "data_status",
    "status",
    "progress",
    "gap",
    "required_annual_change",
    "actual_annual_change",
    "measure",
    "projected_value",
    "n_years",
    "as_of",
    "method",
    "section",
    "theme",
    "note",
)
#: The year before the plan period (2018–2020): the default baseline.
PLAN_BASE_YEAR = 2017
#: Open SDG / Statistics Canada thresholds on the ratio of observed to required growth.
ON_TRACK_RATIO = 0.95
MODERATE_RATIO = 0.60
_STATUS_RANK = {"actual": 0, "preliminary": 1, "estimate": 2, "plan": 3}
_EPS = 1e-9
_TIER_IDS = {
    "ghg_reduction_voluntary_pct": 0,
    "ghg_reduction_national_pct": 1,
    "ghg_reduction_international_pct": 2,
}
_REQUIRED_OBS = ("indicator_id", "area_code", "area_level", "year", "value", "status")


# --------------------------------------------------------------------------- inputs
def _check_observations(observations: pd.DataFrame) -> pd.DataFrame:
    """Check the columns needed here and fill optional ones; return a copy."""
    import pandas as pd

    from .schema import OBSERVATION_COLUMNS, OBSERVATION_STATUSES, vintage_for_year

    if not isinstance(observations, pd.DataFrame):
        raise TypeError(f"observations must be a DataFrame, got {type(observations).__name__}")
    missing = [c for c in _REQUIRED_OBS if c not in observations.columns]
    if missing:
        raise ValueError(f"observations lack column(s): {', '.join(missing)}")
    df = observations.copy()
    bad = ~df["status"].isin(OBSERVATION_STATUSES)
    if bad.any():
        raise ValueError(
            f"observations: status {df.loc[bad, 'status'].iloc[0]!r} is not one of "
            f"{', '.join(OBSERVATION_STATUSES)}"
        )
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype("int64")
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype("float64")
    if "admin_vintage" not in df.columns:
        df["admin_vintage"] = df["year"].map(vintage_for_year)
    for col in OBSERVATION_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    df = df.astype({"area_code": str, "area_level": str, "admin_vintage": str})
    return df.dropna(subset=["value"])


def preferred_values(observations: pd.DataFrame, *, include_plan: bool = False) -> pd.DataFrame:
    """Keep one value per indicator, area and year: actual > preliminary > estimate (> plan).

    ``plan`` rows are dropped unless *include_plan*. Province rows (``area_level ==
    'province'``) of every administrative vintage pool into one series (the province code
    did not change); district and commune rows are keyed by (admin_vintage, area_code),
    because codes are reused across vintages. The column ``area_key`` holds that key. When
    two rows of the same best status disagree, the first by (source_file, source_sheet,
    source_cell) is kept and ``conflict`` is True.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "year": [2020, 2020, 2020],
    ...     "value": [70.0, 71.0, 75.0], "status": ["estimate", "actual", "plan"]})
    >>> preferred_values(obs)[["year", "value", "status"]].values.tolist()
    [[2020, 71.0, 'actual']]
    """
    df = _check_observations(observations)
    if not include_plan:
        df = df[df["status"] != "plan"]
    df = df.assign(
        _rank=df["status"].map(_STATUS_RANK),
        area_key=df["area_code"].where(
            df["area_level"] == "province", df["admin_vintage"] + ":" + df["area_code"]
        ),
    )
    df = df.sort_values(
        [
            "indicator_id",
            "area_level",
            "area_key",
            "year",
            "_rank",
            "source_file",
            "source_sheet",
            "source_cell",
        ],
        kind="stable",
    )
    keys = ["indicator_id", "area_level", "area_key", "year"]
    best_rank = df.groupby(keys)["_rank"].transform("min")
    same = df[df["_rank"] == best_rank]
    nvals = same.groupby(keys)["value"].transform("nunique")
    first = same.assign(conflict=nvals > 1).drop_duplicates(keys, keep="first")
    return first.drop(columns="_rank").reset_index(drop=True)


def _directions() -> dict[str, int]:
    """Map indicator id -> +1 (increase) / -1 (decrease), or 0 when the catalog has none."""
    from .catalog import load_indicators

    cat = load_indicators()
    sign = {"increase": 1, "decrease": -1}
    return {i: sign.get(d, 0) for i, d in zip(cat["id"], cat["direction"], strict=True)}


def _direction(indicator_id: str, directions: dict[str, int]) -> int:
    if indicator_id not in directions:
        raise CatalogError(f"unknown indicator id {indicator_id!r}")
    if directions[indicator_id] == 0:
        raise CatalogError(f"indicator {indicator_id!r} has no direction (increase/decrease)")
    return directions[indicator_id]


# --------------------------------------------------------------------------- core
def _satisfies(x: float, comp: str, value: float, low: float, high: float, d: int) -> bool:
    tol = _EPS * max(1.0, abs(value) if not math.isnan(value) else 1.0)
    if comp == ">=":
        return x >= value - tol
    if comp == ">":
        return x > value + tol
    if comp == "<=":
        return x <= value + tol
    if comp == "<":
        return x < value - tol
    if comp == "=":
        return abs(x - value) <= tol
    if comp == "range":
        return low - tol <= x <= high + tol
    if comp == "maintain":
        return d * (x - value) >= -tol
    raise ValueError(f"unknown comparator {comp!r}")


def _goal(x: float, comp: str, value: float, low: float, high: float, d: int):
    """Return (progress target value, progress direction) seen from value *x*."""
    if comp == "range":
        if x > high:
            return high, -1
        return low, 1
    return value, d


def _growth(y0: float, y1: float, years: float, *, absolute: bool) -> float:
    if absolute:
        return (y1 - y0) / years
    return (y1 / y0) ** (1.0 / years) - 1.0


def _ols(years, values):
    n = len(years)
    mx = sum(years) / n
    my = sum(values) / n
    sxx = sum((x - mx) ** 2 for x in years)
    slope = sum((x - mx) * (y - my) for x, y in zip(years, values, strict=True)) / sxx
    return my - slope * mx, slope


def _band(ratio: float) -> tuple[str, str]:
    """Map the ratio of observed to required growth to (status, progress category)."""
    if ratio >= ON_TRACK_RATIO:
        return "on_track", "substantial"
    if ratio >= MODERATE_RATIO:
        return "off_track", "moderate"
    if ratio >= 0:
        return "off_track", "limited"
    return "deteriorating", "deterioration"


def _baseline(series, registry_year) -> tuple[int, float]:
    years = list(series.index)
    if registry_year is not None and registry_year in series.index:
        return registry_year, float(series[registry_year])
    early = [y for y in years if y <= PLAN_BASE_YEAR]
    year = early[-1] if early else years[0]
    return year, float(series[year])


def _assess_series(series, statuses, target: dict, d: int, as_of, method: str) -> dict:
    """Assess one yearly series (pandas Series year -> value, years ≤ as_of, sorted)."""
    comp = target["comparator"]
    value, low, high = target["value"], target["low"], target["high"]
    deadline = int(target["deadline"])
    reg_base = None if _isna(target["baseline_year"]) else int(target["baseline_year"])
    out = {
        "status": "insufficient_data",
        "progress": "",
        "baseline_year": None,
        "baseline_value": math.nan,
        "latest_year": None,
        "latest_value": math.nan,
        "data_status": "",
        "gap": math.nan,
        "required_annual_change": math.nan,
        "actual_annual_change": math.nan,
        "measure": math.nan,
        "projected_value": math.nan,
        "n_years": len(series),
        "note": "",
    }
    notes = []
    if series.empty:
        out["note"] = "no observation up to the assessment year"
        return out
    passed = as_of is not None and as_of >= deadline
    if passed:
        at_deadline = series[series.index <= deadline]
        if comp == "maintain":
            window = at_deadline[at_deadline.index >= (reg_base or deadline)]
            fails = [y for y, x in window.items() if not _satisfies(x, comp, value, low, high, d)]
            if fails:
                out["status"] = "missed"
                notes.append(f"below the level in {', '.join(map(str, fails))}")
            elif deadline in window.index:
                out["status"] = "met"
            else:
                notes.append(f"no value for the deadline year {deadline}")
        elif deadline in series.index:
            x = float(series[deadline])
            out["status"] = "met" if _satisfies(x, comp, value, low, high, d) else "missed"
        else:
            notes.append(
                f"deadline {deadline} passed but no value for {deadline} "
                f"(latest {int(series.index[-1])} = {series.iloc[-1]:g})"
            )
        if deadline in series.index:
            series = series[series.index <= deadline]
        elif not at_deadline.empty:
            series = at_deadline
    latest_year = int(series.index[-1])
    latest = float(series.iloc[-1])
    out.update(
        latest_year=latest_year,
        latest_value=latest,
        data_status=statuses[latest_year],
        n_years=len(series),
    )
    goal, dp = _goal(latest, comp, value, low, high, d)
    if comp == "range" and _satisfies(latest, comp, value, low, high, d):
        out["gap"] = 0.0
    else:
        out["gap"] = dp * (goal - latest)
    if comp in {">", "<"} and abs(goal - latest) <= _EPS * max(1.0, abs(goal)):
        notes.append("strict target: the value must exceed the figure")
    base_year, base = _baseline(series, reg_base)
    out["baseline_year"], out["baseline_value"] = base_year, base
    if latest_year > base_year:
        out["actual_annual_change"] = (latest - base) / (latest_year - base_year)
    if not passed and deadline > latest_year:
        out["required_annual_change"] = (goal - latest) / (deadline - latest_year)

    if comp == "maintain" and not passed:
        window = series[series.index >= (reg_base or base_year)]
        if window.empty:
            notes.append(f"no value since {reg_base}")
            out["note"] = "; ".join(notes)
            return out
        fails = [y for y, x in window.items() if not _satisfies(x, comp, value, low, high, d)]
        if not _satisfies(latest, comp, value, low, high, d):
            prev = window.iloc[-2] if len(window) > 1 else math.nan
            worse = not math.isnan(prev) and d * (latest - prev) < 0
            out["status"] = "deteriorating" if worse else "off_track"
            out["progress"] = "deterioration" if worse else "below level"
        elif fails:
            out["status"], out["progress"] = "off_track", "dipped"
            notes.append(f"below the level in {', '.join(map(str, fails))}")
        else:
            out["status"], out["progress"] = "on_track", "held"
            if len(window) >= 2:
                a, b = _ols(list(window.index), list(window.to_numpy()))
                projected = a + b * deadline
                out["projected_value"] = projected
                if not _satisfies(projected, comp, value, low, high, d):
                    out["status"], out["progress"] = "off_track", "trend below level"
                    notes.append(f"linear trend gives {projected:.4g} in {deadline}")
        out["note"] = "; ".join(notes)
        return out
    if passed:
        # met / missed / insufficient set above; still report the measure below
        pass
    elif _satisfies(latest, comp, value, low, high, d):
        out["status"], out["progress"] = "achieved", "achieved"

    if latest_year > base_year:
        if method == "opensdg":
            absolute = not (base > 0 and latest > 0 and goal > 0)
            if absolute:
                notes.append("absolute change used (a growth rate is undefined at or below 0)")
            actual = _growth(base, latest, latest_year - base_year, absolute=absolute)
            required = (
                _growth(base, goal, deadline - base_year, absolute=absolute)
                if deadline > base_year
                else math.nan
            )
            if not math.isnan(required) and abs(required) > _EPS:
                out["measure"] = dp * actual / abs(required)
        else:  # escap
            years = list(series.index[series.index >= base_year])
            vals = [float(series[y]) for y in years]
            a, b = _ols(years, vals)
            projected = a + b * deadline
            out["projected_value"] = projected
            if abs(goal - base) > _EPS:
                out["measure"] = dp * (projected - base) / abs(goal - base)
    if out["status"] != "insufficient_data" or passed:
        out["note"] = "; ".join(notes)
        return out
    # before the deadline, not yet achieved: classify the progress
    if latest_year <= base_year:
        notes.append("one year of data: no trend")
    elif method == "opensdg":
        ratio = out["measure"]
        if math.isnan(ratio):
            change = d * (latest - base)
            out["status"] = (
                "on_track" if change > 0 else "deteriorating" if change < 0 else "off_track"
            )
            out["progress"] = "no required change"
        else:
            out["status"], out["progress"] = _band(ratio)
    else:
        projected = out["projected_value"]
        slope = (projected - base) if not math.isnan(projected) else math.nan
        if _satisfies(projected, comp, value, low, high, d):
            out["status"], out["progress"] = "on_track", "anticipated"
        elif dp * slope < 0:
            out["status"], out["progress"] = "deteriorating", "regression"
        else:
            out["status"], out["progress"] = "off_track", "acceleration needed"
    out["note"] = "; ".join(notes)
    return out


def _isna(x) -> bool:
    import pandas as pd

    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # not a scalar
        return False


# --------------------------------------------------------------------------- assess
def assess(
    observations: pd.DataFrame,
    targets: pd.DataFrame | None = None,
    *,
    as_of: int | None = None,
    method: str = "opensdg",
    area_level: str = "province",
) -> pd.DataFrame:
    """Assess every target against the observations: status, gap, required change.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (DESIGN §2). Required columns: indicator_id, area_code,
        area_level, year, value, status; admin_vintage, area_name and source_* are used
        when present.
    targets : pandas.DataFrame, optional
        The registry (default :func:`bkanalysis.targets.load_targets`) or a subset of it.
    as_of : int, optional
        Assessment year: only observations of years ≤ *as_of* are used, and a deadline
        ≤ *as_of* has passed. Default: the latest year of any non-plan observation.
    method : {'opensdg', 'escap'}
        Progress method for targets not yet achieved, before their deadline.
    area_level : {'province', 'district', 'commune'}
        Level at which province-scope targets are assessed (one row per area at that
        level). Per-commune floors are always assessed per commune.

    Returns
    -------
    pandas.DataFrame
        :data:`ASSESSMENT_COLUMNS`, one row per target and area in registry order; for a
        per-commune floor one row per commune plus a province summary row (area code
        ``06``). A target with no data at *area_level* keeps one row (empty area code,
        ``insufficient_data``). ``status`` is one of
        :data:`bkanalysis.schema.ASSESSMENT_STATUSES`.

    Notes
    -----
    Data used
        Plan rows (``status == 'plan'``: KH, mục tiêu) never count: they are dropped.
        Per year the preferred value is actual > preliminary > estimate; its status is
        ``data_status``. Province rows of every administrative vintage form one series
        (code 06); district and commune series are keyed by (admin_vintage, area_code).
        ``ghg_reduction_below_bau_pct`` is derived from ghg_emissions_tco2e and
        ghg_bau_tco2e (:func:`bkanalysis.emissions.reduction_observations`) where not
        reported; the tier parts (voluntary, national, international) are that reduction
        placed in the tiers sized by the parent target's parts
        (:func:`bkanalysis.emissions.tier_split`).
    Direction
        From the catalog (``increase``/``decrease``); a missing direction is an error.
        For a range the direction is towards the range (up to ``low`` from below, down
        to ``high`` from above).
    Achievement
        ``>=``/``<=`` include the figure, ``>``/``<`` are strict ("trên" = more than),
        ``=`` holds within 1e-9 (100% or 0), ``range`` includes both bounds, ``maintain``
        holds when every yearly value from ``baseline_year`` stays at or beyond the level.
    Deadline passed (as_of ≥ deadline)
        ``met`` or ``missed`` judged on the value of the deadline year itself
        (``latest_year``/``latest_value`` then show that value); no value for the
        deadline year → ``insufficient_data`` with a note. A maintain target is
        ``missed`` as soon as one year of the window falls short.
    Before the deadline
        No value → ``insufficient_data``. Latest value satisfies the target →
        ``achieved``. One year only → ``insufficient_data`` (no trend).
        Otherwise, method ``'opensdg'`` (Open SDG platform / Statistics Canada): with
        base year t0 (the latest year ≤ 2017, the year before the plan, else the first
        year with data), observed CAGR = (y_i/y_0)^(1/(t_i−t_0)) − 1, required CAGR =
        (y_T/y_0)^(1/(T−t_0)) − 1, ``measure`` R = d·CAGR_obs/|CAGR_req| (d = +1 for
        increase, −1 for decrease). R ≥ 0.95 → ``on_track`` (progress 'substantial');
        0.60 ≤ R < 0.95 → ``off_track`` ('moderate'); 0 ≤ R < 0.60 → ``off_track``
        ('limited'); R < 0 → ``deteriorating``. When y_0, y_i or the target is ≤ 0
        (counts, a zero target, a negative reduction) the CAGRs are undefined and
        absolute annual changes are used in the same ratio. If the required change is 0
        (the base sits on a strict bound) the sign of the observed change decides.
        Method ``'escap'`` (ESCAP anticipated progress): a least-squares line through the
        values from the base year projected to the deadline (``projected_value``);
        projection satisfies the target → ``on_track``; moving towards it but short →
        ``off_track``; moving away → ``deteriorating``; ``measure`` is the share of the
        base-to-target distance the projection covers.
        A maintain target is ``on_track`` while every value holds and the linear trend
        still holds at the deadline, ``off_track`` if it dipped or the trend falls
        below, ``deteriorating`` if the latest value is below the level and falling.
    Per-commune floors (``area_scope == 'commune_floor'``, e.g. every non-NTM commune
        has ≥ 10 criteria): a commune is NTM in year Y if its ``ntm_recognised_year`` is
        ≤ Y or it meets ≥ 19 criteria; NTM communes are reported ``achieved``/``met``
        with a note (the floor does not bind them). Each other commune is assessed on its
        own series (same vintage as the evaluation year); the province summary row
        assesses the yearly minimum over non-NTM communes (the floor holds iff the
        minimum does) and notes how many communes meet it.
    Columns
        ``gap`` = target − latest, signed so that positive = still to go (0 inside a
        range); ``required_annual_change`` = (target − latest)/(deadline − latest year)
        in the indicator's unit per year; ``actual_annual_change`` = (latest − base)/
        (latest year − base year); ``measure`` = the method's ratio.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "year": [2017, 2019], "value": [70.0, 71.5],
    ...     "status": "actual"})
    >>> from bkanalysis.targets import load_targets
    >>> t = load_targets().query("target_id == 'forest_cover_2020'")
    >>> r = assess(obs, t).iloc[0]
    >>> r["status"], r["progress"], round(float(r["gap"]), 1)
    ('on_track', 'substantial', 0.5)
    >>> assess(obs, t, as_of=2020).iloc[0]["status"]
    'insufficient_data'
    """
    import pandas as pd

    from .schema import AREA_LEVELS, PROVINCE_CODE, vintage_for_year
    from .study_area import select_study_area

    observations = select_study_area(observations)  # other areas never enter (issue 15)
    from .targets import TARGET_COLUMNS, load_targets

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if area_level not in AREA_LEVELS:
        raise ValueError(f"area_level must be one of {AREA_LEVELS}, got {area_level!r}")
    if as_of is not None and (isinstance(as_of, bool) or not isinstance(as_of, int)):
        raise ValueError(f"as_of must be a year (int), got {as_of!r}")
    targets = load_targets() if targets is None else targets
    missing = [c for c in TARGET_COLUMNS if c not in targets.columns]
    if missing:
        raise ValueError(f"targets lack column(s): {', '.join(missing)}")
    obs = _check_observations(observations)
    if as_of is None:
        real = obs[obs["status"] != "plan"]
        as_of = int(real["year"].max()) if not real.empty else None
    if as_of is not None:
        obs = obs[obs["year"] <= as_of]
    obs = _with_derived(obs)
    best = preferred_values(obs)
    by_indicator = dict(tuple(best.groupby("indicator_id", sort=False)))
    directions = _directions()

    rows = []
    for target in targets.to_dict("records"):
        d = _direction(target["indicator_id"], directions)
        base = {
            "target_id": target["target_id"],
            "parent_id": target["parent_id"],
            "indicator_id": target["indicator_id"],
            "comparator": target["comparator"],
            "target_value": target["value"],
            "target_low": target["low"],
            "target_high": target["high"],
            "deadline": int(target["deadline"]),
            "as_of": as_of,
            "method": method,
            "section": target["section"],
            "theme": target["theme"],
        }
        if target["area_scope"] == "commune_floor":
            rows.extend(_assess_floor(best, target, d, as_of, method, base))
            continue
        series_rows = _series_for(by_indicator, best.iloc[:0], targets, target)
        level_rows = series_rows[series_rows["area_level"] == area_level]
        if area_level == "province":
            # NOTE: only Bắc Kạn (06); a merged-province row (Thái Nguyên) is another area.
            groups = [(PROVINCE_CODE, level_rows[level_rows["area_code"] == PROVINCE_CODE])]
        else:
            groups = list(level_rows.groupby("area_key", sort=True))
            if not groups:  # keep one row per target: no area of this level has data
                groups = [("", level_rows)]
        for key, grp in groups:
            grp = grp.sort_values("year")
            series, statuses = _series(grp)
            result = _assess_series(series, statuses, target, d, as_of, method)
            year = result["latest_year"] or as_of
            code = key.split(":")[-1]
            name = grp["area_name"].iloc[-1] if not grp.empty else ""
            if area_level == "province" and not name:
                name = "Bắc Kạn"
            rows.append(
                {
                    **base,
                    **result,
                    "area_code": code,
                    "area_level": area_level,
                    "area_name": name,
                    "admin_vintage": (
                        key.split(":")[0]
                        if ":" in key
                        else (vintage_for_year(year) if year is not None else "")
                    ),
                }
            )
    df = pd.DataFrame(rows, columns=list(ASSESSMENT_COLUMNS))
    for col in ("baseline_year", "latest_year", "as_of", "deadline", "n_years"):
        df[col] = df[col].astype("Int64")
    for col in (
        "target_value",
        "target_low",
        "target_high",
        "baseline_value",
        "latest_value",
        "gap",
        "required_annual_change",
        "actual_annual_change",
        "measure",
        "projected_value",
    ):
        df[col] = df[col].astype("float64")
    return df


def _series(rows: pd.DataFrame):
    """Return (year -> value Series sorted by year, year -> data status dict) of *rows*."""
    import pandas as pd

    years = rows["year"].to_numpy()
    series = pd.Series(rows["value"].to_numpy(dtype=float), index=years).sort_index()
    return series, dict(zip(years.tolist(), rows["status"].tolist(), strict=True))


def _with_derived(obs: pd.DataFrame) -> pd.DataFrame:
    """Add derived reduction-below-BAU rows where no reported value exists."""
    import pandas as pd

    from .emissions import reduction_observations

    if not (obs["indicator_id"] == "ghg_bau_tco2e").any():
        return obs
    derived = reduction_observations(obs)
    if derived.empty:
        return obs
    reported = obs[obs["indicator_id"] == "ghg_reduction_below_bau_pct"]
    key = ["area_level", "area_code", "year"]
    if not reported.empty:
        have = reported[key].drop_duplicates()
        derived = derived.merge(have, on=key, how="left", indicator=True)
        derived = derived[derived["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([obs, derived], ignore_index=True)


def _series_for(by_indicator: dict, empty, targets: pd.DataFrame, target: dict) -> pd.DataFrame:
    """Preferred rows of the target's indicator; tier parts derived from the reduction."""
    ind = target["indicator_id"]
    rows = by_indicator.get(ind, empty)
    if ind not in _TIER_IDS or not rows.empty:
        return rows
    from .emissions import tier_split

    siblings = targets[targets["parent_id"] == target["parent_id"]].set_index("indicator_id")
    caps = [float(siblings["value"].get(i, math.nan)) for i in _TIER_IDS]
    if any(math.isnan(c) for c in caps):
        return rows
    red = by_indicator.get("ghg_reduction_below_bau_pct", empty)
    k = _TIER_IDS[ind]
    return red.assign(indicator_id=ind, value=red["value"].map(lambda r: tier_split(r, caps)[k]))


def _ntm_by(best: pd.DataFrame) -> dict[str, float]:
    """area_key -> earliest year recognised as NTM."""
    rec = best[(best["indicator_id"] == "ntm_recognised_year") & (best["area_level"] == "commune")]
    return rec.groupby("area_key")["value"].min().to_dict()


def _assess_floor(best, target, d, as_of, method, base) -> list[dict]:
    import pandas as pd

    from .schema import PROVINCE_CODE

    crit = best[
        (best["indicator_id"] == target["indicator_id"]) & (best["area_level"] == "commune")
    ]
    recognised = _ntm_by(best)
    deadline = int(target["deadline"])
    passed = as_of is not None and as_of >= deadline

    def is_ntm(key: str, year: int, criteria: float) -> bool:
        rec = recognised.get(key)
        return (rec is not None and rec <= year) or criteria >= 19

    crit = crit.assign(
        ntm=[
            is_ntm(k, y, v)
            for k, y, v in zip(crit["area_key"], crit["year"], crit["value"], strict=True)
        ]
    )
    rows = []
    summary = {**base, "area_code": PROVINCE_CODE, "area_level": "province", "area_name": "Bắc Kạn"}
    non = crit[~crit["ntm"]]
    if crit.empty:
        res = _assess_series(pd.Series(dtype=float), {}, target, d, as_of, method)
        res["note"] = "no commune-level observation of " + target["indicator_id"]
        summary.update(res, admin_vintage="")
        return [summary]
    years = set(crit["year"].tolist())
    upto = [y for y in years if y <= deadline]
    # NOTE: once the deadline passed, the deadline year or else the latest year before it
    # (never a later vintage's communes).
    eval_year = int(max(upto)) if passed and upto else int(max(years))
    mins = non.groupby("year")["value"].min().sort_index()
    mins_status = (
        non.groupby("year")["status"].agg(lambda s: max(s, key=_STATUS_RANK.get)).to_dict()
    )
    res = _assess_series(mins, mins_status, target, d, as_of, method)
    year_used = res["latest_year"]
    if year_used is not None:
        at = non[non["year"] == year_used]
        ok = int((at["value"] >= target["value"]).sum())
        res["note"] = "; ".join(
            filter(
                None,
                [
                    res["note"],
                    f"{ok} of {len(at)} non-NTM communes meet the floor in {year_used} (latest_value = their minimum)",
                ],
            )
        )
    vintage = crit.loc[crit["year"] == eval_year, "admin_vintage"]
    summary.update(res, admin_vintage=vintage.iloc[0] if not vintage.empty else "")
    rows.append(summary)
    communes = crit[crit["year"] == eval_year][
        ["area_key", "area_code", "area_name", "admin_vintage"]
    ]
    by_key = dict(tuple(crit.groupby("area_key", sort=False)))
    for c in communes.drop_duplicates("area_key").sort_values("area_code").to_dict("records"):
        own = by_key[c["area_key"]].sort_values("year")
        last = own[own["year"] == eval_year].iloc[0]
        row = {
            **base,
            "area_code": c["area_code"],
            "area_level": "commune",
            "area_name": c["area_name"],
            "admin_vintage": c["admin_vintage"],
        }
        if last["ntm"]:
            rec = recognised.get(c["area_key"])
            res = _assess_series(*_series(own), target, d, as_of, method)
            if not passed:
                res["status"] = "achieved"
            elif eval_year <= deadline or (rec is not None and rec <= deadline):
                res["status"] = "met"
            else:
                res["status"] = "insufficient_data"
            res["progress"] = "NTM"
            when = f" (recognised {int(rec)})" if rec is not None else ""
            res["note"] = f"NTM commune{when}: the floor does not bind it"
        else:
            res = _assess_series(*_series(own[~own["ntm"]]), target, d, as_of, method)
        row.update(res)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- output
def _status_labels(lang: str) -> dict[str, tuple[str, str]]:
    """Map status -> (label in *lang*, colour) from ``statuses.csv``."""
    from .catalog import read_package_csv
    from .schema import ASSESSMENT_STATUSES

    df = read_package_csv("statuses.csv")
    labels = {r["status"]: (r[f"label_{lang}"], r["colour"]) for r in df.to_dict("records")}
    missing = [s for s in ASSESSMENT_STATUSES if s not in labels]
    if missing:
        raise CatalogError(f"statuses.csv: no label for status(es) {', '.join(missing)}")
    return labels


_HEADERS = {
    "target_id": ("Mã mục tiêu", "Target id"),
    "parent_id": ("Thuộc mục tiêu", "Part of"),
    "section": ("Nhóm mục tiêu", "Plan section"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "area_code": ("Mã địa bàn", "Area code"),
    "area_name": ("Địa bàn", "Area"),
    "admin_vintage": ("Phiên bản địa giới", "Admin vintage"),
    "target": ("Mục tiêu", "Target"),
    "deadline": ("Năm hoàn thành", "Deadline"),
    "baseline_year": ("Năm gốc", "Base year"),
    "baseline_value": ("Giá trị năm gốc", "Base value"),
    "latest_year": ("Năm mới nhất", "Latest year"),
    "latest_value": ("Giá trị mới nhất", "Latest value"),
    "data_status": ("Loại số liệu", "Data status"),
    "status": ("Đánh giá", "Status"),
    "progress": ("Mức tiến bộ", "Progress"),
    "gap": ("Còn thiếu", "Gap"),
    "required_annual_change": ("Mức tăng cần/năm", "Required change per year"),
    "actual_annual_change": ("Mức tăng thực tế/năm", "Actual change per year"),
    "measure": ("Chỉ số tiến bộ", "Progress measure"),
    "method": ("Phương pháp", "Method"),
    "as_of": ("Năm đánh giá", "Assessed as of"),
    "note": ("Ghi chú", "Note"),
    "clause": ("Nội dung mục tiêu (Quyết định 1635)", "Target clause (Decision 1635)"),
}
_PROGRESS = {
    "substantial": ("tiến bộ đáng kể", "substantial progress"),
    "moderate": ("có tiến bộ, cần tăng tốc", "moderate progress: acceleration needed"),
    "limited": ("tiến bộ hạn chế", "limited progress"),
    "deterioration": ("đang xấu đi", "deterioration"),
    "achieved": ("đã đạt", "achieved"),
    "held": ("duy trì được", "level held"),
    "dipped": ("có năm dưới mức", "fell below the level in a year"),
    "below level": ("dưới mức", "below the level"),
    "trend below level": ("xu hướng xuống dưới mức", "trend falls below the level"),
    "anticipated": ("dự kiến đạt", "anticipated to be met"),
    "acceleration needed": ("cần tăng tốc", "acceleration needed"),
    "regression": ("thụt lùi", "regression"),
    "no required change": ("không cần thay đổi", "no change required"),
    "NTM": ("xã đã đạt chuẩn NTM", "NTM commune"),
}
_DATA_STATUS = {
    "actual": ("chính thức", "actual"),
    "preliminary": ("sơ bộ", "preliminary"),
    "estimate": ("ước tính", "estimate"),
    "": ("", ""),
}


def _table(assessment: pd.DataFrame, lang: str, targets: pd.DataFrame | None = None):
    """Rows of display values (list of dicts keyed as _HEADERS) for *lang*."""
    from .targets import _catalog_rows, describe_target, load_targets

    k = 0 if lang == "vi" else 1
    cat = _catalog_rows()

    def indicator_label(i: str) -> str:
        row = cat[i]
        return f"{row[f'name_{lang}']} ({row['unit']})"

    reg = (load_targets() if targets is None else targets).set_index("target_id", drop=False)
    labels = _status_labels(lang)
    out = []
    for r in assessment.to_dict("records"):
        t = reg.loc[r["target_id"]] if r["target_id"] in reg.index else None
        out.append(
            {
                "target_id": r["target_id"],
                "parent_id": r["parent_id"],
                "section": r["section"],
                "indicator": indicator_label(r["indicator_id"]),
                "area_code": r["area_code"],
                "area_name": r["area_name"],
                "admin_vintage": r["admin_vintage"],
                "target": describe_target(t, lang) if t is not None else "",
                "deadline": r["deadline"],
                "baseline_year": r["baseline_year"],
                "baseline_value": r["baseline_value"],
                "latest_year": r["latest_year"],
                "latest_value": r["latest_value"],
                "data_status": _DATA_STATUS.get(r["data_status"], (r["data_status"],) * 2)[k],
                "status": labels[r["status"]][0],
                "_status": r["status"],
                "progress": _PROGRESS.get(r["progress"], (r["progress"],) * 2)[k],
                "gap": r["gap"],
                "required_annual_change": r["required_annual_change"],
                "actual_annual_change": r["actual_annual_change"],
                "measure": r["measure"],
                "method": r["method"],
                "as_of": r["as_of"],
                "note": r["note"],
                "clause": (t["clause_vi"] if lang == "vi" else t["clause_en"])
                if t is not None
                else "",
            }
        )
    return out


def _num(x, digits: int = 4) -> str:
    if x is None or _isna(x):
        return "–"
    return f"{float(x):.{digits}g}"


def format_assessment(assessment: pd.DataFrame, lang: str = "vi", *, width: int = 110) -> str:
    """Return a plain-text table of the province-level rows (one line per target).

    Per-commune rows are summarised by their province row; every target shows a status
    label (``Thiếu dữ liệu`` / ``Insufficient data`` when nothing can be said).

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "year": [2017, 2019], "value": [70.0, 71.5],
    ...     "status": "actual"})
    >>> text = format_assessment(assess(obs), "en")
    >>> "forest_cover_2020" in text and "On track" in text and "Insufficient data" in text
    True
    """
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    k = 0 if lang == "vi" else 1
    rows = [r for r in _table(assessment, lang) if r["area_code"] == "06" or r["area_name"] == ""]
    if assessment.empty:
        return ""
    cols = [
        ("target_id", 42),
        ("target", 22),
        ("deadline", 6),
        ("latest", 30),
        ("status", 20),
        ("gap", 10),
    ]
    latest_head = ("Mới nhất (năm: giá trị)", "Latest (year: value)")[k]
    heads = {
        "target_id": _HEADERS["target_id"][k],
        "target": _HEADERS["target"][k],
        "deadline": ("Hạn", "Due")[k],
        "latest": latest_head,
        "status": _HEADERS["status"][k],
        "gap": _HEADERS["gap"][k],
    }
    as_of = assessment["as_of"].dropna()
    title = (
        "Tiến độ thực hiện mục tiêu Quyết định 1635/QĐ-UBND",
        "Progress of the Decision 1635/QĐ-UBND targets",
    )[k]
    when = f" — {('năm đánh giá', 'as of')[k]} {int(as_of.iloc[0])}" if not as_of.empty else ""
    method = f" — {('phương pháp', 'method')[k]}: {assessment['method'].iloc[0]}"
    lines = [title + when + method, ""]
    lines.append("  ".join(heads[c].ljust(w)[:w] for c, w in cols).rstrip())
    lines.append("  ".join("-" * w for _, w in cols))
    section = None
    for r in rows:
        if r["section"] != section:
            section = r["section"]
            lines.append(section)
        tid = ("  " if r["parent_id"] else "") + r["target_id"]
        if r["latest_year"] is None or _isna(r["latest_year"]):
            latest = "–"
        else:
            latest = f"{int(r['latest_year'])}: {_num(r['latest_value'])}"
            if r["data_status"] and r["data_status"] != _DATA_STATUS["actual"][k]:
                latest += f" ({r['data_status']})"
        cells = {
            "target_id": tid,
            "target": r["target"],
            "deadline": str(r["deadline"]),
            "latest": latest,
            "status": r["status"],
            "gap": _num(r["gap"], 3),
        }
        lines.append("  ".join(cells[c].ljust(w)[:w] for c, w in cols).rstrip())
    counts = assessment[assessment["area_code"] == "06"]["status"].value_counts()
    labels = _status_labels(lang)
    lines.append("")
    lines.append(
        ", ".join(f"{labels[s][0]}: {n}" for s, n in counts.items())
        + f"  ({len(rows)} {('mục tiêu', 'targets')[k]})"
    )
    if (assessment["area_level"] == "commune").any():
        lines.append(
            (
                "Chi tiết từng xã: reports/progress.xlsx",
                "Per-commune detail: reports/progress.xlsx",
            )[k]
        )
    return "\n".join(lines)


_FORMULA_START = ("=", "+", "-", "@")
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def _workbook_bytes(assessment: pd.DataFrame, targets: pd.DataFrame | None = None) -> bytes:
    import datetime
    import io
    import zipfile

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    keys = list(_HEADERS)
    numeric = {
        "baseline_value",
        "latest_value",
        "gap",
        "required_annual_change",
        "actual_annual_change",
        "measure",
    }
    for lang, title in (("vi", "Tiến độ (vi)"), ("en", "Progress (en)")):
        k = 0 if lang == "vi" else 1
        ws = wb.create_sheet(title)
        labels = _status_labels(lang)
        fills = {
            lab: PatternFill("solid", fgColor=colour.lstrip("#").upper())
            for lab, colour in labels.values()
        }
        ws.append([_HEADERS[c][k] for c in keys])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        widths = [len(_HEADERS[c][k]) for c in keys]
        for r_i, row in enumerate(_table(assessment, lang, targets), start=2):
            for c_i, key in enumerate(keys, start=1):
                value = row[key]
                if value is None or _isna(value):
                    value = None
                elif key in numeric:
                    value = round(float(value), 6)
                elif not isinstance(value, str):
                    value = int(value) if float(value).is_integer() else float(value)
                cell = ws.cell(row=r_i, column=c_i)
                cell.value = value
                if isinstance(value, str):
                    # NOTE: text from input is never a formula: =, +, -, @ stay literal.
                    cell.data_type = "s"
                    if value.startswith(_FORMULA_START):
                        cell.quotePrefix = True
                    widths[c_i - 1] = max(widths[c_i - 1], min(len(value), 60))
                elif value is not None:
                    widths[c_i - 1] = max(widths[c_i - 1], len(str(value)))
                if key == "status" and value in fills:
                    cell.fill = fills[value]
                    if row["_status"] in {"deteriorating", "missed"}:
                        cell.font = Font(color="FFFFFF")
        ws.freeze_panes = "B2"
        ws.auto_filter.ref = ws.dimensions
        for c_i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c_i)].width = min(max(w + 2, 8), 62)
    fixed = datetime.datetime(*_FIXED_TIME)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "bkanalysis"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    # NOTE: repack with fixed entry times so the same assessment gives the same bytes.
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed_info = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed_info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed_info, src.read(info.filename))
    return out.getvalue()


def write_progress_workbook(
    assessment: pd.DataFrame, path: str | Path, targets: pd.DataFrame | None = None
) -> Path:
    """Write the assessment as a formatted Excel workbook, one sheet per language.

    Status cells are filled with the colours of ``statuses.csv``; the header is bold and
    frozen, an autofilter covers the table, columns are sized to their content. Text
    from the input is always written as text: a cell starting with ``=``, ``+``, ``-`` or
    ``@`` is never a formula. The file is written atomically and is byte-identical for
    the same assessment (fixed document and zip timestamps).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "year": [2017, 2019], "value": [70.0, 71.5],
    ...     "status": "actual"})
    >>> p = write_progress_workbook(assess(obs), pathlib.Path(tempfile.mkdtemp()) / "p.xlsx")
    >>> import openpyxl
    >>> openpyxl.load_workbook(p).sheetnames
    ['Tiến độ (vi)', 'Progress (en)']
    """
    from pathlib import Path

    from .io import write_bytes_atomic

    missing = [c for c in ASSESSMENT_COLUMNS if c not in assessment.columns]
    if missing:
        raise ValueError(f"assessment lacks column(s): {', '.join(missing)}")
    return write_bytes_atomic(Path(path), _workbook_bytes(assessment, targets))


def _load_processed(processed) -> pd.DataFrame:
    try:
        from .pipeline import load_observations
    except ImportError:
        raise BkError("no processed data: run `bkanalysis build` first") from None
    if not processed.is_dir() or not any(processed.iterdir()):
        raise BkError(f"no processed data in {processed}: run `bkanalysis build` first")
    try:
        return load_observations(processed)
    except FileNotFoundError:
        raise BkError(f"no processed data in {processed}: run `bkanalysis build` first") from None


def status_command(args: argparse.Namespace) -> int:
    """``bkanalysis status [--year Y] [--lang vi|en] [--processed DIR] [--method M]``.

    Prints the table of every target and writes ``reports/progress.xlsx``; emission
    messages (no BAU data) are printed too.
    """
    from pathlib import Path

    from .config import get_paths
    from .emissions import emissions_vs_bau

    paths = get_paths()
    lang = getattr(args, "lang", None) or "vi"
    method = getattr(args, "method", None) or "opensdg"
    if method not in METHODS:
        raise BkError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    processed = Path(getattr(args, "processed", None) or paths.processed)
    observations = _load_processed(processed)
    assessment = assess(observations, as_of=getattr(args, "year", None), method=method)
    print(format_assessment(assessment, lang))
    emissions = emissions_vs_bau(observations)
    if emissions.empty and "message" in emissions.attrs:
        print()
        print(emissions.attrs[f"message_{lang}"])
    out = write_progress_workbook(assessment, Path(paths.reports) / "progress.xlsx")
    print()
    print(("Đã ghi" if lang == "vi" else "Written") + f": {out}")
    return 0
