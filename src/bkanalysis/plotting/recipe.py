"""A figure given by the call that draws it, drawn only when its files are needed.

``deferred(plot_commune_map, obs, "forest_cover_pct", 2025, lang=lang)`` draws nothing
yet. :func:`~bkanalysis.plotting.save_figure` draws it when it writes its files, and
:func:`bkanalysis.notebook.show` shows the saved picture: in JupyterLab the result is
that of calling the plot function and saving its figure.

Inside ``bkanalysis report`` the call is also the figure's *recipe*. Its digest
(:meth:`DeferredFigure.recipe`) covers the plot function, every argument (tables by
their content), what ``save_figure`` is told, the ``SOURCES.yml`` entries of the files
the tables come from, matplotlib's settings, the libraries and fonts, and the report's
digest of the notebook, the package, the boundaries and the parameters. A figure whose
recipe is the one its previous files were made from is not drawn: the report copies
those files (a stale figure would need the same recipe, i.e. the same inputs).

A plot function declares which indicators it reads (:func:`reads`); the tables passed
to it with an ``indicator_id`` column are cut to those indicators (and the weights of
their aggregation rules, rows numbered afresh) *before the call*, in JupyterLab as in
the report. So the function cannot see another indicator's rows, and new data for
another indicator leaves the recipe as it was.

Examples
--------
>>> import pandas as pd
>>> calls = []
>>> @reads(lambda args: {args["indicator_id"]})
... def plot_it(observations, indicator_id):
...     calls.append(sorted(observations["indicator_id"].unique()))
>>> obs = pd.DataFrame({"indicator_id": ["forest_cover_pct", "forest_area_ha"], "value": [1.0, 2.0]})
>>> later = deferred(plot_it, obs, "forest_cover_pct")
>>> calls, later.drawn
([], False)
>>> _ = later.result
>>> calls
[['forest_cover_pct']]
"""

from __future__ import annotations

import hashlib
import inspect
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..catalog import with_weights

__all__ = ["DeferredFigure", "deferred", "reads"]

_READS = "__bkanalysis_reads__"


def reads(select: Callable[[dict], set[str] | None]):
    """Declare which indicators a plot function reads, from its bound arguments.

    *select* gets the call's arguments by name (defaults applied) and returns indicator
    ids, or None for every indicator. Used by :func:`deferred`. Declaring it is also a
    promise that the function reads nothing but its arguments (no global variable, no
    file outside the package): the report then trusts its recipe.
    """

    def mark(fn):
        setattr(fn, _READS, select)
        return fn

    return mark


def _vouched(plot: Callable) -> bool:
    """Whether *plot* reads nothing but its arguments, so that they stand for its figure.

    The package's plot functions (their data and code are in the report's digest), and
    functions that declare what they read (:func:`reads`: a promise to read nothing
    else). Not a lambda or a closure (the variables it captures are not arguments), a
    ``functools.partial`` or any other callable.
    """
    if not inspect.isfunction(plot) or plot.__closure__ or plot.__name__ == "<lambda>":
        return False
    return (plot.__module__ or "").startswith("bkanalysis.") or hasattr(plot, _READS)


class _UnhashableError(Exception):
    """An argument whose content the recipe cannot vouch for."""


def _feed(h, obj: Any) -> None:
    """Put *obj* into *h* by content, with its type (see :func:`_feed_frame` for tables)."""
    from .fingerprint import _feed as _feed_value

    if isinstance(obj, pd.DataFrame | pd.Series):
        _feed_frame(h, obj)
    elif isinstance(obj, list | tuple | set | frozenset | dict):
        h.update(f"{type(obj).__name__}{len(obj)}:".encode())
        if isinstance(obj, dict):
            items = sorted(obj.items(), key=lambda kv: repr(kv[0]))
        else:
            items = sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj
        for item in items:
            _feed(h, item)
    elif (
        obj is None
        or isinstance(obj, bool | int | float | str | bytes | np.generic)
        or (isinstance(obj, np.ndarray) and not obj.dtype.hasobject)
    ):
        _feed_value(h, obj)  # plain values as the figure fingerprint takes them
    else:
        raise _UnhashableError(type(obj).__name__)


def _feed_frame(h, df: pd.DataFrame | pd.Series) -> None:
    """Put a table into *h* by its content: class, columns, dtypes, index, values, ``attrs``."""
    h.update(f"{type(df).__module__}.{type(df).__qualname__}{df.shape}:".encode())
    try:
        data = pickle.dumps((df, df.attrs), protocol=5)
    except Exception as exc:  # whatever cannot be pickled is not vouched for
        raise _UnhashableError(f"table: {exc}") from None
    # NOTE: pickled bytes name the content exactly (the same bytes, the same table); two
    # equal tables pickled differently only make the figure drawn again.
    h.update(hashlib.sha256(data).digest())


