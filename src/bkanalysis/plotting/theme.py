"""The one theme of every bkanalysis figure.

* colour-blind-safe categorical palette (Okabe & Ito 2008);
* status colours and labels read from ``bkanalysis/data/statuses.csv`` (never redefined);
* DejaVu Sans, which ships with matplotlib and covers every Vietnamese diacritic;
* sizes for an A4 policy brief: full text width 16 cm, half width 8 cm;
* PDF/SVG text kept as text: TrueType fonts embedded (``pdf.fonttype`` 42), SVG text
  as ``<text>`` (``svg.fonttype`` ``'none'``), so a designer can edit the labels.

Plot functions draw inside :func:`theme_context`, so they look the same whether or
not :func:`use_theme` was called; :func:`use_theme` also styles the user's own plots.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import matplotlib as mpl
import matplotlib.colors as mcolors
from cycler import cycler

from ..catalog import read_package_csv
from ..errors import CatalogError

__all__ = [
    "CONTEXTS",
    "FULL_WIDTH_CM",
    "HALF_WIDTH_CM",
    "OKABE_ITO",
    "SEQUENTIAL_CMAP",
    "figsize",
    "status_colour",
    "status_label",
    "status_table",
    "theme_context",
    "theme_rc",
    "use_theme",
]

#: Text width of an A4 brief, in centimetres.
FULL_WIDTH_CM = 16.0
#: Width of a half-width (two-column) figure, in centimetres.
HALF_WIDTH_CM = 8.0
_CM = 1 / 2.54

#: Okabe–Ito colour-blind-safe palette (black last, used for reference lines).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Sequential colour map of choropleths (ColorBrewer YlGnBu: colour-blind and print safe).
SEQUENTIAL_CMAP = "YlGnBu"
FONT_FAMILY = "DejaVu Sans"

#: Base font size (pt) per context.
CONTEXTS: dict[str, float] = {"brief": 8.0, "notebook": 10.0, "slide": 14.0}
_current = {"context": "brief"}


def figsize(width: str | float = "full", aspect: float = 0.62) -> tuple[float, float]:
    """Return a matplotlib ``figsize`` (inches) for a brief.

    Parameters
    ----------
    width : {'full', 'half'} or float
        Full text width (16 cm), half width (8 cm), or a width in centimetres.
    aspect : float, default 0.62
        Height divided by width.

    Examples
    --------
    >>> w, h = figsize("full", aspect=0.5)
    >>> round(w * 2.54, 1), round(h * 2.54, 1)
    (16.0, 8.0)
    >>> round(figsize("half")[0] * 2.54, 1)
    8.0
    """
    if isinstance(width, str):
        widths = {"full": FULL_WIDTH_CM, "half": HALF_WIDTH_CM}
        if width not in widths:
            raise ValueError(f"width must be 'full', 'half' or a number of cm, got {width!r}")
        cm = widths[width]
    else:
        cm = float(width)
        if not cm > 0:
            raise ValueError(f"width must be positive, got {width!r}")
    if not aspect > 0:
        raise ValueError(f"aspect must be positive, got {aspect!r}")
    return (cm * _CM, cm * _CM * aspect)


def theme_rc(context: str = "brief") -> dict[str, Any]:
    """Return the rcParams of the theme for *context* (``brief``, ``notebook``, ``slide``).

    Examples
    --------
    >>> rc = theme_rc("brief")
    >>> rc["pdf.fonttype"], rc["svg.fonttype"], rc["font.family"]
    (42, 'none', ['DejaVu Sans'])
    """
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(CONTEXTS)}, got {context!r}")
    base = CONTEXTS[context]
    return {
        "font.family": [FONT_FAMILY],
        "font.sans-serif": [FONT_FAMILY],
        "font.size": base,
        "axes.titlesize": base + 1,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": base,
        "xtick.labelsize": base - 1,
        "ytick.labelsize": base - 1,
        "legend.fontsize": base - 1,
        "legend.title_fontsize": base - 1,
        "legend.frameon": False,
        "figure.titlesize": base + 2,
        "figure.titleweight": "bold",
        "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,
        "axes.edgecolor": "#444444",
        "axes.linewidth": 0.6,
        "grid.color": "#DDDDDD",
        "grid.linewidth": 0.5,
        "lines.linewidth": 1.4,
        "lines.markersize": 4.5,
        "patch.linewidth": 0.4,
        "hatch.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "figure.figsize": figsize("full"),
        "figure.dpi": 100,
        "savefig.dpi": 300,
        "image.cmap": SEQUENTIAL_CMAP,
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "svg.fonttype": "none",
        "svg.hashsalt": "bkanalysis",
        "axes.formatter.use_locale": False,
    }


def use_theme(context: str = "brief") -> dict[str, Any]:
    """Apply the bkanalysis theme to matplotlib (and seaborn) globally.

    Parameters
    ----------
    context : {'brief', 'notebook', 'slide'}
        Font sizes: 8 pt for an A4 brief, 10 pt on screen, 14 pt for slides.

    Returns
    -------
    dict
        The rcParams that were set.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():
    ...     _ = use_theme("brief")
    ...     mpl.rcParams["pdf.fonttype"]
    42
    """
    # NOTE: imported here, not at the top: seaborn takes ~2 s to import; the plots
    # themselves need only matplotlib's rcParams (theme_context).
    import seaborn as sns

    rc = theme_rc(context)
    sns.set_theme(context="paper", style="whitegrid", palette=list(OKABE_ITO), rc=rc)
    mpl.rcParams.update(rc)
    _current["context"] = context
    return rc


@contextlib.contextmanager
def theme_context(context: str | None = None) -> Iterator[dict[str, Any]]:
    """Temporarily apply the theme (the context last chosen by :func:`use_theme`).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with theme_context():
    ...     mpl.rcParams["svg.fonttype"]
    'none'
    """
    rc = theme_rc(context or _current["context"])
    with mpl.rc_context(rc):
        yield rc


@lru_cache(maxsize=1)
def status_table() -> Any:
    """Return ``statuses.csv`` (status, order, label_vi, label_en, colour) sorted by order.

    Examples
    --------
    >>> status_table()["status"].tolist()[:3]
    ['achieved', 'met', 'on_track']
    """
    df = read_package_csv("statuses.csv")
    need = ["status", "order", "label_vi", "label_en", "colour"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise CatalogError(f"statuses.csv: missing column(s) {', '.join(missing)}")
    for row in df.itertuples(index=False):
        if not mcolors.is_color_like(row.colour):
            raise CatalogError(f"statuses.csv: status {row.status!r}: bad colour {row.colour!r}")
    df["order"] = df["order"].astype(int)
    return df.sort_values("order").reset_index(drop=True)


def _status_row(status: str) -> dict[str, Any]:
    df = status_table()
    row = df[df["status"] == status]
    if row.empty:
        raise CatalogError(f"unknown status {status!r}; statuses.csv has {', '.join(df['status'])}")
    return row.iloc[0].to_dict()


def status_colour(status: str) -> str:
    """Return the colour of an assessment status, from ``statuses.csv``.

    Examples
    --------
    >>> status_colour("achieved")
    '#009E73'
    """
    return _status_row(status)["colour"]


def status_label(status: str, lang: str = "vi") -> str:
    """Return the label of an assessment status in *lang*.

    Examples
    --------
    >>> status_label("off_track", "vi"), status_label("off_track", "en")
    ('Chậm tiến độ', 'Off track')
    """
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    return _status_row(status)[f"label_{lang}"]
