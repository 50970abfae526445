"""The assessment of the plan's targets: :func:`assess` and :func:`opensdg_progress`.

The rules are documented in :func:`assess` (and in ``docs/targets.md``). Each row of an
assessment carries the series it judged and the path it judged it against (``series``,
``path``, ``path_kind``), so that tables and charts show what was assessed and never
recompute it. Its output -- the bilingual table, the text and the workbook -- is
:mod:`bkanalysis.progress.output`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

import pandas as pd

from ..admin.gazetteer import gazetteer
from ..catalog import load_indicators
from ..emissions import reduction_observations, tier_split
from ..errors import CatalogError
from ..observations import STATUS_RANK, check_observations, preferred_values
from ..schema import AREA_LEVELS, PROVINCE_CODE, vintage_for_year
from ..study_area import select_study_area
from ..targets import TARGET_COLUMNS, _as_year, load_targets, target_readings, targets_frame

__all__ = [
    "ASSESSMENT_COLUMNS",
    "COUNT_READINGS",
    "METHODS",
    "assess",
    "is_missing",
    "opensdg_progress",
    "units_of_type",
]

#: ``plan`` (default): met/missed once the deadline passed; ``opensdg``: Open SDG's
#: published progress measure, exactly; ``escap``: ESCAP anticipated progress.
METHODS: tuple[str, ...] = ("plan", "opensdg", "escap")
#: How a count target set in units that later changed is read (``data/target_readings.csv``).
COUNT_READINGS: tuple[str, ...] = ("share", "count")
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
    "reading",
    "conditional",
    "opensdg_status",
    "score",
    "required_rate",
    "observed_rate",
    "rate_kind",
    "path_kind",
    "path",
    "series",
)
#: The year before the plan period (2018–2020): the default baseline.
PLAN_BASE_YEAR = 2017
#: Open SDG / Statistics Canada thresholds on the ratio of observed to required growth.
ON_TRACK_RATIO = 0.95
MODERATE_RATIO = 0.60
_EPS = 1e-9
_TIER_IDS = {
    "ghg_reduction_voluntary_pct": 0,
    "ghg_reduction_national_pct": 1,
    "ghg_reduction_international_pct": 2,
}


# --------------------------------------------------------------------------- inputs
def _directions() -> dict[str, int]:
    """Map indicator id -> +1 (increase) / -1 (decrease), or 0 when the catalog has none."""
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
@dataclass(frozen=True)
class _Rule:
    """What a target asks of a series: comparator, figures, direction and deadline."""

    comp: str
    value: float
    low: float
    high: float
    d: int
    deadline: int
    reg_base: int | None

    @classmethod
    def of(cls, target: dict, d: int) -> _Rule:
        reg_base = None if is_missing(target["baseline_year"]) else int(target["baseline_year"])
        return cls(
            target["comparator"],
            target["value"],
            target["low"],
            target["high"],
            d,
            int(target["deadline"]),
            reg_base,
        )

    def satisfied(self, x: float) -> bool:
        """Return whether the value *x* meets the target."""
        value, comp = self.value, self.comp
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
            # NOTE: the plan's "đạt 3 – 4 %" / "đạt mức 10 – 15 m²/người" means reach at
            # least the range: a value above it is achieved too (noted, see range_note).
            return x >= self.low - tol
        if comp == "maintain":
            return self.d * (x - value) >= -tol
        raise ValueError(f"unknown comparator {comp!r}")

    def failures(self, window) -> list:
        """Return the years of *window* (year -> value) whose value misses the target."""
        return [y for y, x in window.items() if not self.satisfied(x)]

    def goal(self) -> tuple[float, int]:
        """Return (the value progress is measured towards, the direction of progress)."""
        if self.comp == "range":
            return self.low, 1
        return self.value, self.d

    def range_note(self, x: float) -> str:
        high = self.high
        if self.comp == "range" and not math.isnan(high) and x > high + _EPS * max(1.0, abs(high)):
            return f"above the range (reach at least the range): {x:g} > {high:g}"
        return ""


@dataclass(frozen=True)
class _Settings:
    """How an assessment is made: its year, method and the method's parameters."""

    as_of: int | None
    method: str
    base_year: int | None
    thresholds: dict | None
    zero_substitute: float


def _points(series, statuses) -> tuple:
    """Return (year, value, data status) of each point of the judged series."""
    return tuple((int(y), float(v), statuses.get(int(y), "")) for y, v in series.items())


def _required_path(start: tuple, goal: float, deadline: int, rate: float, *, absolute: bool):
    """Points (year, value) of the required path from *start* (year, value) to the target."""
    base_year, base = start
    if math.isnan(rate) or deadline <= base_year:
        return ()
    pts = []
    for y in range(int(base_year), int(deadline) + 1):
        n = y - base_year
        v = base + rate * n if absolute else base * (1.0 + rate) ** n
        pts.append((y, float(v)))
    return tuple(pts)


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


def _blank_result(series, statuses) -> dict:
    """Return the result of a series nothing could be said about yet."""
    return {
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
        "required_rate": math.nan,
        "observed_rate": math.nan,
        "rate_kind": "",
        "path_kind": "",
        "path": (),
        "series": _points(series, statuses),
    }


