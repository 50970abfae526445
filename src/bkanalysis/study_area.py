"""Select the study area: Bắc Kạn (``06``) and its units (DESIGN.md §2).

The reader keeps every area it reads (the country, regions and other provinces of the
statistics office's all-province tables, the merged Thái Nguyên province from 2025) at its
own level. Analyses work on the study area unless asked for a comparison:
:func:`select_study_area` is called at the entry of ``assess``, ``harmonise``, the target
and district charts, ``emissions_vs_bau`` and :func:`bkanalysis.load_observations`, so
that no other area ever leaks into a Bắc Kạn figure, total or status. Commune maps draw
commune rows only, which the reader gives for Bắc Kạn's units only; a commune code of no
Bắc Kạn unit is refused by the map (never silently dropped).

The study area is, in every vintage, the province row ``06`` (from 2025 the former
province's area) and the districts and communes of Bắc Kạn's gazetteer of the row's
vintage (:func:`bkanalysis.admin.gazetteer`).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

from .schema import PROVINCE_CODE, VINTAGES

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["COMPARISON_CODES", "in_study_area", "select_study_area"]

#: Areas Bắc Kạn is compared with: the country and its region (Northern midlands and
#: mountain areas, ``VN-R2``).
COMPARISON_CODES = ("VN", "VN-R2")


@cache
def _units() -> frozenset[tuple[str, str]]:
    """(vintage, code) of the study area's districts and communes."""
    # NOTE: imported here, not at the top: importing admin runs admin/__init__, whose
    # harmonise and aggregate use observations, which uses this module.
    from .admin.gazetteer import gazetteer

    return frozenset(
        (v, code)
        for v in VINTAGES
        for code, level in zip(gazetteer(v)["area_code"], gazetteer(v)["area_level"], strict=True)
        if level in ("district", "commune")
    )


def in_study_area(observations: pd.DataFrame) -> pd.Series:
    """Boolean mask of the rows of *observations* that belong to the study area.

    A row without ``admin_vintage`` is judged on its code against every vintage.
    """
    obs = observations
    if obs.empty:
        return pd.Series([], index=obs.index, dtype=bool)
    code = obs["area_code"].astype(str)
    level = obs["area_level"].astype(str) if "area_level" in obs else None
    province = code == PROVINCE_CODE
    if level is not None:
        province &= level == "province"
    units = _units()
    if "admin_vintage" in obs:
        pairs = zip(obs["admin_vintage"].astype(str), code, strict=True)
        unit = pd.Series([p in units for p in pairs], index=obs.index)
    else:
        codes = {c for _v, c in units}
        unit = code.isin(codes)
    if level is not None:
        unit &= level.isin(["district", "commune"])
    return province | unit


def select_study_area(
    observations: pd.DataFrame, *, include: Iterable[str] | str | None = None
) -> pd.DataFrame:
    """Return the rows of the study area (``06`` and its units), and of *include*.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (needs ``area_code``; ``area_level`` and ``admin_vintage`` are
        used when present). Not modified.
    include : str or iterable of str, optional
        Other area codes to keep for a comparison (``"VN"``, ``"VN-R2"``, a province
        code), or ``"all"`` to keep every row.

    Returns
    -------
    pandas.DataFrame
        The selected rows, index kept.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"area_code": ["06", "VN", "19", "058"],
    ...     "area_level": ["province", "country", "province", "district"],
    ...     "admin_vintage": "2020"})
    >>> select_study_area(obs)["area_code"].tolist()
    ['06', '058']
    >>> select_study_area(obs, include=["VN"])["area_code"].tolist()
    ['06', 'VN', '058']
    """
    if "area_code" not in observations:
        return observations
    if include == "all":
        return observations
    mask = in_study_area(observations)
    if include:
        extra = [include] if isinstance(include, str) else list(include)
        mask |= observations["area_code"].astype(str).isin(extra)
    if bool(mask.all()):
        return observations
    return observations[mask]
