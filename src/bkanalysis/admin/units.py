"""The source tables of Bắc Kạn's administrative units, read and checked.

The gazetteer (:mod:`bkanalysis.admin.gazetteer`) and the crosswalks
(:mod:`bkanalysis.admin.crosswalk`) are both built from these tables, so they live
below both:

- ``data/admin_districts.csv`` and ``data/admin_units_2019.csv``: the package's own
  districts and 2019 communes;
- ``data/admin_changes_2020.csv``: the 2019 → 2020 changes (Resolution 855/NQ-UBTVQH14);
- the ``vietnamadminunits`` data files: the 2020–2025 communes and the 2025 converter.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import read_package_csv
from ..errors import CatalogError
from ..schema import PROVINCE_CODE

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["changes_2020", "commune_codes", "conversion_2025", "query"]

_PROVINCE_KEY = "tinhbackan"
_CHANGES = {"unchanged", "merged_into", "absorbed", "absorbed_renamed", "split_part"}


@lru_cache(maxsize=1)
def _districts() -> pd.DataFrame:

    df = read_package_csv("admin_districts.csv")
    bad = df[~df["unit_type"].isin(["huyện", "thành phố", "thị xã"])]
    if not bad.empty:
        raise CatalogError(f"admin_districts.csv: bad unit_type {bad['unit_type'].iloc[0]!r}")
    return df


@lru_cache(maxsize=1)
def _units_2019() -> pd.DataFrame:

    df = read_package_csv("admin_units_2019.csv")
    districts = set(_districts()["area_code"])
    for row in df.itertuples(index=False):
        where = f"admin_units_2019.csv: unit {row.area_code!r}"
        if len(row.area_code) != 5 or not row.area_code.isdigit():
            raise CatalogError(f"{where}: code is not 5 digits")
        if row.unit_type not in ("xã", "phường", "thị trấn"):
            raise CatalogError(f"{where}: bad unit_type {row.unit_type!r}")
        if row.district_code not in districts:
            raise CatalogError(f"{where}: unknown district {row.district_code!r}")
    if df["area_code"].duplicated().any():
        raise CatalogError("admin_units_2019.csv: duplicate area_code")
    return df


def _vau_data_path(name: str) -> Path:
    # NOTE: located without importing vietnamadminunits, whose __init__ loads its address
    # parser (about 2 s); we only read its data files.
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise CatalogError("the package vietnamadminunits is not installed (pip install it)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    if not path.is_file():
        raise CatalogError(f"vietnamadminunits lacks its data file {name}")
    return path


def query(sql: str) -> list[dict]:
    """Run *sql* on the vietnamadminunits SQLite dataset (read-only)."""
    uri = _vau_data_path("dataset.db").as_uri() + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql).fetchall()]


@lru_cache(maxsize=1)
def _legacy_units() -> pd.DataFrame:
    """2020–2025 communes of province 06 from vietnamadminunits."""
    import pandas as pd

    rows = query(
        "SELECT ward, wardShort, wardType, districtCode, wardCode, provinceKey, districtKey, "
        f"wardKey FROM admin_units_legacy WHERE provinceCode = '{PROVINCE_CODE}'"
    )
    df = pd.DataFrame(rows)
    if len(df) != 108:  # NOTE: Resolution 855/NQ-UBTVQH14 left 108 communes
        raise CatalogError(f"vietnamadminunits: expected 108 communes of Bắc Kạn, got {len(df)}")
    return df


def conversion_2025() -> pd.DataFrame:
    """Return the pairs (code_2020, code_2025) of the vietnamadminunits 2025 converter.

    Every 2020–2025 unit of Bắc Kạn went whole into one 2025 unit (the converter lists
    no divided ward for Bắc Kạn; this is checked).
    """
    return _conversion_2025()[0].copy()


@lru_cache(maxsize=1)
def _conversion_2025() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (pairs, the 2025 units of the former Bắc Kạn from vietnamadminunits)."""
    import pandas as pd

    with _vau_data_path("converter_2025.json").open("r", encoding="utf-8") as fh:
        conv = json.load(fh)
    legacy = _legacy_units()
    key_to_code = dict(
        zip(
            legacy["provinceKey"] + "_" + legacy["districtKey"] + "_" + legacy["wardKey"],
            legacy["wardCode"],
            strict=True,
        )
    )
    new_province = next(
        (k for k, v in conv["DICT_PROVINCE"].items() if _PROVINCE_KEY in v),
        None,
    )
    if new_province is None:
        raise CatalogError("vietnamadminunits: no 2025 province contains Bắc Kạn")
    divided = [
        k
        for k in conv["DICT_PROVINCE_WARD_DIVIDED"].get(new_province, {})
        if k.startswith(_PROVINCE_KEY)
    ]
    if divided:
        raise CatalogError(f"vietnamadminunits: divided Bắc Kạn wards not handled: {divided}")
    new_units = pd.DataFrame(
        query(
            "SELECT ward, wardShort, wardType, wardCode, wardKey, wardAreaKm2, provinceKey "
            "FROM admin_units"
        )
    )
    new_units = new_units[new_units["provinceKey"] == new_province]
    new_code = dict(zip(new_units["wardKey"], new_units["wardCode"], strict=True))
    pairs = [
        (key_to_code[old], new_code[new_key])
        for new_key, olds in conv["DICT_PROVINCE_WARD_NO_DIVIDED"][new_province].items()
        for old in olds
        if old.startswith(_PROVINCE_KEY + "_")
    ]
    out = pd.DataFrame(pairs, columns=["code_2020", "code_2025"]).sort_values("code_2020")
    if out["code_2020"].duplicated().any() or len(out) != 108:
        raise CatalogError("vietnamadminunits: the 2025 conversion of Bắc Kạn is not 108 → 1")
    return out.reset_index(drop=True), new_units[new_units["wardCode"].isin(out["code_2025"])]


@lru_cache(maxsize=1)
def changes_2020() -> pd.DataFrame:
    """Return the 2019→2020 fact table, validated, with an ``area_share`` column."""
    import pandas as pd

    df = read_package_csv("admin_changes_2020.csv")
    bad = df[~df["change"].isin(_CHANGES)]
    if not bad.empty:
        raise CatalogError(f"admin_changes_2020.csv: unknown change {bad['change'].iloc[0]!r}")
    km2 = pd.to_numeric(df["area_km2"].replace("", None), errors="raise")
    split = df["change"] == "split_part"
    if km2[split].isna().any():
        raise CatalogError("admin_changes_2020.csv: a split_part row has no area_km2")
    n_targets = df.groupby("code_2019")["code_2020"].transform("size")
    if ((n_targets > 1) != split).any():
        raise CatalogError("admin_changes_2020.csv: only split_part rows may share a code_2019")
    share = pd.Series(1.0, index=df.index)
    share[split] = km2[split] / km2[split].groupby(df.loc[split, "code_2019"]).transform("sum")
    return df.assign(area_km2=km2, area_share=share)


def commune_codes(vintage: str) -> pd.Series:
    """Return the codes of the communes of *vintage* (``'2019'``, ``'2020'`` or ``'2025'``).

    The same codes, in the same order, as the commune rows of the gazetteer.
    """
    if vintage == "2019":
        return _units_2019()["area_code"]
    if vintage == "2020":
        return _legacy_units()["wardCode"]
    if vintage == "2025":
        return _conversion_2025()[1].sort_values("wardCode")["wardCode"]
    raise ValueError(f"unknown vintage {vintage!r}")