def _assess_series(series, statuses, target: dict, d: int, settings: _Settings) -> dict:
    """Assess one yearly series (pandas Series year -> value, years ≤ as_of, sorted)."""
    rule = _Rule.of(target, d)
    out = _blank_result(series, statuses)
    if series.empty:
        out["note"] = "no observation up to the assessment year"
        return out
    notes: list[str] = []
    passed = settings.as_of is not None and settings.as_of >= rule.deadline
    if passed:
        series = _judge_at_deadline(series, rule, out, notes)
        out["series"] = _points(series, statuses)
    latest = _set_latest(out, series, statuses)
    _set_gap(out, rule, latest[1], notes)
    base = _baseline(series, rule.reg_base if settings.base_year is None else settings.base_year)
    out["baseline_year"], out["baseline_value"] = base
    _set_annual_changes(out, rule, base, latest, passed=passed)
    if rule.comp == "maintain":
        start = int(rule.reg_base or base[0])
        out["path_kind"], out["path"] = "level", ((start, rule.value), (rule.deadline, rule.value))
        if not passed:
            _judge_maintained(series, rule, out, notes, base_year=base[0])
            return _with_notes(out, notes)
    if not passed and rule.satisfied(latest[1]):
        out["status"], out["progress"] = "achieved", "achieved"
        notes.append(rule.range_note(latest[1]))
    if latest[0] > base[0]:
        if settings.method == "plan":
            _measure_plan(rule, out, notes, base, latest)
        else:  # escap
            _measure_escap(series, rule, out, base, latest)
    if out["status"] == "insufficient_data" and not passed:
        _classify(rule, out, notes, base, latest, method=settings.method)
    return _with_notes(out, notes)


def _with_notes(out: dict, notes: list[str]) -> dict:
    out["note"] = "; ".join(filter(None, notes))
    return out


def _judge_at_deadline(series, rule: _Rule, out: dict, notes: list[str]):
    """Set met/missed once the deadline passed; return the series up to the deadline."""
    deadline = rule.deadline
    at_deadline = series[series.index <= deadline]
    if rule.comp == "maintain":
        window = at_deadline[at_deadline.index >= (rule.reg_base or deadline)]
        fails = rule.failures(window)
        if fails:
            out["status"] = "missed"
            notes.append(f"below the level in {', '.join(map(str, fails))}")
        elif deadline in window.index:
            out["status"] = "met"
        else:
            notes.append(f"no value for the deadline year {deadline}")
    elif deadline in series.index:
        x = float(series[deadline])
        out["status"] = "met" if rule.satisfied(x) else "missed"
        notes.append(rule.range_note(x))
    else:
        notes.append(
            f"deadline {deadline} passed but no value for {deadline} "
            f"(latest {int(series.index[-1])} = {series.iloc[-1]:g})"
        )
    if deadline in series.index:
        return series[series.index <= deadline]
    return series if at_deadline.empty else at_deadline


def _set_latest(out: dict, series, statuses) -> tuple[int, float]:
    """Set the latest year, value and data status; return (latest year, latest value)."""
    latest_year = int(series.index[-1])
    latest = float(series.iloc[-1])
    out.update(
        latest_year=latest_year,
        latest_value=latest,
        data_status=statuses[latest_year],
        n_years=len(series),
    )
    return latest_year, latest


def _set_gap(out: dict, rule: _Rule, latest: float, notes: list[str]) -> None:
    """Set how far the latest value is from the target, in the direction of progress."""
    goal, dp = rule.goal()
    if rule.comp == "range" and rule.satisfied(latest):
        out["gap"] = 0.0
    else:
        out["gap"] = dp * (goal - latest)
    if rule.comp in {">", "<"} and abs(goal - latest) <= _EPS * max(1.0, abs(goal)):
        notes.append("strict target: the value must exceed the figure")


def _set_annual_changes(out: dict, rule: _Rule, base: tuple, latest: tuple, *, passed: bool):
    """Set the actual change per year since the base, and the change per year required."""
    (base_year, base_value), (latest_year, latest_value) = base, latest
    if latest_year > base_year:
        out["actual_annual_change"] = (latest_value - base_value) / (latest_year - base_year)
    if not passed and rule.deadline > latest_year:
        goal = rule.goal()[0]
        out["required_annual_change"] = (goal - latest_value) / (rule.deadline - latest_year)


def _judge_maintained(series, rule: _Rule, out: dict, notes: list[str], *, base_year: int):
    """Status of a level to maintain before its deadline: held, dipped, below or trending."""
    window = series[series.index >= (rule.reg_base or base_year)]
    if window.empty:
        notes.append(f"no value since {rule.reg_base}")
        return
    latest = float(series.iloc[-1])
    fails = rule.failures(window)
    if not rule.satisfied(latest):
        prev = window.iloc[-2] if len(window) > 1 else math.nan
        worse = not math.isnan(prev) and rule.d * (latest - prev) < 0
        out["status"] = "deteriorating" if worse else "off_track"
        out["progress"] = "deterioration" if worse else "below level"
    elif fails:
        out["status"], out["progress"] = "off_track", "dipped"
        notes.append(f"below the level in {', '.join(map(str, fails))}")
    else:
        out["status"], out["progress"] = "on_track", "held"
        if len(window) >= 2:
            a, b = _ols(list(window.index), list(window.to_numpy()))
            projected = a + b * rule.deadline
            out["projected_value"] = projected
            if not rule.satisfied(projected):
                out["status"], out["progress"] = "off_track", "trend below level"
                notes.append(f"linear trend gives {projected:.4g} in {rule.deadline}")


def _measure_plan(rule: _Rule, out: dict, notes: list[str], base: tuple, latest: tuple) -> None:
    """Measure by method plan: observed and required growth (CAGR or absolute), ratio, path."""
    (base_year, base_value), (latest_year, latest_value) = base, latest
    goal, dp = rule.goal()
    deadline = rule.deadline
    absolute = not (base_value > 0 and latest_value > 0 and goal > 0)
    if absolute:
        notes.append("absolute change used (a growth rate is undefined at or below 0)")
    actual = _growth(base_value, latest_value, latest_year - base_year, absolute=absolute)
    required = (
        _growth(base_value, goal, deadline - base_year, absolute=absolute)
        if deadline > base_year
        else math.nan
    )
    out["observed_rate"], out["required_rate"] = actual, required
    out["rate_kind"] = "absolute" if absolute else "cagr"
    out["path_kind"] = "required"
    out["path"] = _required_path(base, goal, deadline, required, absolute=absolute)
    if not math.isnan(required) and abs(required) > _EPS:
        out["measure"] = dp * actual / abs(required)


