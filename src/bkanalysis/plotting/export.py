"""Export a figure for a policy brief: PNG, SVG, PDF, its data as CSV, a manifest row.

:func:`save_figure` writes ``<name>.png`` (300 dpi), ``<name>.svg`` (text as text),
``<name>.pdf`` (TrueType fonts embedded, text editable) and ``<name>.csv`` (the data
behind the figure, UTF-8 with BOM) into a folder, and upserts the figure's row in that
folder's ``manifest.csv``. Before saving it writes a footer naming the sources on the
figure and, when any input is synthetic or undocumented, the words
"Dữ liệu minh hoạ / Illustrative data" on its face.

The folder, unless given, is :func:`bkanalysis.config.export_dir`: inside
``bkanalysis report`` the report's staging folder of the notebook (published to
``reports/<lang>/figures/`` when the notebook succeeds), anywhere else
``reports/scratch/<notebook>/<lang>/figures/`` -- a notebook run by hand never writes into
the report's folders.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import textwrap
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import matplotlib as mpl
import pandas as pd

from ..config import (
    FIGURE_FORMATS,
    FORMATS_ENV,
    MANIFEST_COLUMNS,
    RECIPE_ENV,
    export_dir,
    figure_formats,
    figures_dir,
    notebook_name,
    reuse_dir,
)
from ..errors import BkError
from ..io import write_bytes_atomic, write_csv_atomic
from ..labels import word
from ..provenance import describe_sources, is_synthetic, source_entry_digests
from ._common import check_lang, recorded_data
from .fingerprint import layout_fingerprint, with_options
from .recipe import DeferredFigure
from .theme import theme_context

__all__ = ["DPI", "FORMATS", "MANIFEST_COLUMNS", "read_manifest", "save_figure"]

#: Columns added after manifests were first written: empty when an older manifest lacks them.
_LATER_COLUMNS = ("width_cm", "lang", "notebook")
#: Image formats :func:`save_figure` can write.
FORMATS: tuple[str, ...] = FIGURE_FORMATS
#: Resolution of the PNG (and of the rasterised parts of the SVG and PDF).
DPI = 300
_NAME = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
_GID_FOOTER = "bk_footer"
_GID_ILLUSTRATIVE = "bk_illustrative"
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


def _bilingual(value: str | dict | None, what: str, lang: str) -> dict[str, str]:
    """Turn a str (in *lang*) or a {'vi':…, 'en':…} dict into both languages."""
    if value is None:
        return {"vi": "", "en": ""}
    if isinstance(value, str):
        return {"vi": value, "en": ""} if lang == "vi" else {"vi": "", "en": value}
    if isinstance(value, dict):
        extra = set(value) - {"vi", "en"}
        if extra:
            raise BkError(f"{what}: keys must be 'vi' and 'en', got {sorted(extra)!r}")
        out = {k: str(value.get(k) or "") for k in ("vi", "en")}
        if not out[lang]:
            raise BkError(f"{what}: no text for lang={lang!r}")
        return out
    raise BkError(
        f"{what}: expected a str or a dict {{'vi':…, 'en':…}}, got {type(value).__name__}"
    )


def _files_of(data: pd.DataFrame | None, source_files) -> list[str] | None:
    """Return the raw files a figure derives from (*source_files*, else data's source_file)."""
    if source_files is not None:
        if isinstance(source_files, str):
            source_files = [source_files]
        return sorted({str(f) for f in source_files if isinstance(f, str) and f})
    if data is None or "source_file" not in data.columns:
        return None
    return sorted(set(data["source_file"].dropna().astype(str)) - {""})


def _source_lines(
    sources, files: list[str] | None, lang: str, *, citations: bool = False
) -> list[str]:
    if sources is None:
        if files is None:
            raise BkError(
                "sources: name the sources, or pass source_files= (or data with a "
                "source_file column) to describe them from SOURCES.yml"
            )

        return describe_sources(files, lang=lang, citations=citations)
    if isinstance(sources, str):
        sources = [sources]
    lines = [str(s).strip() for s in sources if str(s).strip()]
    if not lines:
        raise BkError("sources: at least one source is needed for the footer")
    return lines


def _detect_synthetic(files: list[str] | None) -> bool:
    """Conservative: True unless every source file is a published file in SOURCES.yml."""
    if files is None:
        return True

    return is_synthetic(files)


def _clear_marks(fig) -> None:
    for text in list(fig.texts):
        if text.get_gid() in {_GID_FOOTER, _GID_ILLUSTRATIVE}:
            text.remove()


def _mark_figure(fig, lines: list[str], synthetic: bool, lang: str) -> None:
    """Write the sources footer and, if synthetic, the illustrative-data stamp above it.

    No *lines*: no footer (a plain figure), the stamp alone.
    """
    from matplotlib.transforms import offset_copy

    _clear_marks(fig)
    width_in = fig.get_figwidth()
    size = mpl.rcParams["font.size"] - 1.5
    chars = max(40, int(width_in * 72 / (size * 0.55)))
    label = word("sources" if len(lines) > 1 else "source", lang)
    text = f"{label}: " + "; ".join(lines)
    wrapped = "\n".join(textwrap.wrap(text, chars))
    drop = 0.0
    if synthetic:
        stamp_size = mpl.rcParams["font.size"]
        fig.text(
            0.01, 0.0, word("illustrative", lang), ha="left", va="top",
            fontsize=stamp_size, fontweight="bold", color="#D55E00", gid=_GID_ILLUSTRATIVE,
            transform=offset_copy(fig.transFigure, fig=fig, x=2, y=-4, units="points"),
            bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "#D55E00",
                  "linewidth": 0.8},
        )  # fmt: skip
        drop = stamp_size * 1.9 + 4
    if not lines:
        return
    fig.text(
        0.01, 0.0, wrapped, ha="left", va="top", fontsize=size, color="#444444",
        gid=_GID_FOOTER, transform=offset_copy(fig.transFigure, fig=fig, y=-4 - drop, units="points"),
    )  # fmt: skip


