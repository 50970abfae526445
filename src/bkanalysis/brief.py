"""``bkanalysis brief``: an editable Word policy-brief draft (python-docx).

The brief is generated from the current build and assessment, never typed: title and
date, one summary sentence per theme built from the assessment counts, the status table
of every target as a real Word table coloured by status, the target dashboard and the
headline figures of the chosen themes (from the figures manifest) with numbered captions
and sources, the notes that apply (conditional targets, the 2025 change of units) and a
methods annex with the data sources of ``SOURCES.yml``.

Layout follows the Vietnamese administrative document conventions (Decree
30/2020/NĐ-CP): A4, Times New Roman 14 pt body, margins 20 mm top and bottom, 30 mm left,
15 mm right, page numbers as a ``PAGE`` field, headings as real Word heading styles (the
navigation pane and a table of contents work). The English brief has the same layout.

Load → process → save: :func:`brief_inputs` reads the observations, the assessment, the
manifest and ``SOURCES.yml``; :func:`brief_document` builds the document (no I/O but the
figure files it inserts); :func:`write_brief` saves it atomically with fixed document
properties and zip entry times, so identical inputs give identical bytes.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import io
import math
import unicodedata
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docx
import yaml
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from PIL import Image

from .catalog import load_indicators
from .config import get_paths
from .errors import BkError, CatalogError
from .io import write_bytes_atomic
from .labels import format_number, target_condition, theme_label, unit_decimals, unit_label
from .observations import load_observations
from .plotting.export import read_manifest
from .progress import assess
from .progress.assessment import MODERATE_RATIO, ON_TRACK_RATIO, is_missing
from .progress.output import DATA_STATUS_LABELS, status_labels
from .provenance import is_synthetic, load_sources
from .schema import ASSESSMENT_STATUSES
from .targets import _catalog_rows, load_targets

if TYPE_CHECKING:
    import pandas as pd

    from .config import Paths

__all__ = [
    "THEMES",
    "BriefInputs",
    "brief_document",
    "brief_inputs",
    "brief_path",
    "find_figures_dir",
    "write_brief",
]

#: Themes a brief can be limited to (``all`` = every theme).
THEMES: tuple[str, ...] = ("all", "emissions", "waste", "rural_development", "forest_water")
_THEME_ORDER = ("emissions", "waste", "rural_development", "forest_water")
_LANGS = ("vi", "en")
#: Decree 30/2020/NĐ-CP page set-up (mm) and body font size (pt).
PAGE_MM = {"width": 210, "height": 297, "top": 20, "bottom": 20, "left": 30, "right": 15}
BODY_PT = 14
FONT = "Times New Roman"
FULL_CM, HALF_CM = 16.0, 8.0
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)
#: Status cell text is white on these dark fills (statuses.csv colours).
_DARK_STATUS = {"met", "deteriorating", "missed"}


# --------------------------------------------------------------------------- texts
@lru_cache(maxsize=1)
def _brief_yml() -> dict:
    text = resources.files("bkanalysis.data").joinpath("brief.yml").read_text(encoding="utf-8")
    doc = yaml.safe_load(unicodedata.normalize("NFC", text))
    for key in ("text", "indicator_notes", "headline_figures"):
        if not isinstance(doc.get(key), dict):
            raise CatalogError(f"brief.yml: no {key!r} mapping")
    for theme, patterns in doc["headline_figures"].items():
        if theme not in THEMES or not isinstance(patterns, list):
            raise CatalogError(f"brief.yml: headline_figures.{theme}: a theme and a list")
    for where in ("text", "indicator_notes"):
        entries = doc[where]
        for name, entry in entries.items():
            if not isinstance(entry, dict) or set(entry) != {"vi", "en"}:
                raise CatalogError(f"brief.yml: {where}.{name} must have exactly 'vi' and 'en'")
    return doc


def _t(key: str, lang: str, **values: Any) -> str:
    entry = _brief_yml()["text"].get(key)
    if entry is None:
        raise CatalogError(f"brief.yml: no text {key!r}")
    return str(entry[lang]).format(**values) if values else str(entry[lang])


def _theme_label(theme: str, lang: str) -> str:
    return theme_label(theme, lang)


# --------------------------------------------------------------------------- inputs
def find_figures_dir(paths: Paths, lang: str) -> Path | None:
    """Return the folder of the report's figures in *lang*, or None if there is none.

    That is ``reports/<lang>/figures/`` (:meth:`bkanalysis.config.Paths.figures_dir`), or
    the other language's folder when only that one exists (the brief then says so).
    """
    other = "en" if lang == "vi" else "vi"
    for folder in (paths.figures_dir(lang), paths.figures_dir(other)):
        if (folder / "manifest.csv").is_file():
            return folder
    return None


@dataclass
class BriefInputs:
    """Everything the brief is made of (see :func:`brief_inputs`)."""

    assessment: pd.DataFrame
    observations: pd.DataFrame
    sources: pd.DataFrame
    manifest: pd.DataFrame | None = None
    figures_dir: Path | None = None
    targets: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def brief_inputs(
    *,
    year: int | None = None,
    lang: str = "vi",
    paths: Paths | None = None,
    method: str = "plan",
) -> BriefInputs:
    """Read the build, assess every target, and find the figures manifest and SOURCES.yml.

    Raises
    ------
    BkError
        When there is no processed data (run ``bkanalysis build``).
    """
    paths = paths or get_paths()
    observations = load_observations(paths.processed)
    assessment = assess(observations, as_of=year, method=method)
    sources = load_sources(paths.raw, missing_ok=True)
    figures = find_figures_dir(paths, lang)
    manifest = read_manifest(figures) if figures is not None else None
    return BriefInputs(assessment, observations, sources, manifest, figures)


# --------------------------------------------------------------------------- content
def _province_rows(assessment: pd.DataFrame) -> pd.DataFrame:
    """One row per target: the province row (per-commune floors: their summary row)."""
    return assessment[assessment["area_level"] == "province"]


def _theme_summary(sub: pd.DataFrame, theme: str, lang: str) -> str:
    """Return the summary sentence of *theme*: its targets by status and latest data year."""
    latest = _latest_year(sub)
    return _t(
        "theme_summary" if latest is not None else "theme_summary_nodata",
        lang,
        theme=_theme_label(theme, lang),
        n=len(sub),
        counts=_status_counts(sub, lang),
        latest=latest,
    )


def _status_counts(rows: pd.DataFrame, lang: str) -> str:
    labels = status_labels(lang)
    counts = rows["status"].value_counts()
    # NOTE: in the order of statuses.csv (achieved … insufficient data), as on the dashboard
    order = [s for s in labels if s in ASSESSMENT_STATUSES]
    parts = [f"{labels[s][0].lower()} {int(counts[s])}" for s in order if s in counts]
    return ", ".join(parts)


def _latest_year(rows: pd.DataFrame) -> int | None:
    years = rows["latest_year"].dropna()
    return int(years.max()) if not years.empty else None


def _value_text(value: float, unit: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    label = unit_label(unit, lang)
    number = format_number(float(value), unit_decimals(unit), lang)
    return number if unit == "year" else f"{number} {label}"


def _target_text(target: dict, info: dict, lang: str) -> str:
    """Return the indicator name and the condition, units in *lang* (``≥ 10 tiêu chí``)."""
    return f"{info[f'name_{lang}']}: {target_condition(target, info, lang)}"


def _status_rows(rows: pd.DataFrame, targets: pd.DataFrame, lang: str) -> list[dict]:
    """Display rows of the status table (one per target of *rows*, registry order)."""
    cat = _catalog_rows()
    reg = targets.set_index("target_id", drop=False)
    labels = status_labels(lang)
    k = 0 if lang == "vi" else 1
    out = []
    for r in rows.to_dict("records"):
        info = cat[r["indicator_id"]]
        target = reg.loc[r["target_id"]].to_dict()
        latest = "–"
        if r["latest_year"] is not None and not is_missing(r["latest_year"]):
            latest = (
                f"{_value_text(r['latest_value'], info['unit'], lang)} ({int(r['latest_year'])}"
            )
            kind = DATA_STATUS_LABELS.get(r["data_status"], ("", ""))[k]
            if r["data_status"] not in ("", "actual") and kind:
                latest += f", {kind}"
            latest += ")"
        gap = r["gap"]
        gap_text = (
            _value_text(gap, info["unit"], lang)
            if gap is not None and not is_missing(gap) and gap > 0
            else _t("gap_none", lang)
        )
        out.append(
            {
                "target_id": r["target_id"],
                "part": bool(r["parent_id"]),
                "target": _target_text(target, info, lang),
                "deadline": str(int(r["deadline"])),
                "latest": latest,
                "status": r["status"],
                "status_label": labels[r["status"]][0],
                "colour": labels[r["status"]][1].lstrip("#").upper(),
                "gap": gap_text,
            }
        )
    return out


def _theme_figures(manifest: pd.DataFrame | None, theme: str, year: int | None) -> list[dict]:
    """Manifest rows of the headline figures of *theme* (patterns in brief.yml), in order."""
    if manifest is None or manifest.empty:
        return []
    patterns = _brief_yml()["headline_figures"].get(theme, [])
    names = sorted(manifest["name"])
    rows = manifest.set_index("name", drop=False)
    out: list[dict] = []
    for pattern in patterns:
        exact = pattern.replace("{year}", str(year)) if year is not None else None
        if exact is not None and exact in rows.index:
            chosen = exact
        else:
            found = fnmatch.filter(names, pattern.replace("{year}", "*"))
            if not found:
                continue
            chosen = found[-1]  # the latest year
        if chosen not in (r["name"] for r in out):
            out.append(rows.loc[chosen].to_dict())
    return out


def _figure_width_cm(row: dict, png: Path) -> float:
    """Intended width: the manifest's ``width_cm``, else the PNG's width at 300 dpi."""
    value = row.get("width_cm")
    text = "" if value is None or is_missing(value) else str(value).strip()
    if text:
        try:
            width = float(text)
        except ValueError:
            width = math.nan
        if width > 0:
            return width

    with Image.open(png) as img:
        width_cm = img.size[0] / 300 * 2.54
    return HALF_CM if width_cm <= (HALF_CM + FULL_CM) / 2 else FULL_CM


# --------------------------------------------------------------------------- docx helpers
def _set_run_font(element, size_pt: float | None = None) -> None:
    """Set Times New Roman on every script of a style's or run's rPr (no theme fonts)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _setup_styles(doc, lang: str) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_run_font(normal.element)
    rpr = normal.element.get_or_add_rPr()
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang_el)
    lang_el.set(qn("w:val"), "vi-VN" if lang == "vi" else "en-GB")
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.15
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for name, size in (("Title", 16), ("Subtitle", 14), ("Heading 1", 14), ("Heading 2", 14)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = name in ("Subtitle", "Heading 2")
        style.font.color.rgb = RGBColor(0, 0, 0)
        _set_run_font(style.element)
        style.paragraph_format.space_before = Pt(12 if name.startswith("Heading") else 0)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
        if name in ("Title", "Subtitle"):
            style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = styles["Title"].element
    # NOTE: the default Title style draws a blue bottom border; an official text has none.
    ppr = title.find(qn("w:pPr"))
    if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
        ppr.remove(ppr.find(qn("w:pBdr")))
    caption = styles["Caption"]
    caption.font.name = FONT
    caption.font.size = Pt(12)
    caption.font.bold = False
    caption.font.italic = True
    caption.font.color.rgb = RGBColor(0, 0, 0)
    _set_run_font(caption.element)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_after = Pt(2)
    caption.paragraph_format.keep_with_next = True
    bullet = styles["List Bullet"]
    bullet.font.name = FONT
    _set_run_font(bullet.element)
    # NOTE: list items hold long titles and URLs; justified, they stretch into gaps.
    bullet.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    doc.styles["Normal"].paragraph_format.first_line_indent = Cm(0)


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.page_width = Mm(PAGE_MM["width"])
    section.page_height = Mm(PAGE_MM["height"])
    section.top_margin = Mm(PAGE_MM["top"])
    section.bottom_margin = Mm(PAGE_MM["bottom"])
    section.left_margin = Mm(PAGE_MM["left"])
    section.right_margin = Mm(PAGE_MM["right"])
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_field(para, "PAGE", "1", size=Pt(13))


def _add_field(paragraph, instruction: str, result: str, *, size=None) -> None:
    """Append a complex field (``PAGE``, ``SEQ …``) with a cached *result* to *paragraph*."""

    def run_with(child):
        run = paragraph.add_run()
        if size is not None:
            run.font.size = size
        run._r.append(child)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    shown = paragraph.add_run(result)
    if size is not None:
        shown.font.size = size
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _shade(cell, hex_colour: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_colour)
    tcpr.append(shd)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _add_notice(doc, lang: str, n_synthetic: int) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(_t("illustrative_notice", lang))
    run.bold = True
    run.font.size = Pt(14)
    run.font.color.rgb = RGBColor(0xD5, 0x5E, 0x00)
    ppr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "8")
        el.set(qn("w:space"), "4")
        el.set(qn("w:color"), "D55E00")
        borders.append(el)
    ppr.append(borders)
    body = doc.add_paragraph(_t("illustrative_body", lang, n=n_synthetic))
    body.runs[0].italic = True


