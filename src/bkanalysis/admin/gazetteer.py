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

from functools import cache
from typing import TYPE_CHECKING

from ..errors import CatalogError
from ..schema import PROVINCE_CODE, check_vintage
from .crosswalk import crosswalk
from .provinces import national_units
from .units import (
    _conversion_2025,
    _districts,
    _legacy_units,
    _units_2019,
)

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


def _full(unit_type: str, short: str) -> str:
    return f"{_PREFIX[unit_type]} {short}"


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