def _measure_escap(series, rule: _Rule, out: dict, base: tuple, latest: tuple) -> None:
    """Measure by method escap: a least-squares line from the base year to the deadline."""
    (base_year, base_value), latest_year = base, latest[0]
    goal, dp = rule.goal()
    deadline = rule.deadline
    years = list(series.index[series.index >= base_year])
    a, b = _ols(years, [float(series[y]) for y in years])
    projected = a + b * deadline
    out["projected_value"] = projected
    out["observed_rate"], out["rate_kind"] = b, "linear"
    if deadline > base_year:
        out["required_rate"] = (goal - base_value) / (deadline - base_year)
    out["path_kind"] = "projection"
    out["path"] = tuple(
        (y, float(a + b * y)) for y in range(int(base_year), max(deadline, latest_year) + 1)
    )
    if abs(goal - base_value) > _EPS:
        out["measure"] = dp * (projected - base_value) / abs(goal - base_value)


def _classify(rule: _Rule, out: dict, notes: list[str], base: tuple, latest: tuple, *, method: str):
    """Classify a target not yet achieved before its deadline, by measure or projection."""
    (base_year, base_value), (latest_year, latest_value) = base, latest
    if latest_year <= base_year:
        notes.append("one year of data: no trend")
    elif method == "plan":
        ratio = out["measure"]
        if math.isnan(ratio):
            change = rule.d * (latest_value - base_value)
            out["status"] = (
                "on_track" if change > 0 else "deteriorating" if change < 0 else "off_track"
            )
            out["progress"] = "no required change"
        else:
            out["status"], out["progress"] = _band(ratio)
    else:
        projected = out["projected_value"]
        slope = (projected - base_value) if not math.isnan(projected) else math.nan
        if rule.satisfied(projected):
            out["status"], out["progress"] = "on_track", "anticipated"
        elif rule.goal()[1] * slope < 0:
            out["status"], out["progress"] = "deteriorating", "regression"
        else:
            out["status"], out["progress"] = "off_track", "acceleration needed"


# --------------------------------------------------------------------------- Open SDG
#: Published defaults of sdg-build (``sdg/ProgressMeasure.py``, ``SeriesProgress``).
OPENSDG_BASE_YEAR = 2015
OPENSDG_ZERO_SUBSTITUTE = 0.001
#: ``SeriesProgress.get_progress_thresholds``: no target (method 1) / target (method 2).
OPENSDG_THRESHOLDS_NO_TARGET = {"high": 0.015, "med": 0.005, "low": 0.0}
OPENSDG_THRESHOLDS_TARGET = {"high": 0.95, "med": 0.6, "low": 0.0}
#: Exponent of the limit coefficient (``get_progress_thresholds``: ``a = 4.44``).
_LIMIT_EXPONENT = 4.44
#: Published status -> (project status, progress category).
_OPENSDG_TO_STATUS = {
    "target_achieved": ("achieved", "achieved"),
    "substantial_progress": ("on_track", "substantial"),
    "moderate_progress": ("off_track", "moderate"),
    "limited_progress": ("off_track", "limited"),
    "deterioration": ("deteriorating", "deterioration"),
    "not_available": ("insufficient_data", ""),
}


def _cagr(val1: float, val2: float, t1: float, t2: float):
    """sdg-build ``growth_calculation``: ((val1 / val2) ** (1 / (t1 − t2))) − 1."""
    return ((val1 / val2) ** (1 / (t1 - t2))) - 1


def _opensdg_score(value: float, method: int, thresholds: dict) -> float:
    """sdg-build ``SeriesProgress.get_score`` for a computed progress value."""
    high, med, low = thresholds["high"], thresholds["med"], thresholds["low"]
    if method == 1:
        coeff = thresholds.get("coefficient", 1)
        if value < low:
            return max(125 * value - 2.5, -5)
        if coeff == 0:
            return 5
        if value >= high:
            return min(500 * value / coeff - 5, 5)
        if value >= med:
            return 250 * value / coeff - 1.25
        return 500 * value / coeff - 2.5
    if value >= med:
        return min((7.1429 * value) - 4.2857, 5)
    return max((4.1667 * value) - 2.5, -5)


def _status_from_score(score: float | None) -> str:
    """sdg-build ``get_progress_status_from_score`` (the indicator's published status)."""
    if score is None:
        return "not_available"
    if 2.5 <= score <= 5:
        return "substantial_progress"
    if 0 <= score < 2.5:
        return "moderate_progress"
    if -2.5 <= score < 0:
        return "limited_progress"
    return "deterioration"


def _status_from_value(value: float | None, thresholds: dict) -> str:
    """sdg-build ``get_progress_status``: the progress value against the thresholds."""
    if value is None:
        return "not_available"
    if value >= thresholds["high"]:
        return "substantial_progress"
    if value >= thresholds["med"]:
        return "moderate_progress"
    if value >= thresholds["low"]:
        return "limited_progress"
    return "deterioration"


