"""Helpers shared by the plotting modules: number formats, colours, data record.

The UI words drawn on figures (:data:`bkanalysis.labels.WORDS`) live in
:mod:`bkanalysis.labels`, beside the unit labels, because tables and the progress
workbook use them too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.ticker import FuncFormatter

from ..catalog import indicator, indicator_label
from ..errors import BkError
from ..labels import unit_label

_COMPARATOR_SYMBOL = {">=": "≥ ", ">": "> ", "=": "", "<=": "≤ ", "<": "< "}

#: Units whose values are whole counts (no decimals on a figure).
COUNT_UNITS = frozenset({"communes", "criteria", "year", "facilities", "persons", "households"})


def check_lang(lang: str) -> str:
    """Reject a language other than ``vi``/``en``."""
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    return lang


def format_number(value: float, lang: str, decimals: int | None = None) -> str:
    """Format *value* with the thousands/decimal separators of *lang*.

    >>> format_number(12345.6, "vi", 1), format_number(12345.6, "en", 1)
    ('12.345,6', '12,345.6')
    """
    if value is None or pd.isna(value):
        return "–"
    if decimals is None:
        a = abs(float(value))
        decimals = 0 if a >= 100 or float(value).is_integer() else (1 if a >= 10 else 2)
    text = f"{float(value):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def axis_formatter(lang: str):
    """Return a tick formatter using *lang*'s separators."""

    def _fmt(x, _pos):
        if float(x).is_integer():
            return format_number(x, lang, 0)
        return format_number(x, lang, None)

    return FuncFormatter(_fmt)


def label_with_unit(indicator_id: str, lang: str) -> str:
    """Return the catalog name of *indicator_id* in *lang* with its unit, e.g. ``… (xã)``."""
    return f"{indicator_label(indicator_id, lang)} ({unit_label(indicator(indicator_id)['unit'], lang)})"


def comparator_text(
    comparator: str, value: Any, low: Any, high: Any, *, unit: str, lang: str
) -> str:
    """Describe a target such as ``≥ 72 %`` or ``10–15 m²/người``.

    >>> comparator_text(">=", 10, None, None, unit="criteria", lang="vi")
    '≥ 10 tiêu chí'
    >>> comparator_text("range", None, 10, 15, unit="m2/person", lang="en")
    '10–15 m²/person'
    """
    u = unit_label(unit, lang)
    if comparator == "range":
        return f"{format_number(low, lang)}–{format_number(high, lang)} {u}"
    if comparator == "maintain":
        return f"≥ {format_number(value, lang)} {u}"
    return f"{_COMPARATOR_SYMBOL.get(comparator, comparator + ' ')}{format_number(value, lang)} {u}"


def check_frame(frame: Any, columns: Iterable[str], *, what: str, made_by: str) -> None:
    """Raise :class:`BkError` unless *frame* is a DataFrame holding *columns*.

    For the frames the plots draw that are made by another function (an assessment, the
    emission accounts); the message names that function (*made_by*). Observations are
    checked by :func:`bkanalysis.observations.check_observations`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise BkError(f"{what}: expected the DataFrame of {made_by}, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BkError(
            f"{what}: missing column(s) {', '.join(missing)}; pass the output of {made_by}"
        )


def remember_data(fig: Any, df: pd.DataFrame) -> None:
    """Record the frame drawn on *fig*, so :func:`save_figure` can export it."""
    store = getattr(fig, "_bkanalysis_data", None)
    if store is None:
        store = []
        fig._bkanalysis_data = store
    store.append(df.reset_index(drop=True))


def recorded_data(fig: Any) -> pd.DataFrame | None:
    """Return the frames recorded on *fig* by the plot functions, concatenated."""
    store = getattr(fig, "_bkanalysis_data", None)
    if not store:
        return None
    return pd.concat(store, ignore_index=True, sort=False)


def text_colour_on(colour: str) -> str:
    """Black or white, whichever reads better on *colour*."""
    r, g, b = to_rgb(colour)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if luminance > 0.45 else "white"


@contextlib.contextmanager
def deferred_draw(fig: Any) -> Iterator[None]:
    """Skip the canvas redraws that ``GeoDataFrame.plot`` asks for while we build *fig*.

    NOTE: geopandas calls ``plt.draw()`` after every layer; with the Agg backend each
    call renders the whole figure (about 0.5 s for a commune map), so a map with its
    outlines would be rendered five times before anyone looks at it.
    """
    canvas = fig.canvas
    own = "draw_idle" in vars(canvas)
    previous = vars(canvas).get("draw_idle")
    canvas.draw_idle = lambda *args, **kwargs: None
    try:
        yield
    finally:
        if own:
            canvas.draw_idle = previous
        else:
            del canvas.draw_idle
