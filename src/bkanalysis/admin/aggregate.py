"""Aggregate communes to districts and the province, and reconcile a sheet's totals.

Both use the rules of :mod:`bkanalysis.admin.rules` (sum, mean, weighted mean with the
catalog's weight indicator, area weights as a stated fallback). A parent is computed only
when *all* its parts are in the series snapshot (same indicator, year, status, unit,
source file and sheet, vintage): a partial sum is never presented as a total.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from ..observations import check_observations
from .gazetteer import gazetteer
from .harmonise import SERIES_KEY, _finish
from .rules import WeightTable, combine, rule_for

__all__ = ["RECONCILE_COLUMNS", "aggregate", "reconcile_totals"]

RECONCILE_COLUMNS = (
    "source_file",
    "source_sheet",
    "indicator_id",
    "year",
    "status",
    "admin_vintage",
    "area_code",
    "area_level",
    "area_name",
    "parts_level",
    "n_parts",
    "n_expected",
    "reported",
    "computed",
    "abs_diff",
    "rel_diff",
    "ok",
    "note",
)
_SNAPSHOT = [*SERIES_KEY, "admin_vintage"]


@cache
def _members(vintage: str, parent_level: str, parts_level: str) -> dict[str, list[str]]:
    """Return parent code -> codes of its parts in *vintage* (empty if not applicable)."""
    g = gazetteer(vintage)
    parts = g[g["area_level"] == parts_level]
    if parent_level == "province":
        return {"06": sorted(parts["area_code"])} if len(parts) else {}
    if parent_level == "district" and parts_level == "commune" and vintage != "2025":
        return {d: sorted(p["area_code"]) for d, p in parts.groupby("district_code")}
    return {}


@cache
def _indexed_gazetteer(vintage: str) -> pd.DataFrame:
    # NOTE: private and read-only: callers only look values up in it.
    return gazetteer(vintage).set_index("area_code")


@cache
def _areas(vintage: str) -> dict[str, float]:
    return _indexed_gazetteer(vintage)["area_km2"].to_dict()


def _values(snap) -> dict[str, float]:
    return dict(zip(snap["area_code"], snap["value"].astype(float), strict=True))


def _combine_parent(value_of, rule, codes, *, vintage, year, table):
    """Combine the children *codes* of one parent by *rule* (sum, mean, weighted mean)."""
    values = [value_of[c] for c in codes]
    return combine(
        rule,
        values,
        [1.0] * len(codes),
        codes,
        vintage=vintage,
        year=year,
        weights=table,
        areas=_areas(vintage),
    )


def _check_level(to_level: str) -> None:
    if to_level not in ("district", "province"):
        raise ValueError(f"to_level must be 'district' or 'province', got {to_level!r}")


def _aggregate_snapshot(info: dict, snap: pd.DataFrame, to_level: str, table) -> tuple:
    """Return (the parent rows, the parents skipped with why) of one series snapshot."""
    vintage, year = info["admin_vintage"], int(info["year"])
    level = "commune" if (snap["area_level"] == "commune").any() else "district"
    snap = snap[snap["area_level"] == level]
    rule = rule_for(info["indicator_id"])
    members = _members(vintage, to_level, level)
    base = {k: info[k] for k in ("indicator_id", "year", "status")}
    if not members:
        reason = f"no {to_level}s in vintage {vintage}"
        return [], [{**base, "admin_vintage": vintage, "area_code": None, "reason": reason}]
    g = _indexed_gazetteer(vintage)
    value_of = _values(snap)
    cell_of = dict(zip(snap["area_code"], snap["source_cell"].astype(str), strict=True))
    label_of = dict(zip(snap["area_code"], snap["source_label"].astype(str), strict=True))
    present = set(value_of)
    rows, skipped = [], []
    for parent, codes in members.items():
        if not present & set(codes):
            continue
        missing = [c for c in codes if c not in present]
        reason = None
        if not rule.aggregate:
            reason = f"{rule.indicator_id} is not aggregated ({rule.note})"
        elif missing:
            reason = f"{len(missing)} of {len(codes)} {level}s missing: {', '.join(missing)}"
        if reason:
            skipped.append(
                {**base, "admin_vintage": vintage, "area_code": parent, "reason": reason}
            )
            continue
        value, how = _combine_parent(value_of, rule, codes, vintage=vintage, year=year, table=table)
        rows.append(
            {
                **info,
                "area_code": parent,
                "area_level": to_level,
                "area_name": g.at[parent, "area_name"],
                "value": value,
                "source_cell": ";".join(cell_of[c] for c in codes),
                "source_label": ";".join(dict.fromkeys(label_of[c] for c in codes)),
                "converted": True,
                "conversion_note": f"{how} of {len(codes)} {level}s",
            }
        )
    return rows, skipped


def aggregate(
    observations: pd.DataFrame, to_level: str = "province", *, weights: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Aggregate commune rows to districts or the province.

    District rows are aggregated to the province when a series has no commune rows.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations; not modified. Rows of other levels are ignored.
    to_level : {'district', 'province'}
    weights : pandas.DataFrame, optional
        Observations of weight indicators, if not in *observations*.

    Returns
    -------
    pandas.DataFrame
        New rows only, with the schema columns plus ``converted`` (True) and
        ``conversion_note`` (rule and number of parts); ``source_cell`` lists the parts'
        cells. ``.attrs['skipped']`` lists the (indicator, year, vintage, area) that were
        not computed and why (parts missing, indicator not aggregatable, no districts in
        2025).

    Examples
    --------
    >>> import pandas as pd
    >>> g = gazetteer("2020")
    >>> pac_nam = g[g["district_code"] == "060"]
    >>> obs = pd.DataFrame({"indicator_id": "forest_area_ha", "area_code": pac_nam["area_code"],
    ...     "area_level": "commune", "admin_vintage": "2020", "area_name": pac_nam["area_name"],
    ...     "year": 2021, "value": 10.0, "unit": "ha", "status": "actual",
    ...     "source_file": "f.xlsx", "source_sheet": "S", "source_cell": "B1"})
    >>> aggregate(obs, "district")[["area_code", "value", "conversion_note"]].values.tolist()
    [['060', 100.0, 'sum of 10 communes']]
    """
    _check_level(to_level)
    obs = check_observations(observations)
    obs = obs.assign(admin_vintage=obs["admin_vintage"].astype(str))
    if weights is not None:
        check_observations(weights)
    table = WeightTable(obs, weights)
    rows: list[dict] = []
    skipped: list[dict] = []
    parts_levels = ["commune", "district"] if to_level == "province" else ["commune"]
    src = obs[obs["area_level"].isin(parts_levels)]
    for key, snap in src.groupby(_SNAPSHOT, sort=True, dropna=False):
        done, left = _aggregate_snapshot(
            dict(zip(_SNAPSHOT, key, strict=True)), snap, to_level, table
        )
        rows.extend(done)
        skipped.extend(left)
    out = (
        _finish(pd.DataFrame(rows))
        if rows
        else _finish(obs.iloc[:0].assign(converted=True, conversion_note=""))
    )
    out.attrs["skipped"] = pd.DataFrame(
        skipped, columns=["indicator_id", "year", "status", "admin_vintage", "area_code", "reason"]
    )
    return out


