"""The targets registry of Decision 1635/QĐ-UBND, kept as package data (``data/targets.csv``).

One row per quantitative target of the plan, and one row per part of a composite target
(a part names its parent in ``parent_id``): the 6% reduction below business-as-usual is
split into 3% voluntary + 2% with national support + 1% with international support, 90% of
industrial solid waste collected has a part "of which 75% recycled", and so on.

Columns (see :data:`TARGET_COLUMNS`):

``target_id``
    Unique id. Top-level ids follow the working identifiers of the plan's English list
    (``plan/decision_1635_targets_en.md``), with the deadline year appended where the id
    has two deadlines (``ntm_communes_2020`` / ``ntm_communes_2030``). There is exactly
    one top-level row per row of that list.
``parent_id``
    Empty for a top-level target; the parent's ``target_id`` for a part. Parts are the
    sub-clauses of a plan row: the tiers of an emission target, "of which 75% recycled",
    the per-commune floor, a second deadline of the same clause (forest cover kept to
    2030, clean water 100% by 2030).
``plan_ref``
    The identifier of the plan list's row the target comes from (parts share their
    parent's).
``indicator_id``
    An id of the indicator catalog (``indicators.csv``); its ``direction`` drives progress.
``area_scope``
    ``province`` (one value for the province) or ``commune_floor`` (every commune that
    fulfils ``condition`` must satisfy the comparator on its own).
``condition``
    For a per-commune floor, which communes it binds (``non-NTM communes``).
``comparator``
    ``>=``, ``>`` (strict: the plan's "trên", *more than*), ``=``, ``<=``, ``<``,
    ``range`` (reach at least the range: the plan's "đạt 3 – 4 %" is achieved from
    ``low`` on, a value above ``high`` is achieved too, with a note) or ``maintain`` (every yearly value from
    ``baseline_year`` to ``deadline`` stays at or beyond ``value`` in the indicator's
    direction).
``value``, ``low``, ``high``
    The figure, or the bounds of a range (floats; NaN when not used).
``baseline_year``
    For ``maintain`` targets, the year from which the level must be kept; otherwise empty
    (progress then uses the default baseline, see :func:`bkanalysis.progress.assess`).
``deadline``
    The year by which the target is due (int).
``section``, ``theme``
    The plan section (``A. Giảm phát thải KNK`` …) and the catalog theme.
``clause_vi``, ``clause_en``
    The exact Vietnamese clause of the plan (authoritative) and an English rendering.
``note``
    How an ambiguous clause was read (the base of "3–4%", strict "more than", …).
"""

from __future__ import annotations

import math
import numbers
import textwrap
from functools import lru_cache

import pandas as pd

from .catalog import indicator, indicator_label, load_indicators, read_package_csv
from .errors import CatalogError

__all__ = [
    "AREA_SCOPES",
    "COMPARATORS",
    "TARGET_COLUMNS",
    "Target",
    "describe_target",
    "load_targets",
    "target_readings",
    "targets_frame",
]

#: Columns of the registry, in order.
TARGET_COLUMNS: tuple[str, ...] = (
    "target_id",
    "parent_id",
    "plan_ref",
    "indicator_id",
    "area_scope",
    "condition",
    "comparator",
    "value",
    "low",
    "high",
    "baseline_year",
    "deadline",
    "section",
    "theme",
    "clause_vi",
    "clause_en",
    "note",
)
COMPARATORS: tuple[str, ...] = (">=", ">", "=", "<=", "<", "range", "maintain")
AREA_SCOPES: tuple[str, ...] = ("province", "commune_floor")
_THEMES = {"emissions", "waste", "rural_development", "forest_water"}
_INCREASING = {">=", ">"}
_DECREASING = {"<=", "<"}


def _number(text: str, where: str, column: str) -> float:
    if text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise CatalogError(f"{where}: column {column!r} is not a number: {text!r}") from None


def _year(text: str, where: str, column: str, *, required: bool) -> int | None:
    if text == "":
        if required:
            raise CatalogError(f"{where}: column {column!r} is empty")
        return None
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise CatalogError(f"{where}: column {column!r} is not a year: {text!r}")
    return int(text)


@lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    """Read and check ``targets.csv`` (a CatalogError names the target and the problem)."""
    raw = read_package_csv("targets.csv")
    missing = [c for c in TARGET_COLUMNS if c not in raw.columns]
    if missing:
        raise CatalogError(f"targets.csv: missing column(s) {', '.join(missing)}")
    dup = raw["target_id"][raw["target_id"].duplicated()]
    if not dup.empty:
        raise CatalogError(f"targets.csv: duplicate target_id {dup.iloc[0]!r}")
    ids = set(raw["target_id"])
    records = [_checked_target(row, ids) for row in raw.to_dict("records")]
    df = pd.DataFrame.from_records(records, columns=list(TARGET_COLUMNS))
    df["deadline"] = df["deadline"].astype("int64")
    df["baseline_year"] = df["baseline_year"].astype("Int64")
    for col in ("value", "low", "high"):
        df[col] = df[col].astype("float64")
    return df


def _checked_target(row: dict, ids: set) -> dict:
    """Check one row of ``targets.csv``; return it with its figures and years parsed."""
    where = f"targets.csv: target {row['target_id']!r}"
    _check_identity(row, ids, where)
    ind = _check_scope(row, where)
    comp = row["comparator"]
    if comp not in COMPARATORS:
        raise CatalogError(f"{where}: comparator {comp!r} not one of {COMPARATORS}")
    value = _number(row["value"], where, "value")
    low = _number(row["low"], where, "low")
    high = _number(row["high"], where, "high")
    if comp == "range":
        if math.isnan(low) or math.isnan(high) or low > high:
            raise CatalogError(f"{where}: a range needs low <= high, got {low}, {high}")
    elif math.isnan(value):
        raise CatalogError(f"{where}: comparator {comp!r} needs a value")
    direction = ind["direction"]
    if (comp in _INCREASING and direction != "increase") or (
        comp in _DECREASING and direction != "decrease"
    ):
        raise CatalogError(
            f"{where}: comparator {comp!r} contradicts the direction {direction!r} "
            f"of indicator {row['indicator_id']!r}"
        )
    deadline = _year(row["deadline"], where, "deadline", required=True)
    baseline = _year(row["baseline_year"], where, "baseline_year", required=comp == "maintain")
    if baseline is not None and baseline > deadline:
        raise CatalogError(f"{where}: baseline_year {baseline} after deadline {deadline}")
    if not row["clause_vi"] or not row["clause_en"]:
        raise CatalogError(f"{where}: clause_vi and clause_en are required")
    figures = {"value": value, "low": low, "high": high}
    return {**row, **figures, "deadline": deadline, "baseline_year": baseline}


def _check_identity(row: dict, ids: set, where: str) -> None:
    """Check the target's id, its parent and its reference in the plan."""
    if not row["target_id"]:
        raise CatalogError("targets.csv: empty target_id")
    if row["parent_id"] and row["parent_id"] not in ids:
        raise CatalogError(f"{where}: parent_id {row['parent_id']!r} is not a target_id")
    if row["parent_id"] == row["target_id"]:
        raise CatalogError(f"{where}: a target cannot be its own parent")
    if not row["plan_ref"]:
        raise CatalogError(f"{where}: empty plan_ref")


def _check_scope(row: dict, where: str) -> dict:
    """Check the indicator, theme and area scope; return the indicator's catalog row."""
    try:
        ind = indicator(row["indicator_id"])
    except CatalogError:
        raise CatalogError(
            f"{where}: indicator_id {row['indicator_id']!r} is not in indicators.csv"
        ) from None
    if row["theme"] not in _THEMES:
        raise CatalogError(f"{where}: unknown theme {row['theme']!r}")
    if row["area_scope"] not in AREA_SCOPES:
        raise CatalogError(f"{where}: area_scope {row['area_scope']!r} not in {AREA_SCOPES}")
    if row["area_scope"] == "commune_floor" and not row["condition"]:
        raise CatalogError(f"{where}: a commune_floor target needs a condition")
    return ind


