"""Harmonise commune series onto one vintage through the crosswalk (DESIGN.md §5).

A harmonised frame is a *derived view*: its ``admin_vintage`` is the target vintage,
not the vintage in force in the observation's year, so it deliberately does not pass
``check_observations(strict=True)`` (which checks the vintage in force). Keep it out of
``data/processed/observations.*``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..observations import check_observations
from ..schema import OBSERVATION_COLUMNS, VINTAGES, check_vintage
from ..study_area import select_study_area
from .crosswalk import crosswalk
from .gazetteer import gazetteer
from .rules import WeightTable, combine, rule_for

__all__ = ["HARMONISED_COLUMNS", "harmonise"]

HARMONISED_COLUMNS = (*OBSERVATION_COLUMNS, "converted", "conversion_note")
#: observations of one series snapshot (combined together)
SERIES_KEY = ["indicator_id", "year", "status", "unit", "source_file", "source_sheet"]


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in HARMONISED_COLUMNS})
        return out.astype({"year": "int64", "value": "float64", "converted": bool})
    df = df[list(HARMONISED_COLUMNS)].copy()
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    df["converted"] = df["converted"].astype(bool)
    for c in HARMONISED_COLUMNS:
        if c not in ("year", "value", "converted"):
            df[c] = df[c].astype(object)
    order = {"province": 0, "district": 1, "commune": 2}
    df = df.assign(_l=df["area_level"].map(order))
    keys = ["indicator_id", "year", "status", "_l", "area_code", "source_file", "source_sheet"]
    return df.sort_values(keys, kind="stable").drop(columns="_l").reset_index(drop=True)


def harmonise(
    observations: pd.DataFrame,
    to_vintage: str,
    *,
    weights: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Map observations onto the units of *to_vintage*.

    Commune rows of an earlier vintage are combined through :func:`crosswalk` within each
    series snapshot (same indicator, year, status, unit, source file and sheet), using
    the indicator's aggregation rule (see :mod:`bkanalysis.admin.rules`): sums split by
    area share for divided communes (ASSUMPTION), weighted means with the weight
    indicator's observations from *weights* or from *observations* itself (falling back
    to areas, with a note), means.

    Only the study area is harmonised: rows of other areas (the country, regions, other
    provinces; :func:`bkanalysis.study_area.select_study_area`) are left out.

    Rows that are not converted are kept, never dropped, with ``converted`` False and a
    ``conversion_note`` saying why when they could not be:

    - province rows (``06`` is the study area in every vintage) and district rows
      going from 2019 to 2020 (unchanged districts) only take the target vintage;
    - district rows cannot go to 2025 (no districts) and rows of a later vintage cannot
      go back: they keep their vintage;
    - a target commune whose constituents are not all in the snapshot is not computed:
      its constituents keep their vintage (note names the missing codes);
    - indicators marked ``whole_only`` in ``data/admin_harmonise_rules.csv``
      (``ntm_recognised_year``, ``ntm_criteria_met_count``) are carried only through
      unchanged units.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (DESIGN.md §2); not modified.
    to_vintage : {'2019', '2020', '2025'}
        Target vintage.
    weights : pandas.DataFrame, optional
        Extra observations of weight indicators (e.g. ``households_count``).

    Returns
    -------
    pandas.DataFrame
        The schema columns plus ``converted`` (bool) and ``conversion_note`` (str). A
        derived view: ``admin_vintage`` is the target vintage for converted rows.

    Examples
    --------
    >>> import pandas as pd
    >>> obs = pd.DataFrame({"indicator_id": "forest_area_ha", "area_level": "commune",
    ...     "admin_vintage": "2019", "year": 2019, "unit": "ha", "status": "actual",
    ...     "source_file": "f.xlsx", "source_sheet": "S", "area_code": ["01903", "01912"],
    ...     "area_name": ["Xã Cao Trĩ", "Xã Thượng Giáo"], "value": [100.0, 50.0],
    ...     "source_cell": ["C5", "C6"]})
    >>> out = harmonise(obs, "2020")
    >>> out[["area_code", "area_name", "value", "converted"]].values.tolist()
    [['01912', 'Xã Thượng Giáo', 150.0, True]]
    """
    to = check_vintage(to_vintage)
    obs = check_observations(select_study_area(observations))
    if obs.empty:
        return _finish(obs.assign(converted=False, conversion_note=""))
    obs = obs.copy()
    obs["admin_vintage"] = obs["admin_vintage"].astype(str)
    if weights is not None:
        check_observations(weights)
    table = WeightTable(obs, weights)
    rank = {v: i for i, v in enumerate(VINTAGES)}
    target_names = gazetteer(to).set_index("area_code")["area_name"]
    out: list[pd.DataFrame] = []

    same = obs["admin_vintage"] == to
    out.append(obs[same].assign(converted=False, conversion_note=""))
    rest = obs[~same]
    later = rest["admin_vintage"].map(rank) > rank[to]
    out.append(
        rest[later].assign(
            converted=False,
            conversion_note=f"not converted: a later vintage cannot be mapped back to {to}",
        )
    )
    rest = rest[~later]

    prov = rest["area_level"] == "province"
    out.append(
        rest[prov].assign(
            admin_vintage=to,
            converted=False,
            conversion_note="province: the same study area in every vintage",
        )
    )
    dist = rest["area_level"] == "district"
    if to == "2025":
        out.append(
            rest[dist].assign(
                converted=False,
                conversion_note="not converted: there are no districts from 2025-07-01",
            )
        )
    else:
        out.append(
            rest[dist].assign(
                admin_vintage=to,
                converted=False,
                conversion_note=f"district: unchanged in {to}",
            )
        )
    communes = rest[rest["area_level"] == "commune"]
    for vintage, part in communes.groupby("admin_vintage", sort=True):
        out.append(_communes(part, vintage, to, table, target_names))
    out = [o for o in out if len(o)]
    if not out:
        return _finish(obs.iloc[:0].assign(converted=False, conversion_note=""))
    return _finish(pd.concat(out, ignore_index=True))


