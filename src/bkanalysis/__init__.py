"""bkanalysis: Bắc Kạn's Green Growth Action Plan against the province's own data.

Public names are imported lazily, so ``import bkanalysis`` stays fast and does not
pull in pandas, geopandas or matplotlib until a function that needs them is used.

Examples
--------
>>> import bkanalysis
>>> bkanalysis.vintage_for_year(2021)
'2020'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # foundation
    "get_paths": "bkanalysis.config",
    "validate_observations": "bkanalysis.schema",
    "empty_observations": "bkanalysis.schema",
    "vintage_for_year": "bkanalysis.schema",
    "OBSERVATION_COLUMNS": "bkanalysis.schema",
    "load_indicators": "bkanalysis.catalog",
    "indicator": "bkanalysis.catalog",
    "indicator_label": "bkanalysis.catalog",
    "BkError": "bkanalysis.errors",
    # ingestion
    "read_workbook": "bkanalysis.ingest",
    "build": "bkanalysis.pipeline",
    "load_observations": "bkanalysis.observations",
    # administrative units
    "gazetteer": "bkanalysis.admin",
    "resolve_area": "bkanalysis.admin",
    "make_resolver": "bkanalysis.admin",
    "normalise_name": "bkanalysis.admin",
    "crosswalk": "bkanalysis.admin",
    "harmonise": "bkanalysis.admin",
    "aggregate": "bkanalysis.admin",
    "reconcile_totals": "bkanalysis.admin",
    "load_boundaries": "bkanalysis.admin",
    # targets and progress
    "load_targets": "bkanalysis.targets",
    "Target": "bkanalysis.targets",
    "assess": "bkanalysis.progress",
    "format_assessment": "bkanalysis.progress",
    "write_progress_workbook": "bkanalysis.progress",
    "emissions_vs_bau": "bkanalysis.emissions",
    "project_emissions": "bkanalysis.emissions",
    # figures and tables
    "save_figure": "bkanalysis.plotting",
    "use_table_format": "bkanalysis.display",
    "use_theme": "bkanalysis.plotting",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bkanalysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