def load_targets() -> pd.DataFrame:
    """Return the targets registry, validated, one row per target or composite part.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TARGET_COLUMNS`; ``value``/``low``/``high`` float (NaN when not
        used), ``deadline`` int, ``baseline_year`` nullable Int64. A copy: safe to modify.

    Raises
    ------
    CatalogError
        If ``targets.csv`` is malformed: duplicate id, unknown indicator, unknown parent,
        a comparator that contradicts the indicator's direction, a range with low > high…

    Examples
    --------
    >>> t = load_targets()
    >>> row = t.set_index("target_id").loc["ghg_reduction_2030"]
    >>> row["comparator"], float(row["value"]), int(row["deadline"])
    ('>=', 14.0, 2030)
    >>> sorted(t.loc[t["parent_id"] == "ghg_reduction_2020", "value"].tolist())
    [1.0, 2.0, 3.0]
    """
    return _load().copy()


@lru_cache(maxsize=1)
def _catalog_rows() -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in load_indicators().to_dict("records")}


def _fmt(x: float) -> str:
    return f"{x:g}"


def describe_target(row, lang: str = "vi") -> str:
    """Return the target's condition as short text, e.g. ``'≥ 72 %'`` or ``'10–15 m2/person'``.

    Examples
    --------
    >>> t = load_targets().set_index("target_id", drop=False)
    >>> describe_target(t.loc["public_green_space"], "en")
    '10–15 m2/person'
    >>> describe_target(t.loc["forest_cover_2030"], "en")
    'keep ≥ 72 % from 2020'
    """
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    info = _catalog_rows().get(row["indicator_id"]) or indicator(row["indicator_id"])
    unit = info["unit"]
    comp = row["comparator"]
    if comp == "range":
        return f"{_fmt(row['low'])}–{_fmt(row['high'])} {unit}"
    symbol = {">=": "≥", ">": ">", "=": "=", "<=": "≤", "<": "<"}
    if comp == "maintain":
        sign = "≥" if info["direction"] == "increase" else "≤"
        word = "duy trì" if lang == "vi" else "keep"
        since = "từ" if lang == "vi" else "from"
        return f"{word} {sign} {_fmt(row['value'])} {unit} {since} {row['baseline_year']}"
    return f"{symbol[comp]} {_fmt(row['value'])} {unit}"


def format_targets(targets: pd.DataFrame, lang: str = "vi", *, width: int = 100) -> str:
    """Return the registry as readable text grouped by plan section (for the terminal).

    Examples
    --------
    >>> text = format_targets(load_targets(), "en")
    >>> "ghg_reduction_2020_voluntary" in text and "≥ 3 %" in text
    True
    """
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    head = {
        "vi": ("Mục tiêu của Quyết định 1635/QĐ-UBND", "hạn", "mục tiêu", "chỉ tiêu", "ghi chú"),
        "en": ("Targets of Decision 1635/QĐ-UBND", "due", "target", "indicator", "note"),
    }[lang]

    n_top = int((targets["parent_id"] == "").sum())
    lines = [f"{head[0]} ({n_top} + {len(targets) - n_top})", ""]
    for section, group in targets.groupby("section", sort=False):
        lines.append(section)
        lines.append("-" * len(section))
        for row in group.to_dict("records"):
            indent = "    " if row["parent_id"] else "  "
            scope = f" [{row['condition']}]" if row["area_scope"] == "commune_floor" else ""
            lines.append(
                f"{indent}{row['target_id']}  {head[1]} {row['deadline']}  "
                f"{head[2]}: {describe_target(row, lang)}{scope}"
            )
            sub = indent + "    "
            clause = row["clause_vi"] if lang == "vi" else row["clause_en"]
            lines.extend(textwrap.wrap(clause, width, initial_indent=sub, subsequent_indent=sub))
            lines.append(f"{sub}{head[3]}: {indicator_label(row['indicator_id'], lang)}")
            if row["note"]:
                lines.extend(
                    textwrap.wrap(
                        f"{head[4]}: {row['note']}",
                        width,
                        initial_indent=sub,
                        subsequent_indent=sub,
                    )
                )
        lines.append("")
    return "\n".join(lines)