def opensdg_progress(
    series,
    *,
    target: float | None = None,
    target_year: int = 2030,
    direction: int = -1,
    base_year: int = OPENSDG_BASE_YEAR,
    limit: float | None = None,
    thresholds: dict | None = None,
    zero_substitute: float = OPENSDG_ZERO_SUBSTITUTE,
) -> dict:
    """Open SDG's published progress measure of one series, as sdg-build computes it.

    A faithful port of ``SeriesProgress`` in sdg-build ``sdg/ProgressMeasure.py`` (the
    Statistics Canada method used by the Open SDG platform); every rule below names the
    function it comes from.

    Parameters
    ----------
    series : mapping or pandas.Series
        Year -> value. Missing values are dropped (``filter_data``).
    target : float, optional
        Target value; None runs the method without a target (method 1). A target of 0
        becomes *zero_substitute* (``SeriesProgress.__init__``).
    target_year : int
        Year of the target (published default 2030).
    direction : {1, -1}
        +1 when an increase is desirable, −1 when a decrease is (published default −1).
    base_year : int
        Base year (published default 2015). When it has no value, the first later year
        with a value is used; when no later year has one the measure is not available.
    limit : float, optional
        Natural limit (e.g. 100 %) of a series without a target: the thresholds are
        reduced by ``1 − (base/limit)^4.44`` near it (``get_progress_thresholds``).
    thresholds : dict, optional
        ``{'high', 'med', 'low'}`` overriding the published ones (method 1: 0.015,
        0.005, 0; method 2: 0.95, 0.6, 0).
    zero_substitute : float
        Replaces a base value (and a target) of exactly 0 (published 0.001).

    Returns
    -------
    dict
        ``status`` (``target_achieved``, ``substantial_progress``, ``moderate_progress``,
        ``limited_progress``, ``deterioration`` or ``not_available``), ``score`` (−5..5,
        None when not available), ``progress_value``, ``method`` (1 or 2), ``base_year``,
        ``base_value`` (after substitution), ``current_year``, ``current_value``,
        ``target``, ``sign``, ``coefficient`` (limit), ``observed_growth``,
        ``required_growth`` and ``notes`` (why a measure is not available, substitutions).

    Examples
    --------
    >>> r = opensdg_progress({2015: 50.0, 2020: 60.0}, target=80.0, direction=1)
    >>> r["status"], round(r["progress_value"], 4)
    ('substantial_progress', 1.1668)
    >>> opensdg_progress({2015: 5.0, 2020: -1.0}, direction=1)["status"]
    'not_available'
    """
    notes: list[str] = []
    s = pd.Series(series, dtype="float64").dropna().sort_index()
    s.index = [int(y) for y in s.index]
    method = 1 if target is None else 2
    if target is not None and target == 0:
        notes.append(f"target 0 replaced by {zero_substitute:g}")
        target = zero_substitute
    d = 1 if direction == 1 else -1
    out = {
        "status": "not_available",
        "score": None,
        "progress_value": None,
        "method": method,
        "base_year": None,
        "base_value": None,
        "current_year": None,
        "current_value": None,
        "target": target,
        "target_year": int(target_year),
        "direction": d,
        "sign": None,
        "coefficient": None,
        "observed_growth": None,
        "required_growth": None,
        "notes": notes,
    }
    if s.empty:
        notes.append("no data")
        return out
    current_year = int(s.index.max())
    current = float(s[current_year])
    base_year = _opensdg_base_year(s, int(base_year), notes)
    if base_year is None:
        out.update(current_year=current_year, current_value=current)
        return out
    base = float(s[base_year])
    th = _opensdg_thresholds(method, base, limit, dict(thresholds or {}), out)
    out.update(
        base_year=base_year,
        base_value=base,
        current_year=current_year,
        current_value=current,
        sign=-1 if base < 0 else 1,
        thresholds=th,
    )
    if base == 0:
        notes.append(f"base value 0 replaced by {zero_substitute:g}")
        out["base_value"] = base = zero_substitute
    value = _opensdg_value(out, target, target_year)
    out["progress_value"] = value
    if target is not None and ((d == -1 and current <= target) or (d == 1 and current >= target)):
        out["status"], out["score"] = "target_achieved", 5
        return out
    if value is None:
        return out
    out["score"] = score = _opensdg_score(value, method, th)
    out["status"] = _status_from_value(value, th) if thresholds else _status_from_score(score)
    return out


def _opensdg_base_year(s, base_year: int, notes: list[str]) -> int | None:
    """sdg-build's base year: *base_year*, else the next year with data (None if none)."""
    if base_year in s.index:
        return base_year
    later = [y for y in s.index if y > base_year]
    if not later:
        notes.append(f"base year {base_year} is after the latest data ({int(s.index.max())})")
        return None
    notes.append(f"no value for base year {base_year}: the next year with data used")
    return min(later)


def _opensdg_thresholds(method: int, base: float, limit, user: dict, out: dict) -> dict:
    """sdg-build ``get_progress_thresholds``: the published ones, *user*'s, a limit's cut."""
    if method == 2:
        if limit is not None:
            out["notes"].append("limit ignored: a target is given")
        return {**OPENSDG_THRESHOLDS_TARGET, **user}
    th = {**OPENSDG_THRESHOLDS_NO_TARGET, **user}
    if limit is not None:
        b, lim = abs(base), abs(float(limit))
        if b >= 2 * lim:
            coeff = 1.0
        elif b <= lim:
            coeff = 1 - (b / lim) ** _LIMIT_EXPONENT
        else:
            coeff = 1 - ((2 * lim - b) / lim) ** _LIMIT_EXPONENT
        for key in ("high", "med", "low"):
            th[key] *= coeff
        th["coefficient"] = coeff
        out["coefficient"] = coeff
    return th


def _opensdg_value(out: dict, target: float | None, target_year: int) -> float | None:
    """sdg-build ``calculate_progress``: the progress value (None when it cannot be had)."""
    notes = out["notes"]
    base, current = out["base_value"], out["current_value"]
    base_year, current_year = out["base_year"], out["current_year"]
    sign_d = out["sign"] * out["direction"]
    if (base > 0 and current < 0) or (base < 0 and current > 0):
        notes.append("the series crosses zero: the growth rate cannot be computed")
        return None
    if current_year - base_year < 1:
        notes.append("one year of data: no growth")
        return None
    observed = _cagr(current, base, current_year, base_year)
    out["observed_growth"] = observed
    if out["method"] == 1:
        value = sign_d * observed
    else:
        try:
            required = _cagr(target, base, target_year, base_year)
        except ZeroDivisionError:
            required = None
        if isinstance(required, complex) or required is None or required == 0:
            notes.append("the required growth cannot be computed")
            return None
        out["required_growth"] = required
        value = sign_d * observed / abs(required)
    if isinstance(value, complex):
        notes.append("the growth rate cannot be computed")
        return None
    return value


