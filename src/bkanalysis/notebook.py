"""The set-up shared by the report notebooks, and two things that make them cheap to run.

Every notebook in ``notebooks/`` starts the same way: figure theme, table format, the
observations, the year assessed; the themed ones check for commune boundaries and
assess the targets. One call each here replaces that boilerplate:

* :func:`setup` -- theme and table format, the observations, the year assessed;
* :func:`can_map` -- whether the commune boundaries are there (with a bilingual line);
* :func:`assessment` -- ``bkanalysis.assess(obs, as_of=year)``; inside ``bkanalysis
  report`` it is read from the one assessment the report computed for every notebook
  (``BKANALYSIS_ASSESSMENT``), when it was made from the same observations and year;
* :func:`show` -- the figure's picture in the notebook, made from the PNG that
  :func:`bkanalysis.plotting.save_figure` has just written, instead of drawing the
  figure once more (what ``plt.show()`` does); the figure is then closed.

A notebook opened in JupyterLab runs the same calls and gets the same results: without
the report's assessment it computes its own, and :func:`show` works in any kernel.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from .catalog import load_indicators
from .config import LANGS
from .display import use_table_format
from .errors import BkError
from .observations import load_observations
from .plotting import boundaries_available, use_theme
from .plotting.export import DPI, drawn_pixels
from .plotting.png import encode_png, opaque_rgb
from .plotting.recipe import DeferredFigure
from .progress import assess
from .report import shared_assessment
from .schema import VINTAGES

__all__ = ["assessment", "can_map", "setup", "show"]


def setup(year: int | None = None, lang: str = "vi", theme: str | None = None):
    """Set up a report notebook; return the observations and the year assessed.

    Switches on the figure theme and the table format, loads the observations
    (``data/processed``) and resolves *year* (None: the latest year of an observation
    that is not a plan), then prints one line: how many observations (of *theme*'s
    indicators, if given) and the year.

    Parameters
    ----------
    year : int, optional
        The notebook's ``year`` parameter.
    lang : {'vi', 'en'}
        The notebook's ``lang`` parameter (checked here, before any figure).
    theme : str, optional
        The notebook's theme (``"forest_water"``, …): counted in the printed line.

    Returns
    -------
    (pandas.DataFrame, int)
        The observations and the year assessed.
    """
    if lang not in LANGS:
        raise BkError(f"lang must be one of {LANGS}, got {lang!r}")
    use_theme()
    use_table_format()
    obs = load_observations()
    year = int(year or obs.loc[obs["status"] != "plan", "year"].max())
    counted, what = obs, "indicators"
    if theme is not None:
        indicators = load_indicators()
        counted = obs[obs["indicator_id"].isin(indicators.loc[indicators["theme"] == theme, "id"])]
        what = "indicators of the theme"
    print(f"{len(counted):,} observations, {counted['indicator_id'].nunique()} {what}; year={year}")
    return obs, year


def can_map() -> bool:
    """Return True if commune boundaries of every vintage are found; say so in one line."""
    found = all(boundaries_available(v) for v in VINTAGES)
    if found:
        print("Bản đồ cấp xã: có ranh giới / commune maps: boundaries found")
    else:
        print(
            "Không có ranh giới xã, bỏ qua bản đồ (chạy `make boundaries`) / "
            "No commune boundaries, maps skipped (run `make boundaries`)"
        )
    return found


def assessment(obs: pd.DataFrame, year: int) -> pd.DataFrame:
    """Assess every target against *obs* as of *year* (:func:`bkanalysis.assess`).

    Inside ``bkanalysis report`` the report has assessed the same observations once for
    all notebooks and its progress workbook; that assessment is used when it was made
    from *obs* and *year* (:func:`bkanalysis.report.shared_assessment`), and the targets
    are assessed here otherwise (a notebook run by hand, another year).
    """
    shared = shared_assessment(obs, year)
    return assess(obs, as_of=year) if shared is None else shared


def _screen_png(path: Path, dpi: float) -> bytes:
    """Return the PNG at *path* (drawn at :data:`DPI`) scaled down to *dpi*.

    The pixels come from memory when ``save_figure`` has just drawn that file, else
    from the file.
    """
    import numpy as np
    from PIL import Image

    factor = max(1, round(DPI / dpi))
    drawn = drawn_pixels(path)
    if drawn is not None:
        small = drawn.reduce(factor)
    else:
        with Image.open(path) as image:
            small = image.reduce(factor)
    if small.mode not in ("RGB", "RGBA"):
        small = small.convert("RGBA")
    pixels = np.asarray(small)
    return encode_png(opaque_rgb(pixels) if pixels.shape[2] == 4 else pixels)


def _in_kernel() -> bool:
    """Return True inside a Jupyter kernel (JupyterLab, papermill), where pictures show."""
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def show(fig, saved: dict) -> None:
    """Show *fig* in the notebook from its saved PNG, then close it.

    *saved* is what :func:`bkanalysis.plotting.save_figure` returned. The picture is the
    300-dpi PNG scaled down to the figure's screen resolution, so the figure is not drawn
    a second time (its pixels are still in memory when ``save_figure`` has just drawn
    it; otherwise the file is read); outside a Jupyter kernel, or without a PNG, this is ``plt.show()``.
    *fig* may be a deferred figure (:func:`bkanalysis.plotting.deferred`); one the
    report did not need to draw is shown from its copied PNG.
    """
    png = saved.get("png")
    if isinstance(fig, DeferredFigure):
        if not fig.drawn and png is not None and _in_kernel():
            # not drawn: the report copied its files (shown at the dpi it was drawn at)
            _display_png(png, fig.screen_dpi or plt.rcParams["figure.dpi"])
            return
        fig = fig.figure
    if png is None or not _in_kernel():
        plt.show()
        return
    _display_png(png, fig.dpi)
    plt.close(fig)


def _display_png(png, dpi: float) -> None:
    from IPython.display import Image, display

    display(Image(data=_screen_png(Path(png), dpi)))