def _add_status_table(doc, rows: list[dict], lang: str) -> None:
    widths = (6.3, 1.8, 3.3, 2.8, 2.3)  # cm, 16.5 cm = the text width
    heads = ("col_target", "col_deadline", "col_latest", "col_status", "col_gap")
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # NOTE: LibreOffice sizes columns from the table grid, Word from the cells: set both.
    for column, w in zip(table.columns, widths, strict=True):
        column.width = Cm(w)

    def fill(
        cell, text, *, bold=False, width=None, colour=None, white=False, indent=False, align=None
    ):
        align = WD_ALIGN_PARAGRAPH.LEFT if align is None else align
        cell.width = Cm(width)
        para = cell.paragraphs[0]
        para.paragraph_format.first_line_indent = Cm(0)
        para.paragraph_format.space_after = Pt(0)
        para.paragraph_format.alignment = align
        if indent:
            para.paragraph_format.left_indent = Cm(0.4)
        run = para.add_run(text)
        run.font.size = Pt(12)
        run.bold = bold
        if white:
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        if colour:
            _shade(cell, colour)

    header = table.rows[0]
    _repeat_header(header)
    for cell, key, w in zip(header.cells, heads, widths, strict=True):
        fill(cell, _t(key, lang), bold=True, width=w, colour="E7E6E6")
    for r in rows:
        cells = table.add_row().cells
        texts = (
            ("– " if r["part"] else "") + r["target"],
            r["deadline"],
            r["latest"],
            r["status_label"],
            r["gap"],
        )
        for i, (cell, text, w) in enumerate(zip(cells, texts, widths, strict=True)):
            fill(
                cell,
                text,
                width=w,
                colour=r["colour"] if i == 3 else None,
                white=i == 3 and r["status"] in _DARK_STATUS,
                indent=i == 0 and r["part"],
                align=WD_ALIGN_PARAGRAPH.CENTER if i == 1 else None,
            )


