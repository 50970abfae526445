"""How an indicator's values combine when units are merged, split or aggregated.

The rule comes from the indicator catalog's ``aggregation`` column:

- ``sum`` (counts, areas, emissions): value = Σ shareᵢ·vᵢ — a divided commune's value is
  split by area share (ASSUMPTION);
- ``mean``: value = Σ shareᵢ·vᵢ / Σ shareᵢ (the plain mean over whole units);
- ``weighted_mean:<weight id>``: value = Σ shareᵢ·wᵢ·vᵢ / Σ shareᵢ·wᵢ with wᵢ the weight
  indicator's observation for the same unit, vintage and year; when a weight is
  missing, the unit's area (km²) is used instead for the whole group and the row's
  note says so (ASSUMPTION).

``data/admin_harmonise_rules.csv`` overrides this for indicators that cannot be merged
or split meaningfully (per-commune statuses such as ``ntm_recognised_year``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from ..catalog import indicator, read_package_csv
from ..errors import CatalogError
from ..observations import STATUS_RANK

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Rule", "WeightTable", "combine", "rule_for"]


@dataclass(frozen=True)
class Rule:
    """How one indicator combines: kind sum/mean/weighted_mean, weight id, overrides."""

    indicator_id: str
    kind: str
    weight: str | None
    whole_only: bool
    aggregate: bool
    note: str


@lru_cache(maxsize=1)
def _overrides() -> dict[str, dict[str, str]]:

    df = read_package_csv("admin_harmonise_rules.csv")
    for row in df.itertuples(index=False):
        if row.harmonise not in ("convert", "whole_only") or row.aggregate not in ("yes", "no"):
            raise CatalogError(f"admin_harmonise_rules.csv: bad rule for {row.indicator_id!r}")
    return {r["indicator_id"]: r for r in df.to_dict("records")}


@cache
def rule_for(indicator_id: str) -> Rule:
    """Return the combination rule of *indicator_id* (CatalogError if unknown).

    Examples
    --------
    >>> rule_for("forest_cover_pct").weight
    'natural_area_ha'
    >>> rule_for("ntm_recognised_year").whole_only
    True
    """
    agg = indicator(indicator_id)["aggregation"]
    kind, _, weight = agg.partition(":")
    if kind not in ("sum", "mean", "weighted_mean"):
        raise CatalogError(f"indicator {indicator_id!r}: unknown aggregation {agg!r}")
    o = _overrides().get(indicator_id, {})
    return Rule(
        indicator_id,
        kind,
        weight or None,
        o.get("harmonise") == "whole_only",
        o.get("aggregate", "yes") == "yes",
        o.get("note", ""),
    )


class WeightTable:
    """Weight observations keyed by (indicator, vintage, area_code, year).

    When several observations share a key, the one with the most final status
    (actual > preliminary > estimate > plan) wins, then the first by source file, sheet
    and cell, so the choice is deterministic.
    """

    def __init__(self, *frames: pd.DataFrame | None):
        import pandas as pd

        parts = [f for f in frames if f is not None and len(f)]
        self._map: dict[tuple[str, str, str, int], float] = {}
        if not parts:
            return
        df = pd.concat(
            [
                f[
                    ["indicator_id", "admin_vintage", "area_code", "year", "value", "status"]
                    + [c for c in ("source_file", "source_sheet", "source_cell") if c in f]
                ]
                for f in parts
            ],
            ignore_index=True,
        )
        df = df[df["value"].notna()]
        df = df.assign(_o=df["status"].map(STATUS_RANK).fillna(9))
        sort = ["_o", *[c for c in ("source_file", "source_sheet", "source_cell") if c in df]]
        df = df.sort_values(sort, kind="stable").drop_duplicates(
            ["indicator_id", "admin_vintage", "area_code", "year"]
        )
        for r in df.itertuples(index=False):
            self._map[(r.indicator_id, str(r.admin_vintage), r.area_code, int(r.year))] = float(
                r.value
            )

    def get(self, indicator_id: str, vintage: str, code: str, year: int) -> float | None:
        """Return the weight or None."""
        return self._map.get((indicator_id, vintage, code, int(year)))


def combine(
    rule: Rule,
    values: list[float],
    shares: list[float],
    codes: list[str],
    *,
    vintage: str,
    year: int,
    weights: WeightTable,
    areas: dict[str, float],
) -> tuple[float, str]:
    """Combine constituent *values* with *shares* under *rule*; return (value, note).

    Examples
    --------
    >>> r = rule_for("forest_area_ha")
    >>> combine(r, [10.0, 4.0], [1.0, 0.5], ["a", "b"], vintage="2019", year=2019,
    ...         weights=WeightTable(), areas={})
    (12.0, 'sum')
    """
    if rule.kind == "sum":
        return sum(s * v for s, v in zip(shares, values, strict=True)), "sum"
    if rule.kind == "mean":
        total = sum(shares)
        return sum(s * v for s, v in zip(shares, values, strict=True)) / total, "mean"
    w = [weights.get(rule.weight, vintage, c, year) for c in codes]
    note = f"weighted by {rule.weight}"
    if any(x is None or x != x for x in w) or sum(x for x in w if x is not None) <= 0:
        missing = [c for c, x in zip(codes, w, strict=True) if x is None or x != x]
        w = [areas[c] for c in codes]
        note = (
            f"weighted by area (ASSUMPTION: {rule.weight} missing for "
            f"{', '.join(missing) or 'all'})"
        )
    den = sum(s * x for s, x in zip(shares, w, strict=True))
    num = sum(s * x * v for s, x, v in zip(shares, w, values, strict=True))
    return num / den, note
