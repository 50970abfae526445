"""Progress of the plan's targets.

Two modules: :mod:`~bkanalysis.progress.assessment` judges each target against the data
(:func:`assess`, :func:`opensdg_progress`); :mod:`~bkanalysis.progress.output` shows an
assessment (:func:`format_assessment`, :func:`reading_text`,
:func:`write_progress_workbook`). The ``bkanalysis status`` command is in
:mod:`bkanalysis.commands`.
"""

from __future__ import annotations

from .assessment import ASSESSMENT_COLUMNS, COUNT_READINGS, METHODS, assess, opensdg_progress
from .output import format_assessment, reading_text, write_progress_workbook

__all__ = [
    "ASSESSMENT_COLUMNS",
    "COUNT_READINGS",
    "METHODS",
    "assess",
    "format_assessment",
    "opensdg_progress",
    "reading_text",
    "write_progress_workbook",
]