def _assess_opensdg(series, statuses, target: dict, d: int, settings: _Settings) -> dict:
    """One series under :func:`opensdg_progress`, in the columns of :func:`assess`."""
    comp = target["comparator"]
    deadline = int(target["deadline"])
    goal = target["low"] if comp == "range" else target["value"]
    goal = None if is_missing(goal) else float(goal)
    direction = 1 if comp == "range" else d
    reg_base = target.get("baseline_year")
    base_year = settings.base_year
    if base_year is None:
        base_year = OPENSDG_BASE_YEAR if is_missing(reg_base) else int(reg_base)
    limit = target.get("limit")
    r = opensdg_progress(
        series,
        target=goal,
        target_year=deadline,
        direction=direction,
        base_year=base_year,
        limit=None if is_missing(limit) else float(limit),
        thresholds=settings.thresholds,
        zero_substitute=settings.zero_substitute,
    )
    out = _opensdg_columns(r, series, statuses)
    latest_year, latest = r["current_year"], r["current_value"]
    if latest is not None and goal is not None:
        out["gap"] = direction * (goal - latest)
        if deadline > latest_year:
            out["required_annual_change"] = (goal - latest) / (deadline - latest_year)
    if latest is not None and r["base_year"] is not None and latest_year > r["base_year"]:
        out["actual_annual_change"] = (latest - r["base_value"]) / (latest_year - r["base_year"])
    if r["required_growth"] is not None:
        out["path_kind"] = "required"
        out["path"] = _required_path(
            (r["base_year"], r["base_value"]), goal, deadline, r["required_growth"], absolute=False
        )
    return out


def _opensdg_columns(r: dict, series, statuses) -> dict:
    """Return the result of :func:`opensdg_progress` in the columns of :func:`assess`."""

    def nan_if_none(x):
        return math.nan if x is None else x

    status, progress = _OPENSDG_TO_STATUS[r["status"]]
    latest_year = r["current_year"]
    return {
        **_blank_result(series, statuses),
        "status": status,
        "progress": progress,
        "baseline_year": r["base_year"],
        "baseline_value": nan_if_none(r["base_value"]),
        "latest_year": latest_year,
        "latest_value": nan_if_none(r["current_value"]),
        "data_status": statuses.get(latest_year, "") if latest_year is not None else "",
        "measure": nan_if_none(r["progress_value"]),
        "note": "; ".join(r["notes"]),
        "opensdg_status": r["status"],
        "score": math.nan if r["score"] is None else float(r["score"]),
        "required_rate": nan_if_none(r["required_growth"]),
        "observed_rate": nan_if_none(r["observed_growth"]),
        "rate_kind": "cagr" if r["observed_growth"] is not None else "",
    }