def _reconciled(info: dict, r, parts_level: str, parts_codes: tuple, check: tuple) -> dict:
    """Return the row comparing the reported total *r* with the sum (or mean) of its parts."""
    parts, codes = parts_codes
    rule, table, rtol = check
    vintage, year = info["admin_vintage"], int(info["year"])
    missing = [c for c in codes if c not in parts]
    row = {
        "source_file": info["source_file"],
        "source_sheet": info["source_sheet"],
        "indicator_id": info["indicator_id"],
        "year": year,
        "status": info["status"],
        "admin_vintage": vintage,
        "area_code": r.area_code,
        "area_level": r.area_level,
        "area_name": r.area_name,
        "parts_level": parts_level,
        "n_parts": len(codes) - len(missing),
        "n_expected": len(codes),
        "reported": float(r.value),
    }
    if missing:
        computed, note = np.nan, f"parts missing: {', '.join(missing)}"
    elif not rule.aggregate:
        computed, note = np.nan, f"{rule.indicator_id} is not aggregated"
    else:
        computed, note = _combine_parent(
            parts, rule, codes, vintage=vintage, year=year, table=table
        )
    diff = abs(row["reported"] - computed)
    row.update(
        computed=computed,
        abs_diff=diff,
        rel_diff=diff / abs(row["reported"]) if row["reported"] else np.nan,
        ok=bool(diff <= rtol * abs(row["reported"]) + 1e-9),
        note=note,
    )
    return row


