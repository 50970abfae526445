"""Crosswalks between the vintages of Bắc Kạn's communes.

- 2019 → 2020: the package's fact table ``data/admin_changes_2020.csv`` (Resolution
  855/NQ-UBTVQH14 of 10 January 2020, in force 1 February 2020): every 2019 commune goes
  whole to one 2020 commune, except three communes divided between two (Phong Huân,
  Văn Học, Lương Hạ) whose parts are given in km².
- 2020 → 2025: the ``vietnamadminunits`` 2025 converter (every 2020 unit of Bắc Kạn
  went whole into one 2025 unit).
- 2019 → 2025: the composition of the two.

ASSUMPTION: a divided commune's quantities are split in proportion to the *area* of each
part (``area_share``); nothing better is published at commune level.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from ..schema import check_vintage
from .units import changes_2020, commune_codes, conversion_2025

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CROSSWALK_COLUMNS", "crosswalk"]

CROSSWALK_COLUMNS = ("from_code", "to_code", "area_share", "whole", "note")


def _pairs(from_vintage: str, to_vintage: str) -> pd.DataFrame:
    import pandas as pd

    if (from_vintage, to_vintage) == ("2019", "2020"):
        ch = changes_2020()
        notes = []
        for change, note, km2, basis in zip(
            ch["change"], ch["note"], ch["area_km2"], ch["legal_basis"], strict=True
        ):
            if change == "unchanged":
                notes.append("")
                continue
            if change == "split_part":
                note += f" ({km2:.2f} km²; ASSUMPTION: quantities split by area share)"
            notes.append(f"{note} [{basis}]" if basis else note)
        return pd.DataFrame(
            {
                "from_code": ch["code_2019"],
                "to_code": ch["code_2020"],
                "area_share": ch["area_share"].astype(float),
                "whole": ch["change"] != "split_part",
                "note": notes,
            }
        )
    if (from_vintage, to_vintage) == ("2020", "2025"):
        conv = conversion_2025()
        return pd.DataFrame(
            {
                "from_code": conv["code_2020"],
                "to_code": conv["code_2025"],
                "area_share": 1.0,
                "whole": True,
                "note": "whole unit [2025 reorganisation, Resolution 1683/NQ-UBTVQH15]",
            }
        )
    raise AssertionError((from_vintage, to_vintage))


@cache
def _crosswalk(from_vintage: str, to_vintage: str) -> pd.DataFrame:
    import pandas as pd

    order = ["2019", "2020", "2025"]
    i, j = order.index(from_vintage), order.index(to_vintage)
    if i > j:
        raise ValueError(
            f"crosswalk goes forward in time only: {from_vintage!r} → {to_vintage!r} "
            "(a later unit cannot be split back without new assumptions)"
        )
    if i == j:
        codes = commune_codes(from_vintage)
        out = pd.DataFrame(
            {"from_code": codes, "to_code": codes, "area_share": 1.0, "whole": True, "note": ""}
        )
    elif j - i == 1:
        out = _pairs(from_vintage, to_vintage)
    else:
        a, b = _pairs("2019", "2020"), _pairs("2020", "2025")
        m = a.merge(b, left_on="to_code", right_on="from_code", suffixes=("", "_b"), validate="m:1")
        out = pd.DataFrame(
            {
                "from_code": m["from_code"],
                "to_code": m["to_code_b"],
                "area_share": m["area_share"] * m["area_share_b"],
                "whole": m["whole"] & m["whole_b"],
                "note": [
                    "; ".join(x for x in (f"2020: {a}" if a else "", f"2025: {b}") if x)
                    for a, b in zip(m["note"], m["note_b"], strict=True)
                ],
            }
        )
        # two parts of one divided commune may land in the same 2025 unit: merge them
        out = out.groupby(["from_code", "to_code"], as_index=False, sort=True).agg(
            area_share=("area_share", "sum"),
            note=("note", lambda s: "; ".join(sorted(set(s) - {""}))),
        )
        out["whole"] = (out["area_share"] - 1.0).abs() < 1e-12
    out = out.sort_values(["from_code", "to_code"]).reset_index(drop=True)
    out["note"] = out["note"].astype(object)
    out["whole"] = out["whole"].astype(bool)
    return out[list(CROSSWALK_COLUMNS)]


def crosswalk(from_vintage: str, to_vintage: str) -> pd.DataFrame:
    """Return the commune crosswalk from one vintage to a later one.

    Parameters
    ----------
    from_vintage, to_vintage : {'2019', '2020', '2025'}
        Source and target vintage (``from_vintage`` not later than ``to_vintage``).

    Returns
    -------
    pandas.DataFrame
        ``from_code, to_code, area_share, whole, note``: one row per (source commune,
        target commune) pair. ``area_share`` is the share of the source commune's area
        that lies in the target (1.0 for a whole transfer); shares of a source commune
        sum to 1. Province (``06``) and district codes are not listed: they map to
        themselves up to 2020 and the province to itself in 2025.

    Examples
    --------
    >>> cw = crosswalk("2019", "2020")
    >>> cw["from_code"].nunique(), cw["to_code"].nunique()
    (122, 108)
    >>> cw[cw["from_code"] == "02074"][["to_code", "area_share"]].round(3).values.tolist()
    [['02065', 0.313], ['02083', 0.687]]
    >>> crosswalk("2019", "2025")["to_code"].nunique()
    37
    """
    return _crosswalk(check_vintage(from_vintage), check_vintage(to_vintage)).copy()