def is_missing(x) -> bool:
    """Return True for None and a missing scalar (NaN, NA, NaT), else False."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # not a scalar
        return False


# --------------------------------------------------------------------------- assess
def assess(  # noqa: PLR0913 (the public signature: every option is documented)
    observations: pd.DataFrame,
    targets=None,
    *,
    as_of: int | None = None,
    method: str = "plan",
    area_level: str = "province",
    base_year: int | None = None,
    thresholds: dict | None = None,
    zero_substitute: float = OPENSDG_ZERO_SUBSTITUTE,
    count_reading: str = "share",
) -> pd.DataFrame:
    """Assess every target against the observations: status, gap, required change.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (DESIGN §2). Required columns: indicator_id, area_code,
        area_level, year, value, status; admin_vintage, area_name and source_* are used
        when present.
    targets : pandas.DataFrame or list of Target, optional
        The registry (default :func:`bkanalysis.targets.load_targets`), a subset of it, or
        ad-hoc :class:`bkanalysis.targets.Target` objects.
    as_of : int, optional
        Assessment year (an int or a numpy integer): only observations of years ≤
        *as_of* are used, and a deadline ≤ *as_of* has passed. Default: the latest year
        of any non-plan observation.
    method : {'plan', 'opensdg', 'escap'}
        ``plan`` (default): the plan's deadlines: met/missed once a deadline passed,
        before it the ratio of observed to required growth. ``opensdg``: Open SDG's
        published progress measure exactly (:func:`opensdg_progress`), also after the
        target year. ``escap``: ESCAP anticipated progress.
    area_level : {'province', 'district', 'commune'}
        Level at which province-scope targets are assessed (one row per area at that
        level). Per-commune floors are always assessed per commune.
    base_year : int, optional
        Base year. Default: the registry's ``baseline_year`` when set, else 2015 for
        ``opensdg`` (the published default) and the latest year ≤ 2017 (else the first
        year) for ``plan``/``escap``.
    thresholds : dict, optional
        ``opensdg`` only: ``{'high', 'med', 'low'}`` overriding the published thresholds.
    zero_substitute : float
        ``opensdg`` only: replaces a zero base value or target (published 0.001).
    count_reading : {'share', 'count'}
        For a count target set in units that later changed (``share_of_units`` in
        ``data/target_readings.csv``: more than 60 NTM xã by 2030, set for 110 xã):
        ``share`` (default) compares the share of xã recognised among each year's own xã
        with the target's share (60/110 = 54.5 %); ``count`` takes the count as reported.

    Returns
    -------
    pandas.DataFrame
        :data:`ASSESSMENT_COLUMNS`, one row per target and area in registry order; for a
        per-commune floor one row per commune plus a province summary row (area code
        ``06``). A target with no data at *area_level* keeps one row (empty area code,
        ``insufficient_data``). ``status`` is one of
        :data:`bkanalysis.schema.ASSESSMENT_STATUSES`. ``series`` holds the (year, value)
        pairs judged and ``path`` the (year, value) points of the path judged against
        (``path_kind``: ``required`` growth path, ESCAP ``projection``, ``level`` to
        maintain); charts draw these two and never recompute them.

    Notes
    -----
    Data used
        Plan rows (``status == 'plan'``: KH, mục tiêu) never count. Per year the
        preferred value is actual > preliminary > estimate; its status is
        ``data_status``. Province rows of every administrative vintage form one series
        (code 06); district and commune series are keyed by (admin_vintage, area_code).
        ``ghg_reduction_below_bau_pct`` is derived from ghg_emissions_tco2e and
        ghg_bau_tco2e where not reported; the tier parts are that reduction placed in the
        tiers (voluntary first, :func:`bkanalysis.emissions.tier_split`).
    Direction
        From the catalog (``increase``/``decrease``) or an ad-hoc target's ``direction``.
    Achievement
        ``>=``/``<=`` include the figure, ``>``/``<`` are strict ("trên" = more than),
        ``=`` holds within 1e-9, ``range`` is *reach at least the range* ("đạt 3 – 4 %":
        achieved from ``low`` on; above ``high`` is achieved with a note), ``maintain``
        holds when every yearly value from ``baseline_year`` stays at or beyond the level.
    Method ``plan``
        Deadline passed: ``met``/``missed`` on the deadline year's value (no value →
        ``insufficient_data``). Before: achieved → ``achieved``; one year → no trend;
        else R = d·CAGR_obs/|CAGR_req| with CAGR_req from the base to the target at the
        deadline: R ≥ 0.95 ``on_track``, ≥ 0.60 / ≥ 0 ``off_track`` (moderate /
        limited), < 0 ``deteriorating``; absolute changes replace CAGRs when a value or
        the target is ≤ 0. The required path drawn is the CAGR (or linear) path.
    Method ``opensdg``
        :func:`opensdg_progress` on the series (target = ``value``, or ``low`` of a
        range; target year = deadline; direction from the catalog); ``opensdg_status``
        and ``score`` are the published ones; ``status`` maps target_achieved →
        ``achieved``, substantial → ``on_track``, moderate and limited → ``off_track``,
        deterioration → ``deteriorating``, not_available → ``insufficient_data``.
        No met/missed: the band is given after the target year too.
    Method ``escap``
        A least-squares line from the base year projected to the deadline; reaching the
        target → ``on_track``; moving towards it → ``off_track``; away → ``deteriorating``.
    Conditional parts
        The national- and international-support parts of the emission targets
        (``conditional`` in ``data/target_readings.csv``) are never ``missed``,
        ``off_track`` or ``deteriorating``: unfilled they are ``conditional`` (they wait
        for support, and cannot fill before the voluntary part is full). A total that
        includes them (``partly_conditional``) whose voluntary part is met, achieved or on
        track is ``conditional`` instead of missed/off track. ``conditional`` is True on
        these rows.
    Per-commune floors
        A commune is NTM in year Y if its ``ntm_recognised_year`` ≤ Y or it meets ≥ 19
        criteria; NTM communes are ``achieved``/``met`` with a note; the province row
        assesses the yearly minimum over non-NTM communes.

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
    _check_choices(method, area_level, count_reading)
    settings = _Settings(
        as_of=_as_year(as_of, "as_of", required=False),
        method=method,
        base_year=_as_year(base_year, "base_year", required=False),
        thresholds=thresholds,
        zero_substitute=zero_substitute,
    )
    targets = load_targets() if targets is None else targets_frame(targets)
    missing = [c for c in TARGET_COLUMNS if c not in targets.columns]
    if missing:
        raise ValueError(f"targets lack column(s): {', '.join(missing)}")
    # other areas never enter an assessment
    obs = check_observations(select_study_area(observations))
    if settings.as_of is None:
        real = obs[obs["status"] != "plan"]
        settings = replace(settings, as_of=int(real["year"].max()) if not real.empty else None)
    if settings.as_of is not None:
        obs = obs[obs["year"] <= settings.as_of]
    best = preferred_values(_with_derived(obs))
    by_indicator = dict(tuple(best.groupby("indicator_id", sort=False)))
    directions = _directions()
    readings = target_readings()
    rows = []
    for target in targets.to_dict("records"):
        own = _DIRECTION_WORDS.get(target.get("direction")) if _hashable(target) else None
        d = own if own is not None else _direction(target["indicator_id"], directions)
        target, reading = _read_target(target, readings, count_reading)
        base = _row_head(target, reading, settings)
        if target["area_scope"] == "commune_floor":
            rows.extend(_assess_floor(best, target, d, settings, base))
            continue
        series_rows = _series_for(by_indicator, best.iloc[:0], targets, target)
        for key, grp in _area_groups(series_rows, area_level):
            result = _assess_area(grp.sort_values("year"), target, d, settings, reading)
            rows.append({**base, **result, **_area_columns(key, grp, area_level, result, settings)})
    _apply_conditional(rows, targets)
    return _assessment_frame(rows)


