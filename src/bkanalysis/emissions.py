"""Greenhouse-gas emissions against business-as-usual (BAU), the tiers of the reduction.

Decision 1635/QĐ-UBND sets the reduction below BAU at 6% by 2020 (3% voluntary + 2% with
national support + 1% with international support) and 14% by 2030 (7 + 4 + 3). The
figures are read from the targets registry (the parts of ``ghg_reduction_2020`` and
``ghg_reduction_2030``), never written here.

Rules
-----
* Reduction below BAU in year *Y* (per sector and for the total):
  ``reduction_tco2e = bau − actual`` and ``reduction_pct = 100 × (bau − actual) / bau``;
  ``reduction_pct`` is NaN when BAU ≤ 0 (a LULUCF sink: read ``reduction_tco2e``);
  the indicator ``ghg_reduction_below_bau_pct`` is this derived value (not read from
  workbooks unless a workbook reports it directly, in which case the reported value wins).
* Actual emissions use the preferred value per year (actual > preliminary > estimate);
  ``plan`` rows are never actual emissions. BAU is a scenario, so BAU rows of any status,
  ``plan`` included, are accepted (still preferring actual > preliminary > estimate > plan).
* Tier caps per year: the registry's parts of the 2020 target in 2020 and of the 2030
  target in 2030 (``target_kind == 'target'``). The plan sets nothing for the years in
  between: they get caps linearly interpolated between the two (2025: 5% + 3% + 2% = 10%),
  labelled ``target_kind == 'path'`` — a path drawn to judge being on track, never a
  target. Years before 2020 and after 2030 get no caps (NaN, ``target_kind == ''``).
  ``target_pct`` is the sum.
* The national and international tiers are conditional on support (the plan: "khi có hỗ
  trợ từ quốc gia … và quốc tế"); the voluntary tier is the province's own commitment.
* The plan defines no per-sector split of the tiers: caps, tiers and ``target_pct`` are
  given for the ``total`` rows only (NaN for a sector).
* The achieved reduction is placed in the tiers in order: voluntary first up to its cap,
  then national up to its cap, then international up to its cap; a reduction beyond the
  target is reported in ``reduction_pct`` but in no tier; a negative reduction (emissions
  above BAU) fills no tier.
* Only province-level rows (area code ``06``) are used; province rows of every
  administrative vintage are comparable.
* Without BAU data the functions return an empty frame whose ``attrs['message']`` says
  why (in Vietnamese and English); they never raise for missing data.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from .errors import BkError
from .observations import check_observations, preferred_values
from .schema import empty_observations
from .study_area import select_study_area
from .targets import load_targets

__all__ = [
    "EMISSIONS_COLUMNS",
    "SECTORS",
    "emissions_vs_bau",
    "project_emissions",
    "reduction_observations",
    "target_kind",
    "tier_caps",
    "tier_split",
]

#: Sectors of the emissions table: the total, then the IPCC sectors.
SECTORS: tuple[str, ...] = ("total", "energy", "ippu", "agriculture", "lulucf", "waste")
TIERS: tuple[str, ...] = ("voluntary", "national", "international")
#: Columns of :func:`emissions_vs_bau` (and of :func:`project_emissions`, which adds
#: ``method`` and ``bau_source``).
EMISSIONS_COLUMNS: tuple[str, ...] = (
    "year",
    "sector",
    "actual_tco2e",
    "bau_tco2e",
    "reduction_tco2e",
    "reduction_pct",
    "tier_voluntary_pct",
    "tier_national_pct",
    "tier_international_pct",
    "cap_voluntary_pct",
    "cap_national_pct",
    "cap_international_pct",
    "target_pct",
    "target_kind",
    "actual_status",
    "bau_status",
    "is_projection",
)
NO_BAU_MESSAGE = {
    "vi": "Không có số liệu phát thải KNK theo phương án phát triển bình thường (BAU, "
    "chỉ tiêu ghg_bau_tco2e) cùng năm với số liệu phát thải thực tế (ghg_emissions_tco2e): "
    "không tính được mức giảm so với BAU.",
    "en": "No business-as-usual (BAU) emissions (indicator ghg_bau_tco2e) for a year that "
    "also has actual emissions (ghg_emissions_tco2e): the reduction below BAU cannot be "
    "computed.",
}


def _ids(sector: str) -> tuple[str, str]:
    if sector == "total":
        return "ghg_emissions_tco2e", "ghg_bau_tco2e"
    return f"ghg_emissions_{sector}_tco2e", f"ghg_bau_{sector}_tco2e"


def _anchors(targets: pd.DataFrame | None = None) -> list[tuple[int, tuple[float, ...]]]:
    """Return ``[(deadline, (voluntary, national, international)), …]`` from the registry."""
    t = load_targets() if targets is None else targets
    parents = t[(t["indicator_id"] == "ghg_reduction_below_bau_pct") & (t["parent_id"] == "")]
    anchors = []
    for parent in parents.to_dict("records"):
        parts = t[t["parent_id"] == parent["target_id"]].set_index("indicator_id")["value"]
        caps = []
        for tier in TIERS:
            key = f"ghg_reduction_{tier}_pct"
            if key not in parts.index:
                raise BkError(f"target {parent['target_id']!r} has no {tier} part ({key})")
            caps.append(float(parts[key]))
        anchors.append((int(parent["deadline"]), tuple(caps)))
    if not anchors:
        raise BkError("the targets registry has no ghg_reduction_below_bau_pct target")
    return sorted(anchors)


def tier_caps(year: int, targets: pd.DataFrame | None = None) -> tuple[float, float, float]:
    """Return the (voluntary, national, international) caps in % for *year*.

    Caps are the registry's parts of the emission targets in their deadline years; a year
    between two deadlines gets caps interpolated linearly (a path, see
    :func:`target_kind`); before the first deadline and after the last there is no target
    (NaN).

    Examples
    --------
    >>> tier_caps(2020), tier_caps(2030)
    ((3.0, 2.0, 1.0), (7.0, 4.0, 3.0))
    >>> tier_caps(2025)
    (5.0, 3.0, 2.0)
    >>> tier_caps(2018)
    (nan, nan, nan)
    """
    return _caps_at(int(year), _anchors(targets))


def _caps_at(year: int, anchors: list[tuple[int, tuple[float, ...]]]) -> tuple[float, ...]:
    """Return the caps of *year* from the registry's *anchors* (see :func:`tier_caps`)."""
    if year < anchors[0][0] or year > anchors[-1][0]:
        return (math.nan, math.nan, math.nan)
    for y0, caps in anchors:
        if year == y0:
            return caps
    for (y0, c0), (y1, c1) in itertools.pairwise(anchors):
        if y0 <= year <= y1:
            w = (year - y0) / (y1 - y0)
            return tuple(round(a + w * (b - a), 10) for a, b in zip(c0, c1, strict=True))
    raise AssertionError("unreachable")  # pragma: no cover