class _Counter:
    """Numbers of the figures and tables, in document order."""

    def __init__(self) -> None:
        self.figure = 0
        self.table = 0


def _add_figure(doc, row: dict, folder: Path, lang: str, counter: _Counter) -> bool:
    """Insert a figure with its numbered caption and source line; False if the PNG is missing."""
    png = folder / f"{row['name']}.png"
    if not png.is_file():
        doc.add_paragraph(_t("figure_missing_file", lang, name=row["name"]))
        return False
    counter.figure += 1
    width = _figure_width_cm(row, png)
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.first_line_indent = Cm(0)
    para.paragraph_format.keep_with_next = True
    para.add_run().add_picture(str(png), width=Cm(width))
    other = "en" if lang == "vi" else "vi"
    caption = row.get(f"caption_{lang}") or row.get(f"title_{lang}") or row.get(f"caption_{other}")
    word = _t("figure", lang)
    cap = doc.add_paragraph(style="Caption")
    cap.add_run(f"{word} ")
    _add_field(cap, f"SEQ {word} \\* ARABIC", str(counter.figure))
    cap.add_run(f". {caption}")
    if str(row.get("synthetic", "")).lower() == "true":
        cap.add_run(f" ({_t('illustrative_notice', lang)})")
    src = doc.add_paragraph()
    src.alignment = WD_ALIGN_PARAGRAPH.CENTER
    src.paragraph_format.first_line_indent = Cm(0)
    run = src.add_run(f"{_t('source', lang)}: {row.get('sources') or '–'}")
    run.font.size = Pt(11)
    return True