def _check_choices(method: str, area_level: str, count_reading: str) -> None:
    """Raise ValueError naming an unknown method, area level or count reading."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if area_level not in AREA_LEVELS:
        raise ValueError(f"area_level must be one of {AREA_LEVELS}, got {area_level!r}")
    if count_reading not in COUNT_READINGS:
        raise ValueError(f"count_reading must be one of {COUNT_READINGS}, got {count_reading!r}")


def _read_target(target: dict, readings: dict, count_reading: str) -> tuple[dict, dict]:
    """Return the target as judged and its reading (``kind``: how its wording is read)."""
    reading = dict(readings.get(target["target_id"], {}))
    kind = reading.get("reading", "")
    if kind == "share_of_units":
        target = _share_target(target, reading) if count_reading == "share" else target
        kind = "share_of_units" if count_reading == "share" else "count_as_reported"
    elif target["comparator"] == "range":
        kind = "at_least_range"
    reading["kind"] = kind
    return target, reading


def _row_head(target: dict, reading: dict, settings: _Settings) -> dict:
    """Return the columns of a row that describe the target and the assessment."""
    return {
        "target_id": target["target_id"],
        "parent_id": target["parent_id"],
        "indicator_id": target["indicator_id"],
        "comparator": target["comparator"],
        "target_value": target["value"],
        "target_low": target["low"],
        "target_high": target["high"],
        "deadline": int(target["deadline"]),
        "as_of": settings.as_of,
        "method": settings.method,
        "section": target["section"],
        "theme": target["theme"],
        "reading": reading["kind"],
        "conditional": reading["kind"] in {"conditional", "partly_conditional"},
    }


def _area_groups(series_rows: pd.DataFrame, area_level: str) -> list[tuple[str, pd.DataFrame]]:
    """Return (area key, rows) of each area of *area_level* (one group when none has data)."""
    level_rows = series_rows[series_rows["area_level"] == area_level]
    if area_level == "province":
        # NOTE: only Bắc Kạn (06); a merged-province row (Thái Nguyên) is another area.
        return [(PROVINCE_CODE, level_rows[level_rows["area_code"] == PROVINCE_CODE])]
    groups = list(level_rows.groupby("area_key", sort=True))
    return groups or [("", level_rows)]  # keep one row per target


def _assess_area(grp: pd.DataFrame, target: dict, d: int, settings: _Settings, reading: dict):
    """Assess the series of one area (as a share of units when the target is read so)."""
    series, statuses = _series(grp)
    extra = ""
    if reading["kind"] == "share_of_units":
        series, extra = _as_share(series, reading)
    elif reading["kind"] == "count_as_reported":
        extra = _count_note(series, reading)
    result = _assess_any(series, statuses, target, d, settings)
    if extra:
        result["note"] = "; ".join(filter(None, [extra, result["note"]]))
    return result


def _area_columns(key: str, grp: pd.DataFrame, area_level: str, result: dict, settings):
    """Return the area columns of a row: code, level, name and administrative vintage."""
    year = result["latest_year"] or settings.as_of
    name = grp["area_name"].iloc[-1] if not grp.empty else ""
    if area_level == "province" and not name:
        name = "Bắc Kạn"
    if ":" in key:
        vintage = key.split(":")[0]
    else:
        vintage = vintage_for_year(year) if year is not None else ""
    return {
        "area_code": key.split(":")[-1],
        "area_level": area_level,
        "area_name": name,
        "admin_vintage": vintage,
    }


#: Columns of an assessment by dtype (the others are text or objects).
_INT_COLUMNS = ("baseline_year", "latest_year", "as_of", "deadline", "n_years")
_FLOAT_COLUMNS = (
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
    "score",
    "required_rate",
    "observed_rate",
)


def _assessment_frame(rows: list[dict]) -> pd.DataFrame:
    """Return the rows as the assessment table, in :data:`ASSESSMENT_COLUMNS` and dtypes."""
    df = pd.DataFrame(rows, columns=list(ASSESSMENT_COLUMNS))
    for col in _INT_COLUMNS:
        df[col] = df[col].astype("Int64")
    for col in _FLOAT_COLUMNS:
        df[col] = df[col].astype("float64")
    df["conditional"] = df["conditional"].fillna(False).astype(bool)
    for col in ("opensdg_status", "reading", "rate_kind", "path_kind"):
        df[col] = df[col].fillna("").astype(str)
    return df


_DIRECTION_WORDS = {"increase": 1, "decrease": -1, "positive": 1, "negative": -1}


def _hashable(target: dict) -> bool:
    return isinstance(target.get("direction"), str)


def _assess_any(series, statuses, target: dict, d: int, settings: _Settings) -> dict:
    """Dispatch one series to its method; every result has the same keys."""
    if settings.method == "opensdg":
        return _assess_opensdg(series, statuses, target, d, settings)
    if target["comparator"] != "range" and is_missing(target["value"]):
        res = _assess_series(series.iloc[:0], {}, target, d, settings)
        res.update(
            n_years=len(series),
            series=_points(series, statuses),
            note="no target value: only method 'opensdg' assesses a series without a target",
            opensdg_status="",
            score=math.nan,
        )
        return res
    res = _assess_series(series, statuses, target, d, settings)
    res.setdefault("opensdg_status", "")
    res.setdefault("score", math.nan)
    return res


@cache
def units_of_type(vintage: str, unit_type: str) -> int:
    """Return the number of communes of *unit_type* (``xã``) in the gazetteer of *vintage*."""
    g = gazetteer(vintage)
    return int(((g["area_level"] == "commune") & (g["unit_type"] == unit_type)).sum())


def _share_target(target: dict, reading: dict) -> dict:
    """Return the target as a share: ``ref_count`` of the ``ref_units`` units of its time."""
    share = 100.0 * float(reading["ref_count"]) / float(reading["ref_units"])
    return {**target, "value": share}


def _as_share(series, reading: dict):
    """Series of counts -> share (%) of each year's own units of ``unit_type``."""
    unit = reading["unit_type"]
    dens = {int(y): units_of_type(vintage_for_year(int(y)), unit) for y in series.index}
    share = series.copy()
    for y in series.index:
        share[y] = 100.0 * float(series[y]) / dens[int(y)] if dens[int(y)] else math.nan
    share = share.dropna()
    used = sorted({(vintage_for_year(int(y)), dens[int(y)]) for y in series.index})
    denominators = ", ".join(f"{v} units: {n} {unit}" for v, n in used)
    note = (
        f"share of {unit} recognised among the year's own {unit} ({denominators}); target: "
        f"more than {reading['ref_count']} of the {reading['ref_units']} {unit} of "
        f"{reading['ref_vintage']} = {100 * float(reading['ref_count']) / float(reading['ref_units']):.1f} %"
    )
    changed = [v for v, _ in used if v != reading["ref_vintage"]]
    if changed:
        note += f"; units changed since the target was set ({', '.join(changed)} units)"
    return share, note


def _count_note(series, reading: dict) -> str:
    later = sorted({vintage_for_year(int(y)) for y in series.index} - {reading["ref_vintage"]})
    if not later:
        return ""
    return (
        f"count as reported: the target ({reading['ref_count']}) was set for "
        f"{reading['ref_units']} {reading['unit_type']} ({reading['ref_vintage']} units); "
        f"the units changed ({', '.join(later)} units), so the count is not comparable"
    )


_SHORT = {"missed", "off_track", "deteriorating"}
_FINE = {"achieved", "met", "on_track"}