def target_kind(year: int, targets: pd.DataFrame | None = None) -> str:
    """Return ``'target'`` in a deadline year, ``'path'`` between two, else ``''``.

    Examples
    --------
    >>> target_kind(2020), target_kind(2024), target_kind(2019)
    ('target', 'path', '')
    """
    return _kind_at(int(year), [y for y, _ in _anchors(targets)])


def _kind_at(year: int, deadlines: list[int]) -> str:
    """Return :func:`target_kind` of *year* given the registry's *deadlines*."""
    if year in deadlines:
        return "target"
    if deadlines[0] < year < deadlines[-1]:
        return "path"
    return ""


def tier_split(reduction_pct: float, caps) -> tuple[float, float, float]:
    """Place an achieved reduction (in %) in the tiers, voluntary first.

    Examples
    --------
    >>> tier_split(4.5, (3, 2, 1))
    (3.0, 1.5, 0.0)
    >>> tier_split(9.0, (3, 2, 1)), tier_split(-2.0, (3, 2, 1))
    ((3.0, 2.0, 1.0), (0.0, 0.0, 0.0))
    """
    if reduction_pct is None or (isinstance(reduction_pct, float) and math.isnan(reduction_pct)):
        return (math.nan, math.nan, math.nan)
    if any(math.isnan(float(c)) for c in caps):  # no target that year: no tiers
        return (math.nan, math.nan, math.nan)
    rest = max(float(reduction_pct), 0.0)
    out = []
    for cap in caps:
        part = min(rest, float(cap))
        out.append(part)
        rest -= part
    return tuple(out)