def _used_files(observations: pd.DataFrame) -> list[str]:
    if "source_file" not in observations.columns:
        return []
    return sorted(set(observations["source_file"].dropna().astype(str)) - {""})


def _data_date(files: list[str], sources: pd.DataFrame) -> _dt.date | None:
    received = sources[sources["path"].isin(files)]["received"]
    dates = []
    for value in received:
        try:
            dates.append(_dt.date.fromisoformat(str(value)[:10]))
        except ValueError:
            continue
    return max(dates) if dates else None


def _date_text(date: _dt.date, lang: str) -> str:
    if lang == "vi":
        return f"{date.day:02d}/{date.month:02d}/{date.year}"
    months = _t("month_names", "en").split("|")
    return f"{date.day} {months[date.month - 1]} {date.year}"


def _theme_notes(
    theme: str, rows: pd.DataFrame, observations: pd.DataFrame, lang: str
) -> list[str]:
    """Return the notes that apply to a theme: its indicators' notes, the 2025 units."""
    notes = []
    per_indicator = _brief_yml()["indicator_notes"]
    for ind in dict.fromkeys(rows["indicator_id"]):
        if ind in per_indicator:
            notes.append(per_indicator[ind][lang])
    cat = load_indicators()
    theme_ids = set(cat.loc[cat["theme"] == theme, "id"]) | set(rows["indicator_id"])
    obs = observations[observations["indicator_id"].isin(theme_ids)]
    as_of = rows["as_of"].dropna()
    if not as_of.empty:
        obs = obs[obs["year"] <= int(as_of.iloc[0])]
    if (
        "admin_vintage" in obs.columns
        and ((obs["admin_vintage"].astype(str) == "2025") & (obs["area_level"] != "province")).any()
    ):
        notes.append(_t("vintage_2025", lang))
    return notes


