"""The tidy observation table (DESIGN.md §2) and its validator.

Every part of bkanalysis exchanges observations in this one long shape; it is checked
at the boundaries (after reading, before writing) with :func:`validate_observations`.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from .catalog import load_indicators
from .errors import SchemaError

__all__ = [
    "AREA_LEVELS",
    "ASSESSMENT_STATUSES",
    "OBSERVATION_AREA_LEVELS",
    "OBSERVATION_COLUMNS",
    "OBSERVATION_STATUSES",
    "OPTIONAL_COLUMNS",
    "PROVINCE_CODE",
    "REJECT_COLUMNS",
    "VINTAGES",
    "empty_observations",
    "empty_rejects",
    "validate_observations",
    "vintage_for_year",
]

#: Column name -> dtype of the tidy observation table, in order.
OBSERVATION_COLUMNS: dict[str, str] = {
    "indicator_id": "str",
    "area_code": "str",
    "area_level": "str",
    "admin_vintage": "str",
    "area_name": "str",
    "year": "int64",
    "value": "float64",
    "unit": "str",
    "status": "str",
    "source_file": "str",
    "source_sheet": "str",
    "source_cell": "str",
    "source_label": "str",
}

#: Columns a frame may lack (made by code other than the reader, e.g. a derived or
#: harmonised series): :func:`validate_observations` adds them with this value.
OPTIONAL_COLUMNS: dict[str, str] = {"source_label": ""}

#: Columns of ``rejects.csv``.
REJECT_COLUMNS: tuple[str, ...] = (
    "source_file",
    "source_sheet",
    "source_cell",
    "raw_value",
    "reason",
)

AREA_LEVELS: tuple[str, ...] = ("province", "district", "commune")
#: Every ``area_level`` of the observation table: the study area's levels and, above them,
#: the country (code ``VN``) and the six socio-economic regions (``VN-R1`` … ``VN-R6``),
#: read from the statistics office's all-province tables (see docs/admin.md).
OBSERVATION_AREA_LEVELS: tuple[str, ...] = ("country", "region", *AREA_LEVELS)
VINTAGES: tuple[str, ...] = ("2019", "2020", "2025")
OBSERVATION_STATUSES: tuple[str, ...] = ("actual", "preliminary", "estimate", "plan")
#: Statuses of a target's progress, used by assessment, charts and reports.
ASSESSMENT_STATUSES: tuple[str, ...] = (
    "achieved",
    "on_track",
    "off_track",
    "deteriorating",
    "insufficient_data",
    "met",
    "missed",
    "conditional",
)
#: GSO code of Bắc Kạn province (before the 2025 merger into Thái Nguyên).
PROVINCE_CODE = "06"

_CODE_LENGTH = {"province": 2, "district": 3, "commune": 5}
_CODE_PATTERN = {"country": r"VN", "region": r"VN-R[1-6]"}


def _code_fits(code: str, level: str) -> bool:
    if level in _CODE_PATTERN:
        return re.fullmatch(_CODE_PATTERN[level], code) is not None
    return len(code) == _CODE_LENGTH[level] and code.isdigit()


def vintage_for_year(year: int) -> str:
    """Return the administrative vintage in force on 31 December of *year*.

    Examples
    --------
    >>> vintage_for_year(2019), vintage_for_year(2020), vintage_for_year(2024)
    ('2019', '2020', '2020')
    >>> vintage_for_year(2025)
    '2025'
    """
    year = int(year)
    if year <= 2019:
        return "2019"
    if year <= 2024:
        return "2020"
    return "2025"


def empty_observations() -> pd.DataFrame:
    """Return an empty observation table with the schema's columns and dtypes."""
    return pd.DataFrame(
        {c: pd.Series(dtype=_pandas_dtype(t)) for c, t in OBSERVATION_COLUMNS.items()}
    )


