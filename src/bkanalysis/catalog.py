"""The indicator catalog (DESIGN.md §3), kept as package data in ``data/indicators.csv``.

Columns: ``id, name_vi, name_en, unit, theme, direction, aggregation, aliases``
(aliases are Vietnamese and English labels separated by ``|``). Ids end in their unit.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from .errors import CatalogError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["indicator", "indicator_label", "load_indicators", "read_package_csv", "with_weights"]

_DIRECTIONS = {"increase", "decrease"}
_THEMES = {"forest_water", "rural_development", "waste", "emissions", "denominators"}


def read_package_csv(name: str) -> pd.DataFrame:
    """Read a CSV file of package data (``bkanalysis/data/<name>``) as NFC text."""
    import pandas as pd

    with resources.files("bkanalysis.data").joinpath(name).open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return df.apply(lambda s: s.map(lambda v: unicodedata.normalize("NFC", v.strip())))


@lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    df = read_package_csv("indicators.csv")
    required = ["id", "name_vi", "name_en", "unit", "theme", "direction", "aggregation", "aliases"]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise CatalogError(f"indicators.csv: missing column(s) {', '.join(missing)}")
    dup = df["id"][df["id"].duplicated()]
    if not dup.empty:
        raise CatalogError(f"indicators.csv: duplicate id {dup.iloc[0]!r}")
    ids = set(df["id"])
    for row in df.itertuples(index=False):
        where = f"indicators.csv: indicator {row.id!r}"
        if not row.unit:
            raise CatalogError(f"{where}: empty unit")
        if row.direction not in _DIRECTIONS:
            raise CatalogError(f"{where}: direction {row.direction!r} not increase/decrease")
        if row.theme not in _THEMES:
            raise CatalogError(f"{where}: unknown theme {row.theme!r}")
        agg = row.aggregation
        if agg.startswith("weighted_mean:"):
            weight = agg.split(":", 1)[1]
            if weight not in ids:
                raise CatalogError(f"{where}: weight {weight!r} is not an indicator id")
        elif agg not in {"sum", "mean"}:
            raise CatalogError(f"{where}: aggregation {agg!r} not sum/mean/weighted_mean:<id>")
    return df


def load_indicators() -> pd.DataFrame:
    """Return the indicator catalog as a DataFrame (a copy; safe to modify).

    Examples
    --------
    >>> cat = load_indicators()
    >>> cat.set_index("id").loc["forest_cover_pct", ["unit", "direction"]].tolist()
    ['%', 'increase']
    """
    return _load().copy()


def indicator(indicator_id: str) -> dict[str, str]:
    """Return one catalog row as a dict; raise :class:`CatalogError` if the id is unknown.

    Examples
    --------
    >>> indicator("ntm_communes_count")["name_en"]
    'Communes meeting the new-rural standard'
    """
    df = _load()
    row = df[df["id"] == indicator_id]
    if row.empty:
        raise CatalogError(f"unknown indicator id {indicator_id!r}")
    return row.iloc[0].to_dict()


def indicator_label(indicator_id: str, lang: str = "vi", *, unit: bool = False) -> str:
    """Return the indicator's name in *lang* (``"vi"`` or ``"en"``), optionally with unit.

    Examples
    --------
    >>> indicator_label("forest_cover_pct", "en", unit=True)
    'Forest cover rate (%)'
    """
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    row = indicator(indicator_id)
    name = row[f"name_{lang}"]
    return f"{name} ({row['unit']})" if unit else name


def with_weights(ids) -> set[str]:
    """Return the indicator *ids* and the weights of their aggregation rules.

    An indicator aggregated as ``weighted_mean:<weight id>`` is read with its weight
    (e.g. ``households_count``): whoever reads the one reads the other.

    Examples
    --------
    >>> sorted(with_weights({"clean_water_households_pct"}))
    ['clean_water_households_pct', 'households_count']
    """
    catalog = load_indicators()
    rules = catalog.loc[catalog["id"].isin(set(ids)), "aggregation"].astype(str)
    return set(ids) | {r.split(":", 1)[1] for r in rules if r.startswith("weighted_mean:")}