# --------------------------------------------------------------------------- document
def brief_document(inputs: BriefInputs, *, lang: str = "vi", theme: str = "all"):
    """Build the brief as a :class:`docx.document.Document` (see the module docstring).

    Parameters
    ----------
    inputs : BriefInputs
        From :func:`brief_inputs` (or made by hand, e.g. in tests).
    lang : {'vi', 'en'}
    theme : {'all', 'emissions', 'waste', 'rural_development', 'forest_water'}

    Returns
    -------
    docx.document.Document
        ``inputs.notes`` receives one line per problem met (no figures, a missing PNG).
    """
    if lang not in _LANGS:
        raise BkError(f"lang must be 'vi' or 'en', got {lang!r}")
    if theme not in THEMES:
        raise BkError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
    brief = _Brief.of(inputs, lang, theme)
    doc = docx.Document()
    _setup_styles(doc, lang)
    _page_setup(doc)
    _set_properties(doc, brief)
    _add_title_block(doc, brief)
    _add_summary(doc, brief)
    _add_themes(doc, brief)
    _add_annex(doc, brief)
    return doc


@dataclass
class _Brief:
    """What every part of a brief needs: the inputs, the language, the themes, the files."""

    inputs: BriefInputs
    lang: str
    themes: tuple[str, ...]
    rows: pd.DataFrame
    targets: pd.DataFrame
    as_of: int | None
    files: list[str]
    synthetic_files: list[str]
    counter: _Counter = field(default_factory=_Counter)

    @classmethod
    def of(cls, inputs: BriefInputs, lang: str, theme: str) -> _Brief:
        as_of_values = inputs.assessment["as_of"].dropna()
        files = _used_files(inputs.observations)
        return cls(
            inputs=inputs,
            lang=lang,
            themes=_THEME_ORDER if theme == "all" else (theme,),
            rows=_province_rows(inputs.assessment),
            targets=inputs.targets if inputs.targets is not None else load_targets(),
            as_of=int(as_of_values.iloc[0]) if not as_of_values.empty else None,
            files=files,
            synthetic_files=[f for f in files if is_synthetic([f], inputs.sources)],
        )

    @property
    def as_of_text(self) -> str:
        return str(self.as_of) if self.as_of is not None else "–"

    @property
    def have_figures(self) -> bool:
        manifest = self.inputs.manifest
        return self.inputs.figures_dir is not None and manifest is not None and not manifest.empty

    def figures_note(self) -> str:
        """Return the line saying the figures are missing or in another language ('' if not)."""
        manifest = self.inputs.manifest
        if not self.have_figures:
            return _t("figures_missing", self.lang)
        if "lang" in manifest.columns and (set(manifest["lang"]) - {"", self.lang}):
            # NOTE: one folder of figures for both languages until the report writes
            # reports/<lang>/figures: say so rather than pass Vietnamese figures off as English
            return _t("figures_other_lang", self.lang)
        return ""

    def theme_rows(self):
        """Yield (theme, its province rows) of each theme with a target."""
        for th in self.themes:
            sub = self.rows[self.rows["theme"] == th]
            if not sub.empty:
                yield th, sub


