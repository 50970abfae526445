"""A digest of everything a figure draws, taken while it is laid out.

``save_figure`` lays a figure out once before writing it (the layout engine runs and
every artist draws on a renderer whose drawing calls do nothing) to find its tight
bounding box. :func:`layout_fingerprint` makes that same pass with drawing calls that
*record* instead: each primitive the figure sends to the renderer -- paths with their
vertices, codes and transforms, markers, collections, meshes, text with its font and
position -- goes into a hash with the graphics state it is drawn with (colours, widths,
dashes, clipping, hatches, alpha, snapping, links). The figure's image files are a
function of exactly those calls, of the bounding box, of matplotlib's settings and of
the libraries and code that write the files, so the digest (with those added) names the
files: two figures with the same digest give byte-identical PNG, SVG and PDF files.

``bkanalysis report`` uses it to copy a figure's previous files instead of drawing them
again at 300 dpi when nothing drawn changed. Whatever the digest cannot vouch for makes
it ``None``, and the figure is drawn as usual:

* an image (``imshow``, a raster): the layout pass sees it resampled at screen
  resolution, which may hide a change the 300 dpi file shows;
* an Agg filter, a non-affine transform, or any argument of a type this module does
  not know.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib import font_manager
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import BboxBase, Transform, TransformedPath

__all__ = ["layout_fingerprint", "with_options"]

#: Renderer methods that would make the figure depend on more than its drawing calls
#: (an Agg filter is any function of the pixels).
_UNSUPPORTED = ("start_filter", "stop_filter")
#: Recorded like drawing calls: a vector file rasterises what is drawn between them (at
#: the file's dpi, from the same calls).
_MARKERS = ("open_group", "close_group", "start_rasterizing", "stop_rasterizing")
#: Drawing calls whose arguments do not fully decide the 300 dpi file (see module doc).
_UNVOUCHED = ("draw_image",)


class _UnhashableError(Exception):
    """An argument (or a call) the digest cannot vouch for."""


def _feed(h, obj) -> None:  # noqa: C901 - one branch per kind of argument
    """Put *obj* into the hash *h*, with its type, so that different values never collide."""
    if obj is None or isinstance(obj, bool | int | float | str | bytes):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, np.ndarray):
        if np.ma.isMaskedArray(obj):
            h.update(b"masked:")
            _feed(h, np.ma.getdata(obj))
            _feed(h, np.ma.getmaskarray(obj))
        elif obj.dtype.hasobject:
            h.update(f"objects{obj.shape}:".encode())
            for item in obj.ravel():
                _feed(h, item)
        else:
            h.update(f"array:{obj.dtype.str}{obj.shape}:".encode())
            h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, np.generic):
        _feed(h, obj.item())
    elif isinstance(obj, list | tuple):
        h.update(f"seq{len(obj)}:".encode())
        for item in obj:
            _feed(h, item)
    elif isinstance(obj, dict):
        h.update(f"dict{len(obj)}:".encode())
        for key in sorted(obj, key=str):
            _feed(h, key)
            _feed(h, obj[key])
    elif isinstance(obj, enum.Enum):
        _feed(h, f"{type(obj).__name__}.{obj.name}")
    elif isinstance(obj, MplPath):
        h.update(b"path:")
        # NOTE: not its _interpolation_steps: a renderer never reads them (they matter
        # only to a non-affine transform, which makes the digest None), and matplotlib's
        # axhspan/axvspan set them on the unit rectangle every Rectangle shares, so
        # they depend on what the process drew before
        _feed(h, (obj.vertices, obj.codes, obj.should_simplify, obj.simplify_threshold))
    elif isinstance(obj, TransformedPath):
        _feed(h, obj.get_fully_transformed_path())
    elif isinstance(obj, BboxBase):
        _feed(h, obj.get_points())
    elif isinstance(obj, Transform):
        if not obj.is_affine:
            raise _UnhashableError(f"non-affine transform {type(obj).__name__}")
        _feed(h, obj.get_matrix())
    elif isinstance(obj, GraphicsContextBase):
        h.update(f"gc:{type(obj).__name__}:".encode())
        _feed(h, vars(obj))
    elif isinstance(obj, FontProperties):
        _feed(h, _font_key(obj))
    elif isinstance(obj, Text):
        _feed(h, _text_key(obj))
    else:
        raise _UnhashableError(f"argument of type {type(obj).__name__}")


def _font_key(prop: FontProperties) -> tuple:
    """Return what decides the glyphs of *prop*: its properties and its font file."""
    families = tuple(prop.get_family())
    fname = prop.get_file()
    resolved = fname or font_manager.findfont(prop)
    return (
        families, prop.get_style(), prop.get_variant(), prop.get_weight(),
        prop.get_stretch(), prop.get_size_in_points(), prop.get_math_fontfamily(),
        str(fname), _file_key(str(resolved)),
    )  # fmt: skip


@cache
def _file_key(path: str) -> tuple:
    """Return a font file's path, size and modification time (a font upgraded in place)."""
    try:
        st = Path(path).stat()
    except OSError:
        return (path,)
    return (path, st.st_size, st.st_mtime_ns)