def empty_rejects() -> pd.DataFrame:
    """Return an empty rejects table."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in REJECT_COLUMNS})


def _pandas_dtype(kind: str) -> str:
    return "object" if kind == "str" else kind


def _first_bad(df: pd.DataFrame, mask) -> str:
    idx = mask[mask].index[0]
    row = df.loc[idx]
    where = ""
    if "source_file" in df.columns:
        where = f" ({row.get('source_file')}!{row.get('source_sheet')}!{row.get('source_cell')})"
    return f"row {idx}{where}"


def validate_observations(df: pd.DataFrame, *, catalog: bool = True) -> pd.DataFrame:
    """Check that *df* follows the tidy schema and return it with canonical dtypes.

    Parameters
    ----------
    df : pandas.DataFrame
        Candidate observations.
    catalog : bool, default True
        Also check that every ``indicator_id`` is in the indicator catalog and that
        ``unit`` is that indicator's canonical unit.

    Returns
    -------
    pandas.DataFrame
        A copy with the columns in schema order and canonical dtypes.

    Raises
    ------
    SchemaError
        Naming the offending column and the first offending row.

    Examples
    --------
    >>> import pandas as pd
    >>> ok = pd.DataFrame([{"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "admin_vintage": "2020", "area_name": "Bắc Kạn",
    ...     "year": 2020, "value": 73.4, "unit": "%", "status": "actual",
    ...     "source_file": "a.xlsx", "source_sheet": "S1", "source_cell": "B5"}])
    >>> validate_observations(ok).shape
    (1, 13)
    >>> validate_observations(ok.assign(area_level="village"))
    Traceback (most recent call last):
    ...
    bkanalysis.errors.SchemaError: column 'area_level': 'village' is not one of ...
    """
    if not isinstance(df, pd.DataFrame):
        raise SchemaError(f"expected a pandas DataFrame, got {type(df).__name__}")
    out = _schema_columns(df)
    # NOTE: columns repeat a few values many times: each check looks at the distinct
    # values (or pairs) and locates the offending row only when one fails.
    distinct_text: dict[str, set] = {}
    for col, kind in OBSERVATION_COLUMNS.items():
        if kind == "str":
            distinct_text[col] = _check_text(out, col)
        else:
            _check_number(out, col, kind)
    for col, allowed in (
        ("area_level", OBSERVATION_AREA_LEVELS),
        ("admin_vintage", VINTAGES),
        ("status", OBSERVATION_STATUSES),
    ):
        if not distinct_text[col] <= set(allowed):
            _raise_not_allowed(out, col, allowed)
    _check_codes(out)
    _check_vintages(out)
    if catalog:
        _check_catalog(out, distinct_text["indicator_id"])
    return out


def _schema_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of *df*'s schema columns in order (optional ones added)."""
    missing = [c for c in OBSERVATION_COLUMNS if c not in df.columns]
    if set(missing) <= set(OPTIONAL_COLUMNS) and missing:
        df = df.assign(**{c: OPTIONAL_COLUMNS[c] for c in missing})
        missing = []
    if missing:
        raise SchemaError(f"missing column(s): {', '.join(missing)}")
    return df.loc[:, list(OBSERVATION_COLUMNS)].copy()


def _check_text(out: pd.DataFrame, col: str) -> set:
    """Check a text column (no missing value, text, NFC); return its distinct values."""
    s = out[col]
    distinct = pd.unique(s.to_numpy(dtype=object))
    if pd.isna(distinct).any():
        null = s.isna()
        if null.any():
            raise SchemaError(f"column {col!r}: missing value at {_first_bad(out, null)}")
    if any(not isinstance(v, str) for v in distinct):
        not_str = ~s.map(lambda v: isinstance(v, str))
        raise SchemaError(f"column {col!r}: not text at {_first_bad(out, not_str)}")
    bad_values = {v for v in distinct if unicodedata.normalize("NFC", v) != v}
    if bad_values:
        not_nfc = s.isin(bad_values)
        raise SchemaError(f"column {col!r}: text not in NFC at {_first_bad(out, not_nfc)}")
    if s.dtype != object:
        out[col] = s.astype(object)
    return set(distinct)