def _figure_title(fig) -> str:
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        return fig._suptitle.get_text().replace("\n", " ")
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            t = ax.get_title(loc=loc)
            if t:
                return t.replace("\n", " ")
    return ""


def read_manifest(out_dir: str | Path | None = None) -> pd.DataFrame:
    """Read ``manifest.csv`` of *out_dir* (default ``reports/vi/figures``); empty if absent.

    A manifest written before the ``lang`` and ``notebook`` columns existed is read with
    those columns empty.

    Examples
    --------
    >>> import tempfile
    >>> read_manifest(tempfile.mkdtemp()).columns.tolist()[:3]
    ['name', 'title_vi', 'title_en']
    """
    out = Path(out_dir) if out_dir is not None else _default_dir()
    path = out / "manifest.csv"
    if not path.is_file():
        return pd.DataFrame(columns=list(MANIFEST_COLUMNS))
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for column in _LATER_COLUMNS:
        if column not in df.columns:
            df[column] = ""
    missing = [c for c in MANIFEST_COLUMNS if c not in df.columns]
    if missing:
        raise BkError(f"{path}: missing column(s) {', '.join(missing)}")
    return df.loc[:, list(MANIFEST_COLUMNS)]


@contextlib.contextmanager
def _locked(path: Path, *, timeout: float = 60.0, stale: float = 300.0) -> Iterator[None]:
    """Hold ``<path>.lock`` so that two processes never upsert the manifest at once.

    NOTE: a lock file made with O_EXCL works on every platform (no fcntl on Windows);
    a lock older than *stale* seconds is left over from a killed process and removed.
    """
    lock = path.with_name(path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            os.close(fd)
            break
        except FileExistsError:
            with contextlib.suppress(FileNotFoundError):
                if time.time() - lock.stat().st_mtime > stale:
                    lock.unlink()
                    continue
            if time.monotonic() > deadline:
                raise BkError(f"{lock}: another process holds the manifest lock") from None
            time.sleep(0.05)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


#: OpenType layout tables: a PDF places glyphs itself, so an embedded subset needs none.
_LAYOUT_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH"]


@contextlib.contextmanager
def _lean_pdf_fonts() -> Iterator[None]:
    """Embed PDF font subsets without their OpenType layout tables.

    matplotlib subsets each embedded TrueType font with fontTools; with DejaVu Sans most
    of that time (~0.35 s per font and file) goes into decompiling the large GSUB/GPOS
    tables, which a PDF never uses (matplotlib positions every glyph; text stays
    text). Dropping them more than halves the PDF export time. Falls back to the
    defaults if fontTools changes.
    """
    try:
        from fontTools.subset import Options
    except ImportError:  # pragma: no cover - fontTools ships with matplotlib
        yield
        return
    saved = getattr(Options, "_drop_tables_default", None)
    if not isinstance(saved, list):  # pragma: no cover - another fontTools layout
        yield
        return
    Options._drop_tables_default = saved + [t for t in _LAYOUT_TABLES if t not in saved]
    try:
        yield
    finally:
        Options._drop_tables_default = saved


def _tight_bbox(fig, pad_inches: float, *, fingerprint: bool = False):
    """Return the figure's tight bounding box (inches), padded, and the figure's fingerprint.

    ``bbox_inches="tight"`` lays out and draws the figure once more for each format;
    the bounding box is the same for all of them, so it is computed here once, after a
    layout pass that renders nothing. With *fingerprint*, that pass also records what
    the figure draws (:func:`~bkanalysis.plotting.fingerprint.layout_fingerprint`): the
    digest, with the bounding box added, names the image files; otherwise it is None.
    Returns ``("tight", None)`` when the canvas has no renderer to measure with.
    """
    get_renderer = getattr(fig.canvas, "get_renderer", None)
    if get_renderer is None:
        return "tight", None
    if fingerprint:
        renderer = get_renderer()
        digest = layout_fingerprint(fig, renderer)  # runs the layout engine
    else:
        fig.draw_without_rendering()  # runs the layout engine (constrained layout)
        renderer, digest = get_renderer(), None
    bbox = fig.get_tightbbox(renderer).padded(pad_inches)
    return bbox, with_options(digest, bbox.bounds)


@contextlib.contextmanager
def _layout_frozen(fig) -> Iterator[None]:
    """Keep the layout computed by :func:`_tight_bbox` while the formats are written.

    With a layout engine (constrained layout), every ``savefig`` lays the figure out
    again in an extra draw; the layout does not depend on the format or the dpi, so it
    is computed once and the engine is taken off until the files are written.

    NOTE: ``set_layout_engine("none")`` is not enough: it leaves a placeholder engine,
    and ``savefig`` still makes a whole layout pass (every text measured, nothing
    rendered) before each format whenever the figure has any engine. Taking the engine
    off entirely skips that pass: about a fifth of ``save_figure``'s time (see
    benchmarks/README.md). The files differ from those written with the extra pass
    only by floating-point rounding (a coordinate's last digit in some PDF and SVG
    files, at most 10⁻⁶ pt; the SVG's clip-path ids, hashed from unrounded
    rectangles); the PNG files are byte-identical.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        yield
        return
    if hasattr(fig, "_layout_engine"):  # matplotlib >= 3.6
        fig._layout_engine = None
    else:  # pragma: no cover - another matplotlib layout
        fig.set_layout_engine("none")
    try:
        yield
    finally:
        if hasattr(fig, "_layout_engine"):
            fig._layout_engine = engine
        else:  # pragma: no cover
            fig.set_layout_engine(engine)


def _write_images(fig, name: str, formats, *, bbox, out: Path, written: dict, reuse=None) -> None:
    """Write *fig* as each of *formats* into *out* (bounding box *bbox*).

    *reuse* is ``(folder, fingerprint)`` inside ``bkanalysis report``: the folder holds
    the files the report wrote for this figure last time, each with the fingerprint of
    the figure it was drawn from (``<name>.<fmt>.fingerprint``). A file whose fingerprint
    equals this figure's is copied instead of drawn (the same drawing gives the same
    bytes); the others are drawn. The figure's fingerprint is left in
    ``<out>/.fingerprints/<name>`` for the report to record.
    """
    folder, digest = reuse if reuse is not None else (None, None)
    for fmt in formats:
        previous = _previous_file(folder, f"{name}.{fmt}", digest)
        if previous is not None:
            written[fmt] = write_bytes_atomic(out / f"{name}.{fmt}", previous)
            continue
        png = _png(fig, bbox, out / f"{name}.png") if fmt == "png" else None
        if png is not None:
            written[fmt] = write_bytes_atomic(out / f"{name}.png", png)
            continue
        buf = io.BytesIO()
        # NOTE: fixed metadata and svg.hashsalt (set by the theme) keep the files
        # byte-identical across runs; pdf.fonttype 42 embeds TrueType fonts.
        with _lean_pdf_fonts() if fmt == "pdf" else contextlib.nullcontext():
            fig.savefig(
                buf, format=fmt, dpi=DPI, bbox_inches=bbox, pad_inches=0.08,
                metadata=_METADATA[fmt], facecolor="white",
            )  # fmt: skip
        written[fmt] = write_bytes_atomic(out / f"{name}.{fmt}", buf.getvalue())
    if folder is not None:
        stamp = out / ".fingerprints" / name
        if digest is None:
            stamp.unlink(missing_ok=True)
        else:
            write_bytes_atomic(stamp, digest.encode("ascii"))


#: The pixels of the PNG :func:`_png` wrote last: ``(path, (width, height), RGBA bytes)``.
_last_png: tuple[Path, tuple[int, int], bytes] | None = None


def _png(fig, bbox, path: Path) -> bytes | None:
    """Draw *fig* at :data:`DPI` inside *bbox*; return the PNG, and keep its pixels.

    None when there is no bounding box to draw in (a canvas that cannot measure, e.g. of
    a figure closed with ``plt.close``) or the drawn canvas is not the size expected:
    then nothing is kept, and the caller writes matplotlib's own PNG.

    The pixels are drawn as matplotlib's own PNG writer draws them, but written as RGB
    when the figure is opaque, which it is on its white background (the same picture
    as RGBA, in a smaller file), and by :func:`~bkanalysis.plotting.png.encode_png`
    (no row filter, zlib-ng) instead of Pillow: the same pixels, the dpi recorded, in
    about a fifth of the time. The pixels stay in memory (one figure's) for
    :func:`drawn_pixels`, so that the notebook's picture is made without decoding the
    file again.
    """
    global _last_png
    import numpy as np

    from .png import encode_png, opaque_rgb

    if isinstance(bbox, str):  # "tight": _tight_bbox had no renderer to measure with
        return None
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=DPI, bbox_inches=bbox, facecolor="white")
    size = (int(bbox.width * DPI), int(bbox.height * DPI))
    rgba = raw.getvalue()
    if len(rgba) != 4 * size[0] * size[1]:  # pragma: no cover - another matplotlib
        return None  # not the size expected: the caller writes matplotlib's own PNG
    _last_png = (path, size, rgba)
    pixels = np.frombuffer(rgba, np.uint8).reshape(size[1], size[0], 4)
    return encode_png(opaque_rgb(pixels), dpi=DPI)


def drawn_pixels(path: str | Path):
    """Return the picture of the PNG at *path* if the last :func:`save_figure` drew it, else None.

    A PIL image (RGBA), from memory: the same pixels as the file.
    """
    if _last_png is None or Path(path) != _last_png[0]:
        return None
    from PIL import Image

    _, size, rgba = _last_png
    return Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1)


def _previous_file(folder: Path | None, filename: str, digest: str | None) -> bytes | None:
    """Return the bytes of *filename* in *folder* if it was drawn from a figure *digest*."""
    if folder is None or digest is None:
        return None
    try:
        if (folder / f"{filename}.fingerprint").read_text(encoding="ascii").strip() != digest:
            return None
        return (folder / filename).read_bytes()
    except (OSError, UnicodeDecodeError):
        return None


@contextlib.contextmanager
def _titles_hidden(fig, hide: bool) -> Iterator[None]:
    """Hide the figure's suptitle and Axes titles while it is saved (if *hide*)."""
    if not hide:
        yield
        return
    texts = [fig._suptitle] if getattr(fig, "_suptitle", None) is not None else []
    for ax in fig.axes:
        texts.extend(t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text())
    shown = [t.get_visible() for t in texts]
    for t in texts:
        t.set_visible(False)
    try:
        yield
    finally:
        for t, visible in zip(texts, shown, strict=True):
            t.set_visible(visible)


def _default_dir() -> Path:
    return figures_dir("vi")


def save_figure(  # noqa: PLR0913 - a documented public API: one keyword per option
    fig,
    name: str,
    *,
    caption: str | dict,
    sources: str | list[str] | None,
    lang: str = "vi",
    data: pd.DataFrame | None = None,
    synthetic: bool | None = None,
    source_files: Iterable[str] | None = None,
    title: str | dict | None = None,
    out_dir: str | Path | None = None,
    formats: tuple[str, ...] | None = None,
    plain: bool = False,
) -> dict[str, Path]:
    """Save *fig* for a brief, with its data, footer and manifest row.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or DeferredFigure
        The figure (``ax.figure`` for a single-Axes plot), or the call that draws it
        (:func:`bkanalysis.plotting.deferred`): drawn here, or inside ``bkanalysis
        report`` not drawn at all when its recipe is that of its previous files.
    name : str
        File stem named by content, lowercase ``a-z0-9`` words joined by ``_`` or
        ``-`` (e.g. ``"forest_cover_by_commune_2023"``).
    caption : str or dict
        Caption for the brief; a str is in *lang*, a dict gives ``{'vi':…, 'en':…}``.
    sources : str, list of str or None
        Sources named in the footer. ``None``: the source files (*source_files*, else
        the ``source_file`` column of *data*) described from ``SOURCES.yml`` with
        :func:`bkanalysis.provenance.describe_sources`.
    lang : {'vi', 'en'}
        Language of the figure (its footer).
    data : pandas.DataFrame, optional
        The data behind the figure, written as ``<name>.csv``. Default: the frames the
        bkanalysis plot functions drew on *fig*. Required for any other figure.
    synthetic : bool, optional
        Whether the figure derives from synthetic input. ``None``: True unless every
        source file (*source_files*, else the ``source_file`` column of *data*) is a
        published file in ``SOURCES.yml``; data without provenance counts as
        illustrative (pass ``synthetic=False`` only when you know its provenance).
    source_files : iterable of str, optional
        The raw files the figure derives from (e.g. ``observations["source_file"]``),
        for a figure whose data has no ``source_file`` column (an assessment, the
        emissions table). Used for the footer when *sources* is None and for
        *synthetic*.
    title : str or dict, optional
        Title for the manifest (default: the figure's suptitle or first Axes title).
    out_dir : path, optional
        Default :func:`bkanalysis.config.export_dir` of *lang*: the report's staging
        folder when run by ``bkanalysis report``, else
        ``reports/scratch/<notebook>/<lang>/figures`` (a hand run never writes into the
        report's folders).
    formats : tuple of str, optional
        Image formats to write (a subset of :data:`FORMATS`). Default
        :func:`bkanalysis.config.figure_formats`: all three, unless ``BKANALYSIS_FORMATS``
        says otherwise (``bkanalysis report`` sets it from its ``--formats``, default
        ``png``).
    plain : bool, default False
        Draw neither the title nor the sources footer, for a document that sets them
        as a caption (the manifest still records both). The *Dữ liệu minh hoạ /
        Illustrative data* stamp stays on a synthetic figure.

    Returns
    -------
    dict
        Format (``png``, ``svg``, ``pdf``, ``csv``, ``manifest``) -> path written.

    Examples
    --------
    >>> import tempfile, pandas as pd, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([2019, 2020], [71.0, 72.6])
    >>> paths = save_figure(fig, "forest_cover_example", caption="Tỷ lệ che phủ rừng",
    ...     sources=["Niên giám thống kê Bắc Kạn 2023"], synthetic=True,
    ...     data=pd.DataFrame({"year": [2019, 2020], "value": [71.0, 72.6]}),
    ...     out_dir=tempfile.mkdtemp())
    >>> sorted(paths)
    ['csv', 'manifest', 'pdf', 'png', 'svg']
    >>> plt.close(fig)
    """
    global _last_png
    _last_png = None  # the pixels kept are those of this call's PNG, if it draws one
    check_lang(lang)
    options = {
        "name": name, "caption": caption, "sources": sources, "lang": lang, "data": data,
        "synthetic": synthetic, "source_files": source_files, "title": title,
        "formats": formats, "plain": plain,
    }  # fmt: skip
    out, folder = (Path(out_dir), None) if out_dir is not None else (export_dir(lang), reuse_dir())
    recipe = None
    if isinstance(fig, DeferredFigure):
        recipe = _recipe(fig, options) if folder is not None else None
        copied = None if recipe is None else _copy_previous(folder, out, name, recipe)
        if copied is not None:
            written, stamp = copied
            fig.screen_dpi = float(stamp.get("dpi") or mpl.rcParams["figure.dpi"])
            return written
        fig = fig.figure
    formats = _checked_formats(fig, name, formats)
    captions = _bilingual(caption, "caption", lang)
    if not captions[lang].strip():
        raise BkError("caption: empty caption")
    data = _figure_data(fig, name, data)
    files = _files_of(data, source_files)
    lines = _source_lines(sources, files, lang)
    if synthetic is None:
        synthetic = _detect_synthetic(files)
    titles = _bilingual(title, "title", lang) if title is not None else {"vi": "", "en": ""}
    if not titles[lang]:
        titles[lang] = _figure_title(fig)

    written: dict[str, Path] = {}
    with theme_context(), _titles_hidden(fig, plain):
        _mark_figure(fig, [] if plain else lines, bool(synthetic), lang)
        bbox, digest = _tight_bbox(fig, 0.08, fingerprint=folder is not None)
        reuse = None if folder is None else (folder, digest)
        with _layout_frozen(fig):
            _write_images(fig, name, formats, bbox=bbox, out=out, written=written, reuse=reuse)
    written["csv"] = write_csv_atomic(data.reset_index(drop=True), out / f"{name}.csv")
    row = {
        "name": name,
        "title_vi": titles["vi"],
        "title_en": titles["en"],
        "caption_vi": captions["vi"],
        "caption_en": captions["en"],
        "sources": " | ".join(_source_lines(sources, files, lang, citations=True)),
        "synthetic": "true" if synthetic else "false",
        "files": ";".join(p.name for k, p in written.items()),
        # the width the figure is drawn for (16 cm full, 8 cm half): insert it at that width
        "width_cm": f"{fig.get_figwidth() * 2.54:.1f}",
        "lang": lang,  # the language drawn on the figure
        "notebook": notebook_name(),
    }
    written["manifest"] = _update_manifest(out, row)
    if recipe is not None:
        stamp = {"recipe": recipe, "row": row, "fingerprint": digest, "dpi": fig.dpi}
        write_bytes_atomic(out / ".recipes" / name, json.dumps(stamp, sort_keys=True).encode())
    return written


def _recipe(fig: DeferredFigure, options: dict) -> str | None:
    """Return the recipe of a deferred figure saved with *options* (None: no reuse).

    Besides the call and the options: the notebook, the report's digest of the
    notebook's code, parameters, package and boundaries (``BKANALYSIS_RECIPE``, set for
    each notebook it runs; none outside a report) and the ``SOURCES.yml`` entries of
    every raw file the call's tables, *data* or *source_files* name (the footer and the
    illustrative-data stamp are made from them).
    """
    context = os.environ.get(RECIPE_ENV, "").strip()
    if not context:
        return None
    files = set(fig.source_files())
    data, named = options["data"], options["source_files"]
    if isinstance(data, pd.DataFrame) and "source_file" in data.columns:
        files |= set(data["source_file"].dropna().astype(str))
    if named is not None:
        files |= {named} if isinstance(named, str) else {str(f) for f in named}
    entries = source_entry_digests()
    cited = {f: entries.get(f, entries.get("*")) for f in sorted(files)}
    return fig.recipe({
        "options": options, "formats": os.environ.get(FORMATS_ENV), "notebook": notebook_name(),
        "report": context, "sources": cited,
    })  # fmt: skip


def _copy_previous(folder: Path, out: Path, name: str, recipe: str) -> tuple[dict, dict] | None:
    """Copy the files of figure *name* made last time from the same *recipe*; None if none.

    The report put them in *folder* (checked unchanged since it wrote them) with the
    stamp ``<name>.recipe``: the recipe, the manifest row, the image fingerprint and the
    figure's dpi. Returns what :func:`save_figure` returns, and the stamp.
    """
    try:
        stamp = json.loads((folder / f"{name}.recipe").read_text(encoding="utf-8"))
        if stamp["recipe"] != recipe:
            return None
        row = stamp["row"]
        files = {f: (folder / f).read_bytes() for f in str(row["files"]).split(";") if f}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not files or any(Path(f).stem != name for f in files):
        return None
    written = {Path(f).suffix[1:]: write_bytes_atomic(out / f, b) for f, b in files.items()}
    if stamp.get("fingerprint"):
        write_bytes_atomic(out / ".fingerprints" / name, stamp["fingerprint"].encode("ascii"))
    write_bytes_atomic(out / ".recipes" / name, json.dumps(stamp, sort_keys=True).encode())
    written["manifest"] = _update_manifest(out, row)
    return written, stamp


def _checked_formats(fig, name, formats) -> tuple[str, ...]:
    """Check the figure, its file name and the formats asked for; return the formats."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise BkError(
            f"figure name {name!r}: use lowercase letters, digits and single '_' or '-' "
            "(e.g. 'forest_cover_by_commune_2023')"
        )
    if not hasattr(fig, "savefig"):
        raise BkError(f"fig: expected a matplotlib Figure, got {type(fig).__name__}")
    if formats is None:
        try:
            formats = figure_formats()
        except ValueError as exc:
            raise BkError(f"BKANALYSIS_FORMATS: {exc}") from None
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise BkError(f"formats: {bad or formats!r}; choose among {', '.join(FORMATS)}")
    return formats


def _figure_data(fig, name: str, data) -> pd.DataFrame:
    """Return the data behind *fig*: *data*, else what the plot function recorded."""
    if data is None:
        data = recorded_data(fig)
        if data is None:
            raise BkError(f"figure {name!r}: pass data= (the data behind the figure)")
    if not isinstance(data, pd.DataFrame):
        raise BkError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    return data


def _update_manifest(out: Path, row: dict) -> Path:
    """Put *row* into ``out/manifest.csv`` (replacing the figure's earlier row); return its path."""
    with _locked(out / "manifest.csv"):
        manifest = read_manifest(out)
        manifest = manifest[manifest["name"] != row["name"]]
        manifest = pd.concat([manifest, pd.DataFrame([row])], ignore_index=True)
        manifest = manifest.sort_values("name", kind="stable").reset_index(drop=True)
        return write_csv_atomic(manifest, out / "manifest.csv")