def _province_pairs(observations: pd.DataFrame) -> pd.DataFrame:
    """Preferred actual and BAU values per (sector, year) at province level."""
    obs = select_study_area(observations)
    obs = obs[obs["area_level"] == "province"]
    ids = {
        i: (s, kind) for s in SECTORS for kind, i in zip(("actual", "bau"), _ids(s), strict=True)
    }
    obs = obs[obs["indicator_id"].isin(ids)]
    actual = preferred_values(obs[obs["indicator_id"].str.startswith("ghg_emissions")])
    bau = preferred_values(obs[obs["indicator_id"].str.startswith("ghg_bau")], include_plan=True)
    frames = []
    for kind, df in (("actual", actual), ("bau", bau)):
        df = df.assign(sector=df["indicator_id"].map(lambda i: ids[i][0]))
        frames.append(
            df[["sector", "year", "value", "status"]].rename(
                columns={"value": f"{kind}_tco2e", "status": f"{kind}_status"}
            )
        )
    return pd.merge(frames[0], frames[1], on=["sector", "year"], how="outer")


def _empty(columns, message: dict[str, str]) -> pd.DataFrame:
    text = {"sector", "actual_status", "bau_status", "method", "bau_source", "target_kind"}
    dtypes = {c: object if c in text else "float64" for c in columns}
    dtypes.update(year="int64", is_projection="bool")
    df = pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in columns})
    df.attrs["message"] = f"{message['vi']} / {message['en']}"
    df.attrs["message_vi"] = message["vi"]
    df.attrs["message_en"] = message["en"]
    return df


def _finish(df: pd.DataFrame, targets=None) -> pd.DataFrame:
    """Add reduction, tiers, caps and target to a frame with year, sector, actual, bau."""
    df = df.copy()
    df["reduction_tco2e"] = df["bau_tco2e"] - df["actual_tco2e"]
    bau = df["bau_tco2e"].where(df["bau_tco2e"] > 0)
    df["reduction_pct"] = 100.0 * df["reduction_tco2e"] / bau
    none = (math.nan, math.nan, math.nan)
    total = df["sector"] == "total"
    # NOTE: the registry's anchors are read once, not once per row (each read filters
    # the targets table: 60 rows took seconds). The plan defines no per-sector split of
    # the tiers: caps for the total only.
    anchors = _anchors(targets)
    deadlines = [y for y, _ in anchors]
    years = [int(y) for y in df["year"].tolist()]
    caps = [
        _caps_at(y, anchors) if is_total else none
        for y, is_total in zip(years, total.tolist(), strict=True)
    ]
    df["target_kind"] = [
        _kind_at(y, deadlines) if is_total else ""
        for y, is_total in zip(years, total.tolist(), strict=True)
    ]
    caps = pd.Series(caps, index=df.index, dtype=object)
    for k, tier in enumerate(TIERS):
        df[f"cap_{tier}_pct"] = caps.map(lambda c, k=k: c[k]).astype("float64")
    split = [
        tier_split(r, c) for r, c in zip(df["reduction_pct"].tolist(), caps.tolist(), strict=True)
    ]
    for k, tier in enumerate(TIERS):
        df[f"tier_{tier}_pct"] = [s[k] for s in split]
    df["target_pct"] = df[[f"cap_{t}_pct" for t in TIERS]].sum(axis=1, min_count=3)
    return df