def _set_properties(doc, brief: _Brief) -> None:
    """Set the document's properties: fixed dates (the same brief, the same bytes)."""
    lang = brief.lang
    props = doc.core_properties
    fixed = _dt.datetime(*_FIXED_TIME)
    props.created = props.modified = props.last_printed = fixed
    props.author = props.last_modified_by = "bkanalysis"
    props.title = _t("title", lang)
    props.subject = _t("subtitle", lang, year=brief.as_of_text)
    props.language = "vi-VN" if lang == "vi" else "en-GB"
    props.revision = 1
    props.comments = ""
    props.keywords = ""
    props.category = ""


def _add_title_block(doc, brief: _Brief) -> None:
    """Add the title, the subtitle, the data's date and the illustrative-data notice."""
    lang = brief.lang
    doc.add_paragraph(_t("title", lang), style="Title")
    doc.add_paragraph(_t("subtitle", lang, year=brief.as_of_text), style="Subtitle")
    date = _data_date(brief.files, brief.inputs.sources)
    if date is not None:
        month = _t("month_names", "en").split("|")[date.month - 1]
        dl = doc.add_paragraph(
            _t("dateline", lang, day=date.day, month=date.month, month_name=month, year=date.year)
        )
        dl.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        dl.runs[0].italic = True
        doc.add_paragraph(_t("data_received", lang, date=_date_text(date, lang)))
    if brief.synthetic_files or not brief.files:
        _add_notice(doc, lang, len(brief.synthetic_files))


def _add_summary(doc, brief: _Brief) -> None:
    """Add the summary: the overall counts, one line per theme, the headline figures."""
    lang = brief.lang
    note = brief.figures_note()
    if note:
        brief.inputs.notes.append(note)
    doc.add_heading(_t("h_summary", lang), level=1)
    chosen = brief.rows[brief.rows["theme"].isin(brief.themes)]
    if chosen.empty:
        doc.add_paragraph(_t("no_targets", lang))
    else:
        counts = _status_counts(chosen, lang)
        doc.add_paragraph(_t("overall", lang, as_of=brief.as_of_text, n=len(chosen), counts=counts))
    for th, sub in brief.theme_rows():
        doc.add_paragraph(_theme_summary(sub, th, lang), style="List Bullet")
    if note:
        doc.add_paragraph(note).runs[0].italic = True
    _add_figures(doc, brief, "all")


def _add_figures(doc, brief: _Brief, theme: str) -> None:
    """Add the figures of *theme* from the manifest; note each missing PNG."""
    if not brief.have_figures:
        return
    for fig in _theme_figures(brief.inputs.manifest, theme, brief.as_of):
        if not _add_figure(doc, fig, brief.inputs.figures_dir, brief.lang, brief.counter):
            brief.inputs.notes.append(_t("figure_missing_file", brief.lang, name=fig["name"]))


def _add_themes(doc, brief: _Brief) -> None:
    """Add one section per theme: summary, status table, notes and figures."""
    lang = brief.lang
    doc.add_heading(_t("h_themes", lang), level=1)
    for th, sub in brief.theme_rows():
        doc.add_heading(_theme_label(th, lang), level=2)
        doc.add_paragraph(_theme_summary(sub, th, lang))
        brief.counter.table += 1
        cap = doc.add_paragraph(
            _t("table_intro", lang, n=brief.counter.table, theme=_theme_label(th, lang)),
            style="Caption",
        )
        cap.paragraph_format.keep_with_next = True
        _add_status_table(doc, _status_rows(sub, brief.targets, lang), lang)
        notes = _theme_notes(th, sub, brief.inputs.observations, lang)
        if notes:
            doc.add_paragraph()
            for note in notes:
                doc.add_paragraph(note, style="List Bullet")
        _add_figures(doc, brief, th)


