"""Administrative units of Bắc Kạn across the 2019, 2020 and 2025 vintages.

Names → codes (:func:`resolve_area`, :func:`make_resolver`), the units of each vintage
(:func:`gazetteer`), crosswalks between vintages (:func:`crosswalk`), harmonisation and
aggregation of observations (:func:`harmonise`, :func:`aggregate`,
:func:`reconcile_totals`) and commune boundaries (:func:`load_boundaries`, which imports
geopandas only when called). See docs/admin.md.
"""

from __future__ import annotations

from .aggregate import aggregate, reconcile_totals
from .boundaries import load_boundaries
from .crosswalk import crosswalk
from .gazetteer import gazetteer
from .harmonise import harmonise
from .names import normalise_name
from .provinces import national_units, resolve_national
from .resolve import AreaMatch, AreaResolutionError, make_resolver, resolve_area

__all__ = [
    "AreaMatch",
    "AreaResolutionError",
    "aggregate",
    "crosswalk",
    "gazetteer",
    "harmonise",
    "load_boundaries",
    "make_resolver",
    "national_units",
    "normalise_name",
    "reconcile_totals",
    "resolve_area",
    "resolve_national",
]