def _text_key(text: Text) -> tuple:
    """Return what the vector writers read from the Text itself (besides its string)."""
    return (
        tuple(text.get_transform().transform(text.get_unitless_position())),
        text.get_rotation_mode(), text.get_horizontalalignment(),
        text.get_verticalalignment(), text.get_rotation(),
        repr(text.get_fontfeatures()), repr(text.get_language()),
    )  # fmt: skip


@cache
def _environment_key() -> str:
    """Return a digest of the libraries, fonts and code that write the files (once)."""
    import PIL
    import zlib_ng

    try:
        from fontTools import version as fonttools_version
    except ImportError:  # pragma: no cover - fontTools ships with matplotlib
        fonttools_version = ""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for part in (
        mpl.__version__,
        PIL.__version__,
        zlib_ng.__version__,
        fonttools_version,
        mpl.ft2font.__freetype_version__,
        sorted((f.fname, f.name, f.style, f.weight) for f in font_manager.fontManager.ttflist),
    ):
        h.update(repr(part).encode())
    for module in ("export.py", "fingerprint.py", "png.py"):
        h.update((here / module).read_bytes())
    return h.hexdigest()


#: Settings of the interactive session, not of a drawing: ``interactive`` turns on when
#: the notebook's first pyplot figure starts the inline backend, whichever figure that is.
_SESSION_SETTINGS = frozenset({
    "backend", "backend_fallback", "interactive", "toolbar", "figure.raise_window",
    "figure.max_open_warning",
})  # fmt: skip


def drawing_settings() -> list[tuple[str, str]]:
    """Return matplotlib's settings that can change a figure's files, as sorted text pairs.

    All of ``rcParams`` but the interactive session's (backend, interactive mode,
    toolbar, key bindings, the web backend's).
    """
    return sorted(
        (key, repr(value))
        for key, value in mpl.rcParams.items()
        if key not in _SESSION_SETTINGS and not key.startswith(("keymap.", "webagg."))
    )


def _recorder(h, name: str, problems: list[str]):
    """Return a drawing call that feeds its name and arguments to *h* instead of drawing."""

    def record(*args, **kwargs):
        if problems:
            return
        if name in _UNVOUCHED or name in _UNSUPPORTED:
            problems.append(name)
            return
        try:
            _feed(h, (name, args, kwargs))
        except _UnhashableError as exc:
            problems.append(f"{name}: {exc}")

    return record


@contextlib.contextmanager
def _recording(renderer, h, problems: list[str]) -> Iterator[None]:
    """Replace every drawing call of *renderer* by a recorder (as ``_draw_disabled`` does)."""
    names = sorted(
        name
        for name in {*dir(RendererBase), *dir(type(renderer)), *vars(renderer)}
        if name.startswith("draw_") or name in (*_MARKERS, *_UNSUPPORTED)
    )
    own = vars(renderer)
    saved = {name: own[name] for name in names if name in own}
    for name in names:
        setattr(renderer, name, _recorder(h, name, problems))
    try:
        yield
    finally:
        for name in names:
            if name in saved:
                setattr(renderer, name, saved[name])
            else:
                delattr(renderer, name)


def layout_fingerprint(fig, renderer) -> str | None:
    """Lay *fig* out on *renderer* without rendering; return the digest of its drawing.

    The pass is the one ``Figure.draw_without_rendering`` makes (the layout engine runs,
    no drawing call does anything), so the figure is laid out exactly as then. The
    digest also covers the figure's size and dpi, matplotlib's settings, and the
    libraries, fonts and code that write the files; it is ``None`` when the figure draws
    something it cannot vouch for (see the module docstring).
    """
    h = hashlib.sha256()
    problems: list[str] = []
    with _recording(renderer, h, problems):
        fig.draw(renderer)
    if problems:
        return None
    _feed(h, (fig.dpi, fig.bbox.bounds, _environment_key()))
    _feed(h, drawing_settings())
    return h.hexdigest()


def with_options(digest: str | None, options: object) -> str | None:
    """Add the options the files are written with (bounding box, ...) to *digest*."""
    if digest is None:
        return None
    h = hashlib.sha256(digest.encode())
    try:
        _feed(h, options)
    except _UnhashableError:
        return None
    return h.hexdigest()