def _apply_conditional(rows: list[dict], targets: pd.DataFrame) -> None:
    """Conditional parts (and totals whose voluntary part holds) are never 'missed'."""
    by = {(r["target_id"], r["area_code"]): r for r in rows}
    parents = dict(zip(targets["target_id"], targets["parent_id"], strict=True))
    voluntary = {
        p: tid
        for tid, p, ind in zip(
            targets["target_id"], targets["parent_id"], targets["indicator_id"], strict=True
        )
        if ind == "ghg_reduction_voluntary_pct" and p
    }
    for r in rows:
        if r["reading"] not in {"conditional", "partly_conditional"}:
            continue
        parent = (
            r["target_id"] if r["reading"] == "partly_conditional" else parents.get(r["target_id"])
        )
        vol = by.get((voluntary.get(parent, ""), r["area_code"]))
        vol_status = vol["status"] if vol is not None else ""
        extra = []
        if r["reading"] == "conditional":
            extra.append("conditional on national/international support: not an obligation")
            if r["status"] in _SHORT:
                r["status"], r["progress"] = "conditional", "conditional"
                if vol_status not in {"achieved", "met"}:
                    extra.append("cannot fill before the voluntary part is full")
        else:
            extra.append("includes parts conditional on support")
            if r["status"] in _SHORT and vol_status in _FINE:
                r["status"], r["progress"] = "conditional", "conditional"
                extra.append(f"voluntary part {vol_status}; the rest depends on support")
        r["note"] = "; ".join(filter(None, [r["note"], *extra]))


def _series(rows: pd.DataFrame):
    """Return (year -> value Series sorted by year, year -> data status dict) of *rows*."""
    years = rows["year"].to_numpy()
    series = pd.Series(rows["value"].to_numpy(dtype=float), index=years).sort_index()
    return series, dict(zip(years.tolist(), rows["status"].tolist(), strict=True))


def _with_derived(obs: pd.DataFrame) -> pd.DataFrame:
    """Add derived reduction-below-BAU rows where no reported value exists."""
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


def _assess_floor(best, target: dict, d: int, settings: _Settings, base: dict) -> list[dict]:
    """Assess a per-commune floor: a province summary row, then one row per commune."""
    crit = best[
        (best["indicator_id"] == target["indicator_id"]) & (best["area_level"] == "commune")
    ]
    summary = {**base, "area_code": PROVINCE_CODE, "area_level": "province", "area_name": "Bắc Kạn"}
    if crit.empty:
        res = _assess_any(pd.Series(dtype=float), {}, target, d, settings)
        res["note"] = "no commune-level observation of " + target["indicator_id"]
        summary.update(res, admin_vintage="")
        return [summary]
    recognised = _ntm_by(best)
    crit = crit.assign(
        ntm=[
            _is_ntm(recognised.get(k), y, v)
            for k, y, v in zip(crit["area_key"], crit["year"], crit["value"], strict=True)
        ]
    )
    deadline = int(target["deadline"])
    passed = settings.as_of is not None and settings.as_of >= deadline
    years = set(crit["year"].tolist())
    upto = [y for y in years if y <= deadline]
    # NOTE: once the deadline passed, the deadline year or else the latest year before it
    # (never a later vintage's communes).
    eval_year = int(max(upto)) if passed and upto else int(max(years))
    res = _assess_floor_minimum(crit[~crit["ntm"]], target, d, settings)
    vintage = crit.loc[crit["year"] == eval_year, "admin_vintage"]
    summary.update(res, admin_vintage=vintage.iloc[0] if not vintage.empty else "")
    rows = [summary]
    communes = crit[crit["year"] == eval_year][
        ["area_key", "area_code", "area_name", "admin_vintage"]
    ]
    by_key = dict(tuple(crit.groupby("area_key", sort=False)))
    for c in communes.drop_duplicates("area_key").sort_values("area_code").to_dict("records"):
        own = by_key[c["area_key"]].sort_values("year")
        row = {
            **base,
            "area_code": c["area_code"],
            "area_level": "commune",
            "area_name": c["area_name"],
            "admin_vintage": c["admin_vintage"],
        }
        if own[own["year"] == eval_year].iloc[0]["ntm"]:
            rec = recognised.get(c["area_key"])
            res = _assess_ntm_commune(own, target, d, settings, (rec, eval_year))
        else:
            res = _assess_any(*_series(own[~own["ntm"]]), target, d, settings)
        row.update(res)
        rows.append(row)
    return rows


def _is_ntm(recognised: float | None, year: int, criteria: float) -> bool:
    """Return whether a commune is NTM in *year*: recognised by then, or ≥ 19 criteria met."""
    return (recognised is not None and recognised <= year) or criteria >= 19


def _assess_floor_minimum(non: pd.DataFrame, target: dict, d: int, settings: _Settings) -> dict:
    """Assess the yearly minimum over the communes that are not NTM (the summary row)."""
    mins = non.groupby("year")["value"].min().sort_index()
    mins_status = non.groupby("year")["status"].agg(lambda s: max(s, key=STATUS_RANK.get)).to_dict()
    res = _assess_any(mins, mins_status, target, d, settings)
    year_used = res["latest_year"]
    if year_used is not None:
        at = non[non["year"] == year_used]
        ok = int((at["value"] >= target["value"]).sum())
        meet = (
            f"{ok} of {len(at)} non-NTM communes meet the floor in {year_used} "
            "(latest_value = their minimum)"
        )
        res["note"] = "; ".join(filter(None, [res["note"], meet]))
    return res


def _assess_ntm_commune(own, target: dict, d: int, settings: _Settings, when: tuple) -> dict:
    """Assess an NTM commune: the floor does not bind it (achieved, or met by the deadline)."""
    recognised, eval_year = when
    deadline = int(target["deadline"])
    res = _assess_any(*_series(own), target, d, settings)
    if settings.as_of is None or settings.as_of < deadline:
        res["status"] = "achieved"
    elif eval_year <= deadline or (recognised is not None and recognised <= deadline):
        res["status"] = "met"
    else:
        res["status"] = "insufficient_data"
    res["progress"] = "NTM"
    since = f" (recognised {int(recognised)})" if recognised is not None else ""
    res["note"] = f"NTM commune{since}: the floor does not bind it"
    return res
