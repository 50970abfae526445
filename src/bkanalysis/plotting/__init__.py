"""Figures for policy briefs: one theme, target charts, commune maps, export.

Importing this package imports matplotlib and shapely (seaborn, geopandas and
mapclassify when a figure needs them); ``import bkanalysis`` alone does not. See
docs/figures.md.

Examples
--------
>>> from bkanalysis.plotting import figsize, status_colour
>>> round(figsize("half")[0] * 2.54, 1), status_colour("on_track")
(8.0, '#56B4E9')
"""

from __future__ import annotations

from ..admin.boundaries import boundaries_available
from .charts import (
    plot_dashboard,
    plot_district_small_multiples,
    plot_emissions_vs_bau,
    plot_target_series,
    resolve_target,
)
from .comparison import plot_area_comparison
from .export import read_manifest, save_figure
from .maps import (
    commune_values,
    plot_commune_map,
    plot_commune_small_multiples,
    plot_target_map,
)
from .recipe import DeferredFigure, deferred
from .theme import (
    FULL_WIDTH_CM,
    HALF_WIDTH_CM,
    OKABE_ITO,
    figsize,
    status_colour,
    status_label,
    theme_context,
    use_theme,
)

__all__ = [
    "FULL_WIDTH_CM",
    "HALF_WIDTH_CM",
    "OKABE_ITO",
    "DeferredFigure",
    "boundaries_available",
    "commune_values",
    "deferred",
    "figsize",
    "plot_area_comparison",
    "plot_commune_map",
    "plot_commune_small_multiples",
    "plot_dashboard",
    "plot_district_small_multiples",
    "plot_emissions_vs_bau",
    "plot_target_map",
    "plot_target_series",
    "read_manifest",
    "resolve_target",
    "save_figure",
    "status_colour",
    "status_label",
    "theme_context",
    "use_theme",
]