def _components(cw: pd.DataFrame) -> list[tuple[list[str], list[str]]]:
    """Return the groups of (source codes, target codes) linked by merges and divisions."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for f, t in zip(cw["from_code"], cw["to_code"], strict=True):
        parent[find("f" + f)] = find("t" + t)
    groups: dict[str, tuple[set[str], set[str]]] = {}
    for f, t in zip(cw["from_code"], cw["to_code"], strict=True):
        src, dst = groups.setdefault(find("t" + t), (set(), set()))
        src.add(f)
        dst.add(t)
    return sorted((sorted(a), sorted(b)) for a, b in groups.values())


@dataclass(frozen=True)
class _Step:
    """One crosswalk step (vintage -> to) with what converting a series through it needs."""

    vintage: str
    to: str
    table: WeightTable
    target_names: pd.Series
    areas: dict
    sources_of: dict  # target code -> [(source code, area share)]
    notes_of: pd.Series  # target code -> the crosswalk's notes
    components: list  # (sources, targets) that convert together
    known: frozenset  # the codes of vintage the crosswalk knows

    @classmethod
    def of(cls, vintage: str, to: str, table: WeightTable, target_names) -> _Step:
        cw = crosswalk(vintage, to)
        return cls(
            vintage,
            to,
            table,
            target_names,
            areas=gazetteer(vintage).set_index("area_code")["area_km2"].to_dict(),
            sources_of={
                t: list(zip(g["from_code"], g["area_share"], strict=True))
                for t, g in cw.groupby("to_code")
            },
            notes_of=cw.groupby("to_code")["note"].agg(lambda s: "; ".join(sorted(set(s) - {""}))),
            components=_components(cw),
            known=frozenset(cw["from_code"]),
        )


def _communes(part, vintage: str, to: str, table, target_names) -> pd.DataFrame:
    """Convert the commune rows *part* of *vintage* to *to*, series by series."""
    step = _Step.of(vintage, to, table, target_names)
    unknown = sorted(set(part["area_code"]) - step.known)
    if unknown:
        raise ValueError(f"commune code(s) {', '.join(unknown)} are not units of vintage {vintage}")
    rows: list[dict] = []
    kept: list[pd.DataFrame] = []
    for key, snap in part.groupby(SERIES_KEY, sort=True, dropna=False):
        dup = snap["area_code"].duplicated()
        if dup.any():
            raise ValueError(
                f"duplicate commune {snap.loc[dup, 'area_code'].iloc[0]!r} in one series "
                f"({dict(zip(SERIES_KEY, key, strict=True))})"
            )
        converted, left = _convert_series(key, snap, step)
        rows.extend(converted)
        if left:
            rest = snap[snap["area_code"].isin(left)]
            kept.append(rest.assign(converted=False, conversion_note=rest["area_code"].map(left)))
    frames = ([pd.DataFrame(rows)] if rows else []) + kept
    return pd.concat(frames, ignore_index=True) if frames else part.iloc[:0]


def _convert_series(key: tuple, snap: pd.DataFrame, step: _Step) -> tuple[list[dict], dict]:
    """Return the converted rows of one series and {code: why} of the units left as they are."""
    rule = rule_for(key[0])
    present = set(snap["area_code"])
    of = {
        "value": dict(zip(snap["area_code"], snap["value"].astype(float), strict=True)),
        "cell": dict(zip(snap["area_code"], snap["source_cell"].astype(str), strict=True)),
        "label": dict(zip(snap["area_code"], snap["source_label"].astype(str), strict=True)),
    }
    rows: list[dict] = []
    left: dict[str, str] = {}
    for sources, targets in step.components:
        if not present & set(sources):
            continue
        unchanged = sources == targets and len(sources) == 1
        missing = [c for c in sources if c not in present]
        if missing:
            # NOTE: a target is computed only when every unit feeding it (and every
            # other target of a divided unit) is in the series, so totals are kept.
            why = f"not converted to {step.to}: {', '.join(missing)} missing from the series"
            left.update(dict.fromkeys(present & set(sources), why))
        elif rule.whole_only and not unchanged:
            why = f"not converted: {rule.indicator_id} changes with the unit ({rule.note})"
            left.update(dict.fromkeys(sources, why))
        else:
            rows.extend(_target_row(key, of, step, rule, t, unchanged=unchanged) for t in targets)
    return rows, left


def _target_row(key: tuple, of: dict, step: _Step, rule, target: str, *, unchanged: bool):
    """Return the row of one commune of the new vintage, combined from its sources.

    *of* maps ``value``, ``cell`` and ``label`` to the series' {code: value} of each.
    """
    value_of, cell_of, label_of = of["value"], of["cell"], of["label"]
    src = step.sources_of[target]
    codes = [c for c, _ in src]
    value, how = combine(
        rule,
        [value_of[c] for c in codes],
        [s for _, s in src],
        codes,
        vintage=step.vintage,
        year=int(key[1]),
        weights=step.table,
        areas=step.areas,
    )
    if unchanged:
        note = f"same unit in {step.to}"
    else:
        note = f"from {step.vintage} {'+'.join(codes)} ({how})"
        if step.notes_of.get(target):
            note += f"; {step.notes_of[target]}"
    return {
        **dict(zip(SERIES_KEY, key, strict=True)),
        "area_code": target,
        "area_level": "commune",
        "admin_vintage": step.to,
        "area_name": step.target_names[target],
        "value": value,
        "source_cell": ";".join(cell_of[c] for c in codes),
        "source_label": ";".join(dict.fromkeys(label_of[c] for c in codes)),
        "converted": not unchanged,
        "conversion_note": note,
    }