@lru_cache(maxsize=1)
def target_readings() -> dict[str, dict[str, str]]:
    """Return how the plan's wording of some targets is read (``data/target_readings.csv``).

    ``reading`` is ``conditional`` (a part that depends on national or international
    support: never a missed obligation), ``partly_conditional`` (a total that includes
    such parts) or ``share_of_units`` (a count of units set when the province had
    ``ref_units`` units of type ``unit_type`` in vintage ``ref_vintage``, compared as a
    share of each year's own units). ``reason`` quotes the plan.

    Examples
    --------
    >>> r = target_readings()
    >>> r["ntm_communes_2030"]["reading"], r["ntm_communes_2030"]["ref_units"]
    ('share_of_units', '110')
    >>> r["ghg_reduction_2030_national"]["reading"]
    'conditional'
    """
    df = read_package_csv("target_readings.csv")
    kinds = {"conditional", "partly_conditional", "share_of_units"}
    out = {}
    for row in df.to_dict("records"):
        where = f"target_readings.csv: target {row['target_id']!r}"
        if row["reading"] not in kinds:
            raise CatalogError(f"{where}: unknown reading {row['reading']!r}")
        if row["reading"] == "share_of_units":
            for col in ("ref_count", "ref_units"):
                _number(row[col], where, col)
            if not row["unit_type"] or not row["ref_vintage"]:
                raise CatalogError(f"{where}: share_of_units needs unit_type and ref_vintage")
        if not row["reason"]:
            raise CatalogError(f"{where}: a reading needs its reason")
        out[row["target_id"]] = row
    return out


def _target_direction(indicator_id: str, comparator: str, direction) -> str:
    """Return an ad-hoc target's direction: given, else the catalog's, else the comparator's."""
    # NOTE: sdg-build's vocabulary (positive/negative) and +1/-1 are accepted too.
    aliases = {"positive": "increase", "negative": "decrease", 1: "increase", -1: "decrease"}
    if not isinstance(direction, bool) and direction in aliases:
        direction = aliases[direction]
    if direction not in {None, "increase", "decrease"}:
        raise ValueError(f"direction must be 'increase' or 'decrease', got {direction!r}")
    try:
        catalog_direction = indicator(indicator_id)["direction"]
    except CatalogError:
        catalog_direction = ""
    implied = (
        "increase" if comparator in _INCREASING else "decrease" if comparator in _DECREASING else ""
    )
    chosen = direction or catalog_direction or implied
    if chosen not in {"increase", "decrease"}:
        raise ValueError(
            f"no direction for {indicator_id!r}: give direction='increase' or 'decrease'"
        )
    if implied and implied != chosen:
        raise ValueError(
            f"comparator {comparator!r} contradicts the direction {chosen!r} of {indicator_id!r}"
        )
    return chosen


def _as_year(x, name: str, *, required: bool) -> int | None:
    """Return an int year from an int or a numpy integer (never a bool or a float)."""
    if x is None:
        if required:
            raise ValueError(f"{name} is required (a year)")
        return None
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be a year (int), got {x!r}")
    year = int(x)
    if not 1900 <= year <= 2200:
        raise ValueError(f"{name} must be a year between 1900 and 2200, got {year}")
    return year


def _as_float(x, name: str) -> float:
    if x is None:
        return math.nan
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{name} must be a number, got {x!r}")
    return float(x)