def _sector_order(df: pd.DataFrame) -> pd.DataFrame:
    order = {s: i for i, s in enumerate(SECTORS)}
    return (
        df.assign(_o=df["sector"].map(order))
        .sort_values(["year", "_o"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def emissions_vs_bau(observations: pd.DataFrame, targets: pd.DataFrame | None = None):
    """Return the reduction below BAU per year and sector, placed in the three tiers.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (DESIGN §2; at least indicator_id, area_level, year, value,
        status). Only province rows of the ``ghg_emissions*``/``ghg_bau*`` indicators are
        used.
    targets : pandas.DataFrame, optional
        A targets registry (default :func:`bkanalysis.targets.load_targets`) for the caps.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`EMISSIONS_COLUMNS`, one row per (year, sector) that has both actual
        and BAU values, sector ``total`` first. Empty, with ``attrs['message']`` (and
        ``message_vi``/``message_en``), when no year has both.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": ["ghg_emissions_tco2e", "ghg_bau_tco2e"],
    ...     "area_code": "06", "area_level": "province", "year": 2020,
    ...     "value": [940.0, 1000.0], "status": ["actual", "plan"]})
    >>> row = emissions_vs_bau(obs).iloc[0]
    >>> float(row["reduction_pct"]), float(row["tier_voluntary_pct"]), float(row["tier_national_pct"])
    (6.0, 3.0, 2.0)
    >>> emissions_vs_bau(obs.iloc[:1]).attrs["message_en"][:30]
    'No business-as-usual (BAU) emi'
    """
    observations = check_observations(observations)
    pairs = _province_pairs(observations)
    pairs = pairs.dropna(subset=["actual_tco2e", "bau_tco2e"])
    if pairs.empty:
        return _empty(EMISSIONS_COLUMNS, NO_BAU_MESSAGE)
    df = _finish(pairs, targets)
    df["is_projection"] = False
    df["year"] = df["year"].astype("int64")
    return _sector_order(df[list(EMISSIONS_COLUMNS)])


def _fit(years, values):
    """Least-squares line on log(values) if all positive, else on values; return predictor."""
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    log = bool((y > 0).all())
    slope, intercept = np.polyfit(x, np.log(y) if log else y, 1)
    if log:
        return (lambda t: float(np.exp(intercept + slope * t))), "log-linear OLS"
    return (lambda t: float(intercept + slope * t)), "linear OLS"


def _bau_at(year: int, known: pd.Series, n_years: int) -> tuple[float, str]:
    """BAU in *year* from known BAU points: observed, interpolated or extrapolated."""
    if year in known.index:
        return float(known[year]), "observed"
    before = known[known.index < year]
    after = known[known.index > year]
    if not before.empty and not after.empty:
        y0, y1 = before.index[-1], after.index[0]
        v0, v1 = float(before.iloc[-1]), float(after.iloc[0])
        w = (year - y0) / (y1 - y0)
        if v0 > 0 and v1 > 0:
            return float(math.exp(math.log(v0) + w * (math.log(v1) - math.log(v0)))), "interpolated"
        return v0 + w * (v1 - v0), "interpolated"
    tail = known.iloc[-n_years:]
    if len(tail) < 2:
        return math.nan, "unavailable"
    predict, _ = _fit(tail.index, tail.to_numpy())
    return predict(year), "extrapolated"


def project_emissions(
    observations: pd.DataFrame,
    *,
    to_year: int = 2030,
    n_years: int = 5,
    targets: pd.DataFrame | None = None,
):
    """Project actual and BAU emissions from their trend to *to_year* (a projection).

    Method: for each sector, actual emissions are fitted by ordinary least squares of
    log(emissions) on year over the last *n_years* years with a value (a constant annual
    growth rate); a sector with any value ≤ 0 (LULUCF may be a sink) gets a straight
    line instead. BAU is taken where given, interpolated geometrically between given
    years, and beyond the last given year extrapolated the same way as actual emissions
    (needs two BAU points). Rows run from the year after the last actual value to
    *to_year* and carry ``is_projection = True``; ``method`` names the fit and
    ``bau_source`` says whether BAU was observed, interpolated or extrapolated.

    Returns
    -------
    pandas.DataFrame
        :data:`EMISSIONS_COLUMNS` + ``method``, ``bau_source``; empty with
        ``attrs['message']`` when BAU data or two actual years are lacking.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": ["ghg_emissions_tco2e"] * 2 + ["ghg_bau_tco2e"] * 2,
    ...     "area_code": "06", "area_level": "province", "year": [2019, 2020, 2020, 2030],
    ...     "value": [100.0, 110.0, 120.0, 200.0], "status": "actual"})
    >>> p = project_emissions(obs, to_year=2021)
    >>> round(float(p.iloc[0]["actual_tco2e"]), 1), p.iloc[0]["bau_source"]
    (121.0, 'interpolated')
    """
    if not isinstance(to_year, int) or isinstance(to_year, bool):
        raise ValueError(f"to_year must be an int, got {to_year!r}")
    if not isinstance(n_years, int) or n_years < 2:
        raise ValueError(f"n_years must be an int >= 2, got {n_years!r}")
    observations = check_observations(observations)
    pairs = _province_pairs(observations)
    columns = [*EMISSIONS_COLUMNS, "method", "bau_source"]
    if pairs.empty or pairs["bau_tco2e"].isna().all():
        return _empty(columns, NO_BAU_MESSAGE)
    rows = []
    for sector, grp in pairs.groupby("sector", sort=False):
        actual = grp.dropna(subset=["actual_tco2e"]).set_index("year")["actual_tco2e"].sort_index()
        bau = grp.dropna(subset=["bau_tco2e"]).set_index("year")["bau_tco2e"].sort_index()
        if len(actual) < 2 or bau.empty:
            continue
        tail = actual.iloc[-n_years:]
        predict, method = _fit(tail.index, tail.to_numpy())
        label = f"{method} on {int(tail.index[0])}–{int(tail.index[-1])}"
        for year in range(int(actual.index[-1]) + 1, to_year + 1):
            bau_value, source = _bau_at(year, bau, n_years)
            rows.append(
                {
                    "year": year,
                    "sector": sector,
                    "actual_tco2e": predict(year),
                    "bau_tco2e": bau_value,
                    "actual_status": "projection",
                    "bau_status": "projection" if source != "observed" else "observed",
                    "method": label,
                    "bau_source": source,
                }
            )
    if not rows:
        return _empty(
            columns,
            {
                "vi": "Cần ít nhất hai năm số liệu phát thải thực tế và số liệu BAU để dự báo.",
                "en": "A projection needs at least two years of actual emissions and BAU data.",
            },
        )
    df = _finish(pd.DataFrame(rows), targets)
    df["is_projection"] = True
    df["year"] = df["year"].astype("int64")
    return _sector_order(df[columns])


def reduction_observations(observations: pd.DataFrame) -> pd.DataFrame:
    """Derive ``ghg_reduction_below_bau_pct`` observations from actual and BAU totals.

    One row per (area, year) that has both ``ghg_emissions_tco2e`` (non-plan) and
    ``ghg_bau_tco2e`` (any status) with BAU > 0; ``status`` is the actual value's status;
    ``source_file`` says the value is derived. Areas are keyed by (area_level,
    admin_vintage, area_code); province rows of every vintage pool together.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": ["ghg_emissions_tco2e", "ghg_bau_tco2e"],
    ...     "area_code": "06", "area_level": "province", "year": 2020,
    ...     "value": [900.0, 1000.0], "status": ["preliminary", "plan"]})
    >>> r = reduction_observations(obs)
    >>> float(r["value"].iloc[0]), r["status"].iloc[0]
    (10.0, 'preliminary')
    """
    observations = check_observations(observations)
    actual = preferred_values(observations[observations["indicator_id"] == "ghg_emissions_tco2e"])
    bau = preferred_values(
        observations[observations["indicator_id"] == "ghg_bau_tco2e"], include_plan=True
    )
    if actual.empty or bau.empty:
        return empty_observations()
    keys = ["area_level", "area_key", "year"]
    merged = pd.merge(actual, bau[[*keys, "value"]], on=keys, suffixes=("", "_bau"))
    merged = merged[merged["value_bau"] > 0]
    if merged.empty:
        return empty_observations()
    out = merged.assign(
        indicator_id="ghg_reduction_below_bau_pct",
        value=100.0 * (merged["value_bau"] - merged["value"]) / merged["value_bau"],
        unit="%",
        source_file="derived: ghg_emissions_tco2e, ghg_bau_tco2e",
        source_sheet="",
        source_cell="",
    )
    cols = list(empty_observations().columns)
    return out[cols].reset_index(drop=True)
