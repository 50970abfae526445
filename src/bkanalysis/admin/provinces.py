"""The country, its six socio-economic regions and its provinces (DESIGN.md §2).

The statistics office's own tables list ``CẢ NƯỚC``, the six regions and the provinces
(63 until 30 June 2025, 34 from 1 July 2025). This module knows them from the package
data ``data/admin_national_units.csv``:

- the country ``VN`` and the regions ``VN-R1`` … ``VN-R6`` (in the office's table order);
- the 63 provinces with their office codes and regions (vintages ``2019`` and ``2020``;
  names and codes as in ``vietnamadminunits``' legacy table, region membership and order
  from the office's all-province tables);
- the 34 provinces from 1 July 2025 (vintage ``2025``; names and codes from
  ``vietnamadminunits``' current table). Their region membership is left empty: no
  published list was at hand, and none is guessed.

In vintage ``2025`` the code ``06`` still stands for the former Bắc Kạn province (the
study area), so a list of the 63 provinces read for 2025 keeps ``Bắc Kạn`` as ``06``.

Names are compared like the commune resolver does (:func:`~bkanalysis.admin.names.tone_key`,
then the ASCII key): ``Thanh Hoá`` = ``Thanh Hóa``, ``Ha Noi`` = ``Hà Nội``. A prefix
restricts the type: ``Thành phố Bắc Kạn`` (a city of the province) is *not* the province
``Bắc Kạn``, ``TP. Hồ Chí Minh`` is the centrally-run city ``79``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

from ..catalog import read_package_csv
from ..errors import CatalogError
from ..schema import PROVINCE_CODE, VINTAGES, check_vintage
from .names import _ascii_key, clean_label, tone_key

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COUNTRY_CODE",
    "NationalMatch",
    "national_units",
    "province_list_vintage",
    "resolve_national",
]

#: Code of the country (DESIGN.md §2).
COUNTRY_CODE = "VN"
_REGION_CODE = re.compile(r"^VN-R[1-6]$")

#: prefix regex (lower-case NFC) -> unit types it allows
_PREFIXES = (
    (re.compile(r"^(?:tỉnh|tinh)\s+"), frozenset({"tỉnh"})),
    (re.compile(r"^(?:thành phố|thanh pho|t\.\s?p\.|tp\.|tp\s)\s*"), frozenset({"thành phố"})),
    (re.compile(r"^(?:vùng|vung|khu vực|khu vuc)\s+"), frozenset({"vùng"})),
)
_EN_SUFFIX = re.compile(r"\s+(province|city|region)$")
_TOTAL_MARK = re.compile(r"\(\s*(tổng số|tổng|total)\s*\)\s*$", re.IGNORECASE)


class NationalMatch(NamedTuple):
    """A resolved country, region or province."""

    code: str
    level: str  # country, region or province
    name: str  # canonical Vietnamese name
    vintage: str


@cache
def _table() -> pd.DataFrame:

    df = read_package_csv("admin_national_units.csv")
    for row in df.itertuples(index=False):
        where = f"admin_national_units.csv: {row.area_code!r}"
        if row.area_level == "country":
            ok = row.area_code == COUNTRY_CODE
        elif row.area_level == "region":
            ok = bool(_REGION_CODE.match(row.area_code))
        elif row.area_level == "province":
            ok = len(row.area_code) == 2 and row.area_code.isdigit()
        else:
            raise CatalogError(f"{where}: bad area_level {row.area_level!r}")
        if not ok:
            raise CatalogError(f"{where}: code does not fit level {row.area_level}")
        vs = row.vintages.split("|")
        if vs != ["*"] and not set(vs) <= set(VINTAGES):
            raise CatalogError(f"{where}: bad vintages {row.vintages!r}")
    provinces = df[df["area_level"] == "province"]["vintages"].str.split("|")
    counts = {v: int(provinces.map(lambda vs, v=v: v in vs).sum()) for v in VINTAGES}
    if counts != {"2019": 63, "2020": 63, "2025": 34}:
        raise CatalogError(f"admin_national_units.csv: province counts {counts}, expected 63/63/34")
    return df


def national_units(vintage: str) -> pd.DataFrame:
    """Return the country, the regions and the provinces of *vintage*.

    Parameters
    ----------
    vintage : {'2019', '2020', '2025'}

    Returns
    -------
    pandas.DataFrame
        ``area_code, area_level, area_name, name_en, region_code, unit_type, vintage`` in
        the office's table order. In ``2025`` the former province ``06`` (the study area)
        is listed after the 34 provinces.

    Examples
    --------
    >>> u = national_units("2020")
    >>> u["area_level"].value_counts().to_dict()
    {'province': 63, 'region': 6, 'country': 1}
    >>> u.loc[u["area_code"] == "06", ["area_name", "region_code"]].values.tolist()
    [['Tỉnh Bắc Kạn', 'VN-R2']]
    >>> len(national_units("2025"))
    42
    """
    import pandas as pd

    v = check_vintage(vintage)
    df = _table()
    keep = df["vintages"].map(lambda s: s == "*" or v in s.split("|"))
    out = df[keep].rename(columns={"name_vi": "area_name"})
    if v == "2025":
        former = df[(df["area_code"] == PROVINCE_CODE) & (df["area_level"] == "province")]
        out = pd.concat([out, former.rename(columns={"name_vi": "area_name"})])
    out = out[["area_code", "area_level", "area_name", "name_en", "region_code", "unit_type"]]
    return out.assign(vintage=v).reset_index(drop=True)


class _Entry(NamedTuple):
    code: str
    level: str
    name: str
    unit_type: str


@cache
def _index(vintage: str) -> dict[str, list[_Entry]]:
    """Key (tone key and ASCII key) -> entries of *vintage*."""
    idx: dict[str, list[_Entry]] = {}
    for row in national_units(vintage).itertuples(index=False):
        e = _Entry(row.area_code, row.area_level, row.area_name, row.unit_type)
        src = _table()
        variants = src.loc[
            (src["area_code"] == row.area_code) & (src["area_level"] == row.area_level),
            "variants",
        ]
        names = [row.area_name, row.name_en]
        for v in variants:
            names += [x for x in v.split("|") if x]
        for name in names:
            _types, short = _strip_prefix(name)
            for k in {_tkey(short), _akey(short), _tkey(name), _akey(name)}:
                if k and e not in idx.setdefault(k, []):
                    idx[k].append(e)
    return idx


def _tkey(text: str) -> str:
    return "t:" + tone_key(text.lower())


def _akey(text: str) -> str:
    return "a:" + _ascii_key(text.lower()).replace(" ", "")


def _strip_prefix(text: str) -> tuple[frozenset[str] | None, str]:
    s = unicodedata.normalize("NFC", text).strip()
    low = s.lower()
    for pat, types in _PREFIXES:
        m = pat.match(low)
        if m:
            return types, s[m.end() :].strip()
    m = _EN_SUFFIX.search(low)
    if m:
        types = {"province": {"tỉnh"}, "city": {"thành phố"}, "region": {"vùng"}}[m.group(1)]
        return frozenset(types), s[: m.start()].strip()
    return None, s


def _lookup(part: str, vintage: str) -> set[_Entry]:
    idx = _index(vintage)
    whole = idx.get(_tkey(part))
    if whole:
        return set(whole)  # a name or variant written in full (``Thành phố Huế`` in 2020)
    types, short = _strip_prefix(part)
    hits = idx.get(_tkey(short)) or idx.get(_akey(short)) or []
    if types is not None:
        hits = [e for e in hits if e.unit_type in types or (e.level == "country" and not short)]
    return set(hits)


@lru_cache(maxsize=65536)
def resolve_national(label: str, vintage: str) -> NationalMatch | None:
    """Return the country, region or province *label* names in *vintage*, or None.

    A trailing ``(Tổng số)`` (the census cubes' total mark), footnote marks and numbering
    are ignored. A bilingual label (``Bắc Kạn - Bac Kan``) is read whole first, then by
    its parts, which must agree. Districts and communes are never returned: a city of a
    province (``Thành phố Bắc Kạn``) is None.

    Examples
    --------
    >>> resolve_national("CẢ NƯỚC", "2020").code, resolve_national("TP. Hồ Chí Minh", "2020").code
    ('VN', '79')
    >>> resolve_national(" Tỉnh Bắc Kạn (Tổng số)", "2019").code
    '06'
    >>> resolve_national("Thành phố Bắc Kạn", "2020") is None
    True
    >>> resolve_national("Trung du và miền núi phía Bắc", "2025").code
    'VN-R2'
    """
    if not isinstance(label, str):
        return None
    text = _TOTAL_MARK.sub("", clean_label(label)).strip(" .:")
    if not text:
        return None
    hits = _lookup(text, vintage)
    if not hits:
        parts = [p.strip(" .,:") for p in re.split(r"\s+[-–—/]\s+|\n|[()]", text)]
        found: set[_Entry] = set()
        for p in parts:
            if p:
                found |= _lookup(p, vintage)
        hits = found
    if len(hits) != 1:
        return None
    e = next(iter(hits))
    return NationalMatch(e.code, e.level, e.name, vintage)


def province_list_vintage(labels) -> str | None:
    """Tell which province list a table's row labels come from: ``'2020'``, ``'2025'`` or None.

    A label naming a province that exists only before 1 July 2025 (``Hà Giang``,
    ``Bắc Kạn``) marks the list of 63; a table with at least 20 provinces, all among the
    34, the list of 34. Otherwise (few provinces) the list cannot be told.
    """
    before_only = after = 0
    for lab in labels:
        b, a = resolve_national(lab, "2020"), resolve_national(lab, "2025")
        if b is not None and b.level == "province" and (a is None or b.code == PROVINCE_CODE):
            before_only += 1  # a name abolished on 1 July 2025 (or Bắc Kạn itself)
        elif a is not None and a.level == "province":
            after += 1
    if before_only:
        return "2020"
    if after >= 20:
        return "2025"
    return None