def _check_number(out: pd.DataFrame, col: str, kind: str) -> None:
    """Check a numeric column (no missing value, numeric, whole for int64); cast it."""
    s = out[col]
    null = s.isna()
    if null.any():
        raise SchemaError(f"column {col!r}: missing value at {_first_bad(out, null)}")
    try:
        num = pd.to_numeric(s, errors="raise")
    except (ValueError, TypeError) as exc:
        raise SchemaError(f"column {col!r}: not numeric ({exc})") from None
    if kind == "int64":
        frac = num != num.round()
        if frac.any():
            raise SchemaError(f"column {col!r}: not a whole number at {_first_bad(out, frac)}")
    if num.dtype != kind:
        out[col] = num.astype(kind)
    elif num is not s:
        out[col] = num


def _raise_not_allowed(out: pd.DataFrame, col: str, allowed: tuple[str, ...]) -> None:
    bad = ~out[col].isin(allowed)
    value = out.loc[bad[bad].index[0], col]
    raise SchemaError(
        f"column {col!r}: {value!r} is not one of {', '.join(allowed)} at {_first_bad(out, bad)}"
    )


def _check_codes(out: pd.DataFrame) -> None:
    """Check that every area code fits its level (looked at per distinct pair)."""
    pairs = list(zip(out["area_code"].tolist(), out["area_level"].tolist(), strict=True))
    bad_pairs = {(code, level) for code, level in set(pairs) if not _code_fits(code, level)}
    if bad_pairs:
        bad = pd.Series([p in bad_pairs for p in pairs], index=out.index)
        raise SchemaError(
            "column 'area_code': code does not fit its level (2/3/5 digits for "
            f"province/district/commune, VN, VN-R1…VN-R6) at {_first_bad(out, bad)}"
        )


def _check_vintages(out: pd.DataFrame) -> None:
    """Check that each row's vintage is the one in force on 31 December of its year."""
    year_vintages = set(zip(out["year"].tolist(), out["admin_vintage"].tolist(), strict=True))
    if any(vintage_for_year(y) != v for y, v in year_vintages):
        expected = out["year"].map({y: vintage_for_year(y) for y in out["year"].unique()})
        bad = out["admin_vintage"] != expected
        raise SchemaError(
            "column 'admin_vintage': not the vintage in force on 31 December of the year "
            f"at {_first_bad(out, bad)}"
        )


def _check_catalog(out: pd.DataFrame, indicators: set) -> None:
    """Check that every indicator is in the catalog, in its canonical unit."""
    cat = load_indicators()
    units = dict(zip(cat["id"].tolist(), cat["unit"].tolist(), strict=True))
    if not indicators <= units.keys():
        unknown = ~out["indicator_id"].isin(list(units))
        value = out.loc[unknown[unknown].index[0], "indicator_id"]
        raise SchemaError(
            f"column 'indicator_id': unknown id {value!r} at {_first_bad(out, unknown)}"
        )
    pairs = set(zip(out["indicator_id"].tolist(), out["unit"].tolist(), strict=True))
    if any(unit != units[ind] for ind, unit in pairs):
        bad = out["unit"] != out["indicator_id"].map(units)
        raise SchemaError(
            f"column 'unit': not the indicator's canonical unit at {_first_bad(out, bad)}"
        )


def check_vintage(vintage) -> str:
    """Return *vintage* as one of ``VINTAGES`` or raise ValueError naming it.

    Examples
    --------
    >>> check_vintage(2020)
    '2020'
    """
    v = str(vintage)
    if v not in VINTAGES:
        raise ValueError(f"unknown vintage {vintage!r}; expected one of {', '.join(VINTAGES)}")
    return v
