"""Excel ingestion: province workbooks → tidy observations + rejects (DESIGN.md §2–§4).

Modules: :mod:`.cells` (workbook → :class:`~.cells.SheetGrid`), :mod:`.numbers` (cell
values), :mod:`.labels` (periods, units, indicator labels), :mod:`.layouts` (tables and
their layout), :mod:`.specs` (declarative sheet specs), :mod:`.reader` (:func:`read_workbook`).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "read_workbook": "bkanalysis.ingest.reader",
    "WorkbookResult": "bkanalysis.ingest.reader",
    "read_grids": "bkanalysis.ingest.reader",
    "SheetGrid": "bkanalysis.ingest.cells",
    "Cell": "bkanalysis.ingest.cells",
    "load_workbook_grids": "bkanalysis.ingest.cells",
    "load_specs": "bkanalysis.ingest.specs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bkanalysis.ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