class Target:
    """An ad-hoc target, for researchers: validated on creation, accepted by ``assess``.

    Parameters
    ----------
    indicator_id : str
        An indicator of the catalog, or any id of the observations when *direction* is
        given.
    comparator : str
        One of :data:`COMPARATORS` (``range`` needs *low* and *high*).
    value : float, optional
        The figure. None (with ``>=``/``>``/``<=``/``<`` giving the direction) means "no
        target value": only ``method='opensdg'`` can assess it (observed growth against
        the published 1.5 % / 0.5 % thresholds).
    year : int
        The deadline (target year); numpy integers are accepted.
    low, high : float, optional
        Bounds of a range.
    baseline_year : int, optional
        Base year (required for ``maintain``).
    target_id : str, optional
        Default ``"<indicator_id>_<year>"``.
    direction : {'increase', 'decrease'}, optional
        Desirable direction (``'positive'``/``'negative'`` or +1/−1 accepted); default:
        the catalog's, else the comparator's.
    limit : float, optional
        A natural limit (e.g. 100 %) for Open SDG's method without a target value.

    Examples
    --------
    >>> t = Target(indicator_id="forest_cover_pct", comparator=">=", value=75, year=2030)
    >>> t.target_id, t.direction, t.as_record()["deadline"]
    ('forest_cover_pct_2030', 'increase', 2030)
    >>> Target(indicator_id="forest_cover_pct", comparator="<=", value=75, year=2030)
    Traceback (most recent call last):
    ...
    ValueError: comparator '<=' contradicts the direction 'increase' of 'forest_cover_pct'
    """

    __slots__ = (
        "baseline_year",
        "comparator",
        "direction",
        "high",
        "indicator_id",
        "limit",
        "low",
        "target_id",
        "value",
        "year",
    )

    def __init__(  # noqa: PLR0913 (the public constructor: each field by keyword)
        self,
        indicator_id: str,
        comparator: str,
        value: float | None = None,
        year: int | None = None,
        *,
        low: float | None = None,
        high: float | None = None,
        baseline_year: int | None = None,
        target_id: str | None = None,
        direction: str | None = None,
        limit: float | None = None,
    ):
        if not isinstance(indicator_id, str) or not indicator_id.strip():
            raise ValueError(f"indicator_id must be a non-empty string, got {indicator_id!r}")
        if comparator not in COMPARATORS:
            raise ValueError(f"comparator must be one of {COMPARATORS}, got {comparator!r}")
        self.indicator_id = indicator_id.strip()
        self.comparator = comparator
        self.value = _as_float(value, "value")
        self.low = _as_float(low, "low")
        self.high = _as_float(high, "high")
        self.limit = _as_float(limit, "limit")
        self.year = _as_year(year, "year", required=True)
        self.baseline_year = _as_year(
            baseline_year, "baseline_year", required=comparator == "maintain"
        )
        if self.baseline_year is not None and self.baseline_year > self.year:
            raise ValueError(f"baseline_year {self.baseline_year} is after year {self.year}")
        if comparator == "range":
            if math.isnan(self.low) or math.isnan(self.high) or self.low > self.high:
                raise ValueError(f"a range needs low <= high, got {low!r}, {high!r}")
        elif comparator in {"=", "maintain"} and math.isnan(self.value):
            raise ValueError(f"comparator {comparator!r} needs a value")
        self.direction = _target_direction(self.indicator_id, comparator, direction)
        self.target_id = target_id or f"{self.indicator_id}_{self.year}"

    def __repr__(self) -> str:
        return (
            f"Target(indicator_id={self.indicator_id!r}, comparator={self.comparator!r}, "
            f"value={self.value!r}, year={self.year!r})"
        )

    def as_record(self) -> dict:
        """Return the target as a registry row (:data:`TARGET_COLUMNS` + direction, limit)."""
        return {
            "target_id": self.target_id,
            "parent_id": "",
            "plan_ref": self.target_id,
            "indicator_id": self.indicator_id,
            "area_scope": "province",
            "condition": "",
            "comparator": self.comparator,
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "baseline_year": self.baseline_year,
            "deadline": self.year,
            "section": "",
            "theme": "",
            "clause_vi": "",
            "clause_en": "",
            "note": "ad-hoc target",
            "direction": self.direction,
            "limit": self.limit,
        }


def targets_frame(targets) -> pd.DataFrame:
    """Return *targets* (a registry frame, or a list of :class:`Target`/registry rows).

    Examples
    --------
    >>> f = targets_frame([Target("forest_cover_pct", ">=", 75, 2030)])
    >>> list(f["target_id"]), int(f["deadline"].iloc[0])
    (['forest_cover_pct_2030'], 2030)
    """
    if isinstance(targets, pd.DataFrame):
        return targets
    if isinstance(targets, Target):
        targets = [targets]
    rows = []
    for t in targets:
        if isinstance(t, Target):
            rows.append(t.as_record())
        elif isinstance(t, dict):
            rows.append(dict(t))
        else:
            raise TypeError(f"a target must be a Target or a dict, got {type(t).__name__}")
    df = pd.DataFrame(rows)
    ids = df["target_id"] if "target_id" in df.columns else pd.Series(dtype=str)
    if ids.duplicated().any():
        raise ValueError(f"duplicate target_id {ids[ids.duplicated()].iloc[0]!r}")
    if "deadline" in df.columns:
        df["deadline"] = df["deadline"].astype("int64")
    if "baseline_year" in df.columns:
        df["baseline_year"] = df["baseline_year"].astype("Int64")
    return df