class DeferredFigure:
    """The call ``plot(*args, **kwargs)`` of a plot function, made when needed (see module doc)."""

    def __init__(self, plot: Callable, args: tuple, kwargs: dict) -> None:
        if not callable(plot):
            from ..errors import BkError

            raise BkError(f"deferred: expected a plot function, got {type(plot).__name__}")
        self.plot = plot
        self.args, self.kwargs = _narrowed(plot, args, kwargs)
        self._result = None
        self._drawn = False
        #: Set by ``save_figure`` when it copied the files instead of drawing: the
        #: figure's dpi then (what the notebook shows it at).
        self.screen_dpi: float | None = None

    def __repr__(self) -> str:
        state = "drawn" if self._drawn else "not drawn"
        return f"<DeferredFigure {getattr(self.plot, '__qualname__', self.plot)!r} ({state})>"

    @property
    def drawn(self) -> bool:
        """Whether the plot function has been called."""
        return self._drawn

    @property
    def result(self):
        """What the plot function returns (an Axes or a Figure), calling it the first time."""
        if not self._drawn:
            self._result = self.plot(*self.args, **self.kwargs)
            self._drawn = True
        return self._result

    @property
    def figure(self) -> Figure:
        """The figure drawn (the plot function is called the first time)."""
        result = self.result
        return result if isinstance(result, Figure) else result.figure

    def recipe(self, context: object) -> str | None:
        """Digest of the call and *context* (None when the call cannot be vouched for).

        *context* is what else decides the figure's files (``save_figure``'s options,
        the report's digest, the ``SOURCES.yml`` entries …). Also covered: the plot
        function, matplotlib's settings, and the libraries, fonts and code that draw
        and write the files. No recipe: a figure already drawn (whatever was done to it
        since is not in the call), an argument whose content cannot be read (an Axes),
        and a plot function that may read more than its arguments (see :func:`reads`:
        only the package's functions and those that declare what they read have one).
        """
        from .fingerprint import _environment_key, drawing_settings

        if self._drawn or not _vouched(self.plot):
            return None
        h = hashlib.sha256(b"bkanalysis figure recipe v1;")
        try:
            _feed(h, (getattr(self.plot, "__module__", ""), getattr(self.plot, "__qualname__", "")))
            _feed(h, (self.args, self.kwargs, context))
        except _UnhashableError:
            return None
        _feed(h, _environment_key())
        _feed(h, drawing_settings())
        return h.hexdigest()

    def source_files(self) -> list[str]:
        """Return the raw files named in the ``source_file`` column of the call's tables."""
        files: set[str] = set()
        for value in (*self.args, *self.kwargs.values()):
            if isinstance(value, pd.DataFrame) and "source_file" in value.columns:
                files |= set(value["source_file"].dropna().astype(str))
        return sorted(files - {""})


def deferred(plot: Callable, /, *args, **kwargs) -> DeferredFigure:
    """Return the figure ``plot(*args, **kwargs)`` will draw, without drawing it yet.

    Pass it to :func:`~bkanalysis.plotting.save_figure` (which draws it, or inside
    ``bkanalysis report`` copies the files of the same figure made last time) and to
    :func:`bkanalysis.notebook.show`. ``.figure`` draws it now, e.g. to change it before
    saving (it is then always drawn and saved like any figure).

    Tables with an ``indicator_id`` column are cut to the indicators *plot* declares it
    reads (see :func:`reads`) before the call.
    """
    return DeferredFigure(plot, args, kwargs)


def _narrowed(plot: Callable, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Cut the tables of the call to the indicators *plot* reads (see :func:`reads`)."""
    select = getattr(plot, _READS, None)
    if select is None:
        return args, kwargs
    bound = inspect.signature(plot).bind(*args, **kwargs)
    arguments = dict(bound.arguments)
    bound.apply_defaults()
    ids = select(dict(bound.arguments))
    if ids is None:
        return args, kwargs
    keep = with_weights(ids)

    def cut(value):
        # NOTE: numbered afresh, so that rows of other indicators added or removed
        # before these (another workbook) leave the table, and its recipe, as it was
        if isinstance(value, pd.DataFrame) and "indicator_id" in value.columns:
            return value[value["indicator_id"].isin(keep)].reset_index(drop=True)
        return value

    narrowed = inspect.BoundArguments(bound.signature, {k: cut(v) for k, v in arguments.items()})
    return narrowed.args, narrowed.kwargs
