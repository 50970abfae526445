"""The administrative units of Bắc Kạn in each vintage (DESIGN.md §2, §5).

Sources
-------
- 2019 (122 communes, in force until 2020-01-31): the package's own fact table
  ``data/admin_units_2019.csv`` (GSO code list of 2020-01-01; areas computed in EPSG:6933
  from the generalised c.2009 polygons of choisy/vietnam63, used only as weights).
- 2020 (108 communes, 2020-02-01 to 2025-06-30): the ``vietnamadminunits`` package
  (table ``admin_units_legacy``, province code 06); districts from
  ``data/admin_districts.csv``.
- 2025 (37 communes and wards of the former Bắc Kạn inside Tỉnh Thái Nguyên, from
  2025-07-01): ``vietnamadminunits`` (``admin_units`` and its 2025 converter, which
  also tells which 2020 units each new unit is made of).

In every vintage the province row ``06`` stands for the (former) Bắc Kạn province, the
study area, even though from 2025 it is not an administrative unit any more.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CatalogError
from ..schema import PROVINCE_CODE, VINTAGES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GAZETTEER_COLUMNS", "VINTAGE_DATES", "gazetteer"]

#: (valid_from, valid_to) of each vintage; None = open.
VINTAGE_DATES: dict[str, tuple[str | None, str | None]] = {
    "2019": (None, "2020-01-31"),
    "2020": ("2020-02-01", "2025-06-30"),
    "2025": ("2025-07-01", None),
}

GAZETTEER_COLUMNS = (
    "area_code",
    "area_level",
    "area_name",
    "short_name",
    "unit_type",
    "district_code",
    "district_name",
    "former_district_codes",
    "area_km2",
    "valid_from",
    "valid_to",
    "vintage",
)

_PREFIX = {
    "tỉnh": "Tỉnh",
    "thành phố": "Thành phố",
    "thị xã": "Thị xã",
    "huyện": "Huyện",
    "thị trấn": "Thị trấn",
    "phường": "Phường",
    "xã": "Xã",
}
_PROVINCE_SHORT = "Bắc Kạn"
_PROVINCE_KEY = "tinhbackan"


def check_vintage(vintage) -> str:
    """Return *vintage* as one of ``VINTAGES`` or raise ValueError naming it."""
    v = str(vintage)
    if v not in VINTAGES:
        raise ValueError(f"unknown vintage {vintage!r}; expected one of {', '.join(VINTAGES)}")
    return v


def _full(unit_type: str, short: str) -> str:
    return f"{_PREFIX[unit_type]} {short}"


@lru_cache(maxsize=1)
def _districts() -> pd.DataFrame:
    from ..catalog import read_package_csv

    df = read_package_csv("admin_districts.csv")
    bad = df[~df["unit_type"].isin(["huyện", "thành phố", "thị xã"])]
    if not bad.empty:
        raise CatalogError(f"admin_districts.csv: bad unit_type {bad['unit_type'].iloc[0]!r}")
    return df


@lru_cache(maxsize=1)
def _units_2019() -> pd.DataFrame:
    from ..catalog import read_package_csv

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


def _province_row(vintage: str, area_km2: float) -> dict:
    return {
        "area_code": PROVINCE_CODE,
        "area_level": "province",
        "area_name": _full("tỉnh", _PROVINCE_SHORT),
        "short_name": _PROVINCE_SHORT,
        "unit_type": "tỉnh",
        "district_code": None,
        "district_name": None,
        "former_district_codes": None,
        "area_km2": area_km2,
    }


def _district_rows(communes: pd.DataFrame) -> list[dict]:
    areas = communes.groupby("district_code")["area_km2"].sum()
    return [
        {
            "area_code": d.area_code,
            "area_level": "district",
            "area_name": _full(d.unit_type, d.short_name),
            "short_name": d.short_name,
            "unit_type": d.unit_type,
            "district_code": None,
            "district_name": None,
            "former_district_codes": None,
            "area_km2": float(areas.get(d.area_code, float("nan"))),
        }
        for d in _districts().itertuples(index=False)
    ]


def _district_names() -> dict[str, str]:
    return {d.area_code: _full(d.unit_type, d.short_name) for d in _districts().itertuples()}


def _communes_2019() -> pd.DataFrame:
    import pandas as pd

    u = _units_2019()
    names = _district_names()
    return pd.DataFrame(
        {
            "area_code": u["area_code"],
            "area_level": "commune",
            "area_name": [
                _full(t, s) for t, s in zip(u["unit_type"], u["short_name"], strict=True)
            ],
            "short_name": u["short_name"],
            "unit_type": u["unit_type"],
            "district_code": u["district_code"],
            "district_name": u["district_code"].map(names),
            "former_district_codes": None,
            "area_km2": u["area_km2"].astype(float),
        }
    )


def _areas_from_2019(vintage: str) -> pd.Series:
    """Area (km²) of each commune of *vintage* as the sum of its 2019 parts."""
    from .crosswalk import crosswalk

    cw = crosswalk("2019", vintage)
    area19 = _units_2019().set_index("area_code")["area_km2"].astype(float)
    return (cw["from_code"].map(area19) * cw["area_share"]).groupby(cw["to_code"]).sum()


def _communes_2020() -> pd.DataFrame:
    import pandas as pd

    lg = _legacy_units()
    names = _district_names()
    unknown = set(lg["districtCode"]) - set(names)
    if unknown:
        raise CatalogError(f"vietnamadminunits: unknown district code(s) {sorted(unknown)}")
    area20 = _areas_from_2019("2020")
    unit_type = lg["wardType"].str.lower()
    return pd.DataFrame(
        {
            "area_code": lg["wardCode"],
            "area_level": "commune",
            "area_name": [_full(t, s) for t, s in zip(unit_type, lg["wardShort"], strict=True)],
            "short_name": lg["wardShort"],
            "unit_type": unit_type,
            "district_code": lg["districtCode"],
            "district_name": lg["districtCode"].map(names),
            "former_district_codes": None,
            "area_km2": lg["wardCode"].map(area20).astype(float),
        }
    )


def _communes_2025() -> pd.DataFrame:
    import pandas as pd

    conv, new = _conversion_2025()
    new = new.sort_values("wardCode")
    district_of = _legacy_units().set_index("wardCode")["districtCode"]
    former = (
        conv.assign(d=conv["code_2020"].map(district_of))
        .groupby("code_2025")["d"]
        .agg(lambda s: ";".join(sorted(set(s))))
    )
    unit_type = new["wardType"].str.lower()
    return pd.DataFrame(
        {
            "area_code": new["wardCode"].to_numpy(),
            "area_level": "commune",
            "area_name": [_full(t, s) for t, s in zip(unit_type, new["wardShort"], strict=True)],
            "short_name": new["wardShort"].to_numpy(),
            "unit_type": unit_type.to_numpy(),
            "district_code": None,
            "district_name": None,
            "former_district_codes": new["wardCode"].map(former).to_numpy(),
            # NOTE: vietnamadminunits' wardAreaKm2 is off by a factor of two for some
            # units (Phúc Lộc: 70.5 km² against ~160 km² drawn); areas are carried over
            # from the 2019 units through the crosswalk instead, as in 2020.
            "area_km2": new["wardCode"].map(_areas_from_2019("2025")).to_numpy(),
        }
    )


@cache
def _gazetteer(vintage: str) -> pd.DataFrame:
    import pandas as pd

    communes = {"2019": _communes_2019, "2020": _communes_2020, "2025": _communes_2025}[vintage]()
    rows = [_province_row(vintage, float(communes["area_km2"].sum()))]
    if vintage != "2025":
        rows += _district_rows(communes)
    df = pd.concat([pd.DataFrame(rows), communes], ignore_index=True)
    df["valid_from"], df["valid_to"] = VINTAGE_DATES[vintage]
    df["vintage"] = vintage
    df = df[list(GAZETTEER_COLUMNS)]
    for col in GAZETTEER_COLUMNS:
        if col != "area_km2":
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    if df["area_code"].duplicated().any():
        raise CatalogError(f"gazetteer {vintage}: duplicate area_code")
    return df


def gazetteer(vintage: str, *, national: bool = False) -> pd.DataFrame:
    """Return the units of Bắc Kạn in *vintage*: province, districts and communes.

    Parameters
    ----------
    vintage : {'2019', '2020', '2025'}
        The set of units (DESIGN.md §2). Codes are reused across vintages: always key on
        (vintage, area_code).
    national : bool, default False
        Also list the country (``VN``), the six regions (``VN-R1`` … ``VN-R6``) and the
        other provinces of *vintage* (63 to 30 June 2025, 34 from 1 July 2025; see
        :func:`bkanalysis.admin.provinces.national_units`), without areas or districts.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_code, area_level, area_name`` (canonical NFC name with type prefix),
        ``short_name, unit_type`` (xã/phường/thị trấn/huyện/thành phố/tỉnh),
        ``district_code, district_name`` (None in 2025: there are no districts),
        ``former_district_codes`` (2025 only, ``;``-separated 2020 district codes),
        ``area_km2`` (approximate, used as weights), ``valid_from, valid_to`` (ISO dates,
        None when open) and ``vintage``.

    Examples
    --------
    >>> g = gazetteer("2020")
    >>> g["area_level"].value_counts().to_dict()
    {'commune': 108, 'district': 8, 'province': 1}
    >>> g.loc[g["area_code"] == "01858", "area_name"].item()
    'Xã Bằng Thành'
    >>> len(gazetteer("2019")), len(gazetteer("2025"))
    (131, 38)
    >>> gazetteer("2020", national=True)["area_level"].value_counts().to_dict()
    {'commune': 108, 'province': 63, 'district': 8, 'region': 6, 'country': 1}
    """
    v = check_vintage(vintage)
    df = _gazetteer(v).copy()
    if not national:
        return df
    import pandas as pd

    from .provinces import national_units

    nat = national_units(v)
    nat = nat[nat["area_code"] != PROVINCE_CODE]
    extra = pd.DataFrame(
        {
            "area_code": nat["area_code"],
            "area_level": nat["area_level"],
            "area_name": nat["area_name"],
            "short_name": nat["area_name"].str.replace(r"^(Tỉnh|Thành phố) ", "", regex=True),
            "unit_type": nat["unit_type"].where(nat["unit_type"] != "", None),
            "district_code": None,
            "district_name": None,
            "former_district_codes": None,
            "area_km2": float("nan"),
            "valid_from": VINTAGE_DATES[v][0],
            "valid_to": VINTAGE_DATES[v][1],
            "vintage": v,
        }
    )
    return pd.concat([df, extra], ignore_index=True)