def reconcile_totals(
    observations: pd.DataFrame, *, rtol: float = 1e-3, weights: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Compare a sheet's own province and district rows with the aggregate of its parts.

    For every reported province row, the aggregate of the same sheet's district rows
    and (separately) of its commune rows; for every district row, of its communes.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations; not modified.
    rtol : float, default 1e-3
        Relative tolerance of the check (rounding in published tables).
    weights : pandas.DataFrame, optional
        Weight observations for ``weighted_mean`` indicators.

    Returns
    -------
    pandas.DataFrame
        One row per (reported total, parts level) with ``reported``, ``computed``,
        ``abs_diff``, ``rel_diff``, ``ok`` and a ``note`` (rule used, or why nothing was
        computed: ``computed`` is NaN and ``ok`` False when parts are missing).

    Examples
    --------
    >>> import pandas as pd
    >>> g = gazetteer("2019")
    >>> d = g[g["area_level"] == "district"]
    >>> base = {"indicator_id": "forest_area_ha", "admin_vintage": "2019", "year": 2019,
    ...     "unit": "ha", "status": "actual", "source_file": "f.xlsx", "source_sheet": "S"}
    >>> obs = pd.concat([pd.DataFrame({**base, "area_code": d["area_code"], "area_level": "district",
    ...     "area_name": d["area_name"], "value": 100.0, "source_cell": "C6"}),
    ...     pd.DataFrame([{**base, "area_code": "06", "area_level": "province",
    ...     "area_name": "Tỉnh Bắc Kạn", "value": 801.0, "source_cell": "C5"}])])
    >>> reconcile_totals(obs)[["area_code", "reported", "computed", "ok"]].values.tolist()
    [['06', 801.0, 800.0, False]]
    """
    if not rtol >= 0:
        raise ValueError(f"rtol must be >= 0, got {rtol!r}")
    obs = check_observations(observations)
    obs = obs.assign(admin_vintage=obs["admin_vintage"].astype(str))
    if weights is not None:
        check_observations(weights)
    table = WeightTable(obs, weights)
    out: list[dict] = []
    for key, snap in obs.groupby(_SNAPSHOT, sort=True, dropna=False):
        info = dict(zip(_SNAPSHOT, key, strict=True))
        vintage = info["admin_vintage"]
        reported = snap[snap["area_level"].isin(["province", "district"])]
        if reported.empty:
            continue
        rule = rule_for(info["indicator_id"])
        for r in reported.itertuples(index=False):
            levels = ("district", "commune") if r.area_level == "province" else ("commune",)
            for parts_level in levels:
                parts = _values(snap[snap["area_level"] == parts_level])
                codes = _members(vintage, r.area_level, parts_level).get(r.area_code, [])
                if parts and codes and set(parts) & set(codes):
                    check = (rule, table, rtol)
                    out.append(_reconciled(info, r, parts_level, (parts, codes), check))
    df = pd.DataFrame(out, columns=list(RECONCILE_COLUMNS))
    df["ok"] = df["ok"].astype(bool)
    return df.sort_values(
        [
            "source_file",
            "source_sheet",
            "indicator_id",
            "year",
            "status",
            "area_code",
            "parts_level",
        ],
        kind="stable",
    ).reset_index(drop=True)
