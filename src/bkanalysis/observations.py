"""The tidy observations table: loading, checking, and the preferred value per year.

Every module that reads the table built by :func:`bkanalysis.build` goes through here:

* :func:`load_observations` reads ``observations.parquet`` (checked against the whole
  schema) and keeps the study area;
* :func:`check_observations` is the one checker of a table: by default of a table handed
  in by a caller (the assessment, the emissions accounts, harmonise and aggregate, the
  plots): the columns an analysis needs, known statuses and vintages, numeric years and
  values, optional columns filled; with ``strict=True`` of the whole schema (the build);
* :data:`STATUS_RANK` is the one precedence of statuses (``actual`` over
  ``preliminary`` over ``estimate`` over ``plan``) and :func:`preferred_values`
  keeps one value per indicator, area and year by it.

Examples
--------
>>> STATUS_RANK["actual"] < STATUS_RANK["estimate"]
True
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .commit import finish_commit
from .config import get_paths
from .errors import BkError
from .schema import (
    OBSERVATION_COLUMNS,
    OBSERVATION_STATUSES,
    VINTAGES,
    validate_observations,
    vintage_for_year,
)
from .study_area import select_study_area

__all__ = [
    "REQUIRED_COLUMNS",
    "STATUS_RANK",
    "check_observations",
    "load_observations",
    "preferred_values",
    "records_frame",
]

#: Precedence of a value's status when several describe the same indicator, area and
#: year: the lower, the better (a published actual beats a preliminary figure, which
#: beats an estimate; a plan figure is a target, used only when asked for).
STATUS_RANK: dict[str, int] = {"actual": 0, "preliminary": 1, "estimate": 2, "plan": 3}

#: The columns an analysis of the table cannot do without.
REQUIRED_COLUMNS = ("indicator_id", "area_code", "area_level", "year", "value", "status")


def load_observations(
    processed: str | os.PathLike | None = None, *, study_area: bool = True, include=None
) -> pd.DataFrame:
    """Read the built ``observations.parquet`` (validated).

    Parameters
    ----------
    processed : path-like, optional
        The processed folder (default: the configured one).
    study_area : bool, default True
        Keep only the study area (``06`` and its units); False keeps every area (the
        country, regions and other provinces read from all-province tables).
    include : str or list of str, optional
        Other area codes kept beside the study area for a comparison (``["VN", "VN-R2"]``).

    Returns
    -------
    pandas.DataFrame
        The observations table.

    Raises
    ------
    BkError
        If it does not exist yet (run ``bkanalysis build``).
    """
    folder = Path(processed) if processed is not None else get_paths().processed
    finish_commit(folder)  # a build killed while replacing its outputs: complete it
    path = folder / "observations.parquet"
    if not path.is_file():
        raise BkError(f"{path} not found: run `bkanalysis build` first")
    obs = check_observations(pd.read_parquet(path), strict=True)
    if not study_area:
        return obs
    return select_study_area(obs, include=include).reset_index(drop=True)


def check_observations(
    observations: pd.DataFrame, *, strict: bool = False, catalog: bool = True
) -> pd.DataFrame:
    """Check an observations table and return a normalised copy: the one checker.

    Two depths. The default checks a table handed in by a caller (the assessment, the
    emissions accounts, harmonise and aggregate, the plots): the columns an analysis needs,
    known statuses and vintages, numeric years and values. *strict* checks a table against
    the whole schema (DESIGN §2), as the build does before writing it and
    :func:`load_observations` after reading it: every column, text in NFC, codes that fit
    their level, the vintage in force in the year, and (with *catalog*) known indicators
    in their canonical unit -- the rules of :func:`bkanalysis.schema.validate_observations`.

    Parameters
    ----------
    observations : pandas.DataFrame
        At least :data:`REQUIRED_COLUMNS` (*strict*: every schema column but the optional).
    strict : bool, default False
        Check the whole schema.
    catalog : bool, default True
        With *strict*: also check the indicators and their units against the catalog.

    Returns
    -------
    pandas.DataFrame
        A copy with ``year`` as int64 and ``value`` as float64. By default
        ``admin_vintage`` is derived from the year when absent, the other schema columns
        are filled with ``""`` and rows without a value are dropped; *strict* returns the
        schema's columns in order.

    Raises
    ------
    TypeError
        If *observations* is not a DataFrame (default).
    ValueError
        If a required column is missing, a status or vintage is unknown, or a year or
        value is not numeric (default).
    bkanalysis.errors.SchemaError
        With *strict*, naming the offending column and the first offending row.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "x", "area_code": "06", "area_level": "province",
    ...     "year": ["2020"], "value": [1], "status": "actual"})
    >>> checked = check_observations(obs)
    >>> checked["year"].dtype.name, checked["admin_vintage"].iloc[0]
    ('int64', '2020')
    >>> check_observations(obs, strict=True)
    Traceback (most recent call last):
    ...
    bkanalysis.errors.SchemaError: missing column(s): admin_vintage, area_name, unit, ...
    """
    if strict:
        return validate_observations(observations, catalog=catalog)
    if not isinstance(observations, pd.DataFrame):
        raise TypeError(f"observations must be a DataFrame, got {type(observations).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in observations.columns]
    if missing:
        raise ValueError(f"observations lack column(s): {', '.join(missing)}")
    df = observations.copy()
    _check_known(df, "status", OBSERVATION_STATUSES)
    df["year"] = pd.to_numeric(df["year"], errors="raise").astype("int64")
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype("float64")
    if "admin_vintage" not in df.columns:
        df["admin_vintage"] = df["year"].map(vintage_for_year)
    for col in ("area_code", "area_level", "admin_vintage"):
        df[col] = df[col].astype(str)
    _check_known(df, "admin_vintage", VINTAGES)
    for col in OBSERVATION_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    return df.dropna(subset=["value"])


def _check_known(df: pd.DataFrame, column: str, allowed: tuple[str, ...]) -> None:
    """Raise ValueError naming the first value of *column* that is not one of *allowed*."""
    bad = ~df[column].isin(allowed)
    if bad.any():
        raise ValueError(
            f"observations: {column} {df.loc[bad, column].iloc[0]!r} is not one of "
            f"{', '.join(allowed)}"
        )


def preferred_values(observations: pd.DataFrame, *, include_plan: bool = False) -> pd.DataFrame:
    """Keep one value per indicator, area and year: actual > preliminary > estimate (> plan).

    ``plan`` rows are dropped unless *include_plan*. Province rows (``area_level ==
    'province'``) of every administrative vintage pool into one series (the province code
    did not change); district and commune rows are keyed by (admin_vintage, area_code),
    because codes are reused across vintages. The column ``area_key`` holds that key. When
    two rows of the same best status disagree, the first by (source_file, source_sheet,
    source_cell) is kept and ``conflict`` is True.

    Parameters
    ----------
    observations : pandas.DataFrame
        Checked with :func:`check_observations`.
    include_plan : bool, default False
        Keep ``plan`` rows (ranked last).

    Returns
    -------
    pandas.DataFrame
        One row per indicator, area and year, with ``area_key`` and ``conflict``.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "year": [2020, 2020, 2020],
    ...     "value": [70.0, 71.0, 75.0], "status": ["estimate", "actual", "plan"]})
    >>> preferred_values(obs)[["year", "value", "status"]].values.tolist()
    [[2020, 71.0, 'actual']]
    """
    df = check_observations(observations)
    if not include_plan:
        df = df[df["status"] != "plan"]
    df = df.assign(
        _rank=df["status"].map(STATUS_RANK),
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


def records_frame(records: list, dtypes: dict[str, str]) -> pd.DataFrame:
    """Build a frame with the given dtypes (text as object), without inference.

    *records* are dicts keyed by column, or tuples (e.g. the reader's ``Observation``
    records) in the order of *dtypes*. This is how the reader and the build turn their
    records into the tidy tables.

    Examples
    --------
    >>> f = records_frame([("a", 2020), ("b", 2021)], {"indicator_id": "str", "year": "int64"})
    >>> f.dtypes.astype(str).tolist(), f["year"].tolist()
    (['object', 'int64'], [2020, 2021])
    """
    if records and isinstance(records[0], dict):
        columns = [[rec[c] for rec in records] for c in dtypes]
    elif records:
        columns = list(zip(*records, strict=True))
    else:
        columns = [[] for _ in dtypes]
    cols = {}
    for (c, t), values in zip(dtypes.items(), columns, strict=True):
        if t == "str":
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
            cols[c] = pd.Series(arr, dtype=object)
        else:
            cols[c] = pd.Series(np.asarray(values, dtype=t), dtype=t)
    return pd.DataFrame(cols, columns=list(dtypes))