def _add_annex(doc, brief: _Brief) -> None:
    """Add the annex: the method, the sources and which data are illustrative."""
    lang = brief.lang
    assessment = brief.inputs.assessment
    doc.add_page_break()
    doc.add_heading(_t("h_annex", lang), level=1)
    doc.add_heading(_t("h_method", lang), level=2)
    method = assessment["method"].iloc[0] if not assessment.empty else "plan"
    ratio = {"on_track": ON_TRACK_RATIO, "moderate": MODERATE_RATIO}
    if lang == "vi":
        ratio_text = {k: f"{v:g}".replace(".", ",") for k, v in ratio.items()}
    else:
        ratio_text = {k: f"{v:g}" for k, v in ratio.items()}
    doc.add_paragraph(_t("method_1", lang, as_of=brief.as_of_text))
    doc.add_paragraph(_t("method_2", lang, **ratio_text))
    doc.add_paragraph(_t("method_3", lang, method=method))
    doc.add_heading(_t("h_sources", lang), level=2)
    doc.add_paragraph(_t("sources_intro", lang))
    by_path = {r["path"]: r for r in brief.inputs.sources.to_dict("records")}
    for f in brief.files:
        doc.add_paragraph(_source_text(f, by_path.get(f), lang), style="List Bullet")
    doc.add_heading(_t("h_illustrative", lang), level=2)
    if brief.synthetic_files:
        n, total = len(brief.synthetic_files), len(brief.files)
        doc.add_paragraph(_t("illustrative_some", lang, n=n, total=total))
        for f in brief.synthetic_files:
            doc.add_paragraph(f, style="List Bullet")
    elif brief.files:
        doc.add_paragraph(_t("illustrative_none", lang))


def _source_text(f: str, entry: dict | None, lang: str) -> str:
    """Return the annex line of the raw file *f*: title, publisher, kind, date, citations."""
    if entry is None:
        return f"{f}: {_t('source_unknown', lang)}"
    kind = "source_published" if entry.get("kind") == "published" else "source_synthetic"
    text = f"{entry['title']}"
    if entry.get("publisher"):
        text += f", {entry['publisher']}"
    text += f" ({_t(kind, lang)}; {_t('received', lang)} {entry.get('received', '')})"
    cites = tuple(entry.get("sources") or ())
    if cites and entry.get("kind") == "published":
        text += ". " + "; ".join(cites)
    return text + f" [{f}]"


def _docx_bytes(doc) -> bytes:
    """Save *doc* and repack it with fixed zip entry times (identical inputs → bytes)."""
    buf = io.BytesIO()
    doc.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def brief_path(paths: Paths, lang: str, year: int | None) -> Path:
    """Default output: ``reports/brief_<lang>_<year>.docx``."""
    return paths.reports / f"brief_{lang}_{year if year is not None else 'latest'}.docx"


def write_brief(
    path: str | Path | None = None,
    *,
    year: int | None = None,
    lang: str = "vi",
    theme: str = "all",
    paths: Paths | None = None,
    inputs: BriefInputs | None = None,
) -> tuple[Path, list[str]]:
    """Write the brief atomically; return its path and the problems met (one line each).

    Examples
    --------
    >>> write_brief(lang="fr")
    Traceback (most recent call last):
    ...
    bkanalysis.errors.BkError: lang must be 'vi' or 'en', got 'fr'
    """
    if lang not in _LANGS:
        raise BkError(f"lang must be 'vi' or 'en', got {lang!r}")
    if theme not in THEMES:
        raise BkError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
    paths = paths or get_paths()
    inputs = inputs or brief_inputs(year=year, lang=lang, paths=paths)
    doc = brief_document(inputs, lang=lang, theme=theme)
    if path is None:
        as_of = inputs.assessment["as_of"].dropna()
        path = brief_path(paths, lang, int(as_of.iloc[0]) if not as_of.empty else year)
    return write_bytes_atomic(Path(path), _docx_bytes(doc)), inputs.notes
