"""The assessment's output: bilingual labels, the text table and ``progress.xlsx``.

:func:`format_assessment` prints the province rows of an assessment
(:func:`bkanalysis.progress.assess`) as a plain-text table, :func:`reading_text` says how a
target was read, and :func:`write_progress_workbook` writes the deterministic two-language
workbook. Nothing here computes an assessment: it shows one.
"""

from __future__ import annotations

import datetime
import io
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ..catalog import read_package_csv
from ..errors import CatalogError
from ..io import write_bytes_atomic
from ..labels import target_condition, translate_note, unit_decimals, unit_label, word
from ..provenance import is_synthetic
from ..schema import ASSESSMENT_STATUSES, vintage_for_year
from ..targets import _catalog_rows, describe_target, load_targets, target_readings
from .assessment import ASSESSMENT_COLUMNS, is_missing, units_of_type

__all__ = ["format_assessment", "reading_text", "write_progress_workbook"]


def status_labels(lang: str) -> dict[str, tuple[str, str]]:
    """Map status -> (label in *lang*, colour) from ``statuses.csv``."""
    df = read_package_csv("statuses.csv")
    labels = {r["status"]: (r[f"label_{lang}"], r["colour"]) for r in df.to_dict("records")}
    missing = [s for s in ASSESSMENT_STATUSES if s not in labels]
    if missing:
        raise CatalogError(f"statuses.csv: no label for status(es) {', '.join(missing)}")
    return labels


_HEADERS = {
    "target_id": ("Mã mục tiêu", "Target id"),
    "parent_id": ("Thuộc mục tiêu", "Part of"),
    "section": ("Nhóm mục tiêu", "Plan section"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "area_code": ("Mã địa bàn", "Area code"),
    "area_name": ("Địa bàn", "Area"),
    "admin_vintage": ("Phiên bản địa giới", "Admin vintage"),
    "target": ("Mục tiêu", "Target"),
    "deadline": ("Năm hoàn thành", "Deadline"),
    "baseline_year": ("Năm gốc", "Base year"),
    "baseline_value": ("Giá trị năm gốc", "Base value"),
    "latest_year": ("Năm mới nhất", "Latest year"),
    "latest_value": ("Giá trị mới nhất", "Latest value"),
    "data_status": ("Loại số liệu", "Data status"),
    "status": ("Đánh giá", "Status"),
    "progress": ("Mức tiến bộ", "Progress"),
    "gap": ("Còn thiếu", "Gap"),
    "required_annual_change": ("Mức tăng cần/năm", "Required change per year"),
    "actual_annual_change": ("Mức tăng thực tế/năm", "Actual change per year"),
    "measure": ("Chỉ số tiến bộ", "Progress measure"),
    "method": ("Phương pháp", "Method"),
    "as_of": ("Năm đánh giá", "Assessed as of"),
    "note": ("Ghi chú", "Note"),
    "reading": ("Cách đọc mục tiêu", "Reading of the target"),
    "clause": ("Nội dung mục tiêu (Quyết định 1635)", "Target clause (Decision 1635)"),
}
_PROGRESS = {
    "substantial": ("tiến bộ đáng kể", "substantial progress"),
    "moderate": ("có tiến bộ, cần tăng tốc", "moderate progress: acceleration needed"),
    "limited": ("tiến bộ hạn chế", "limited progress"),
    "deterioration": ("đang xấu đi", "deterioration"),
    "achieved": ("đã đạt", "achieved"),
    "held": ("duy trì được", "level held"),
    "dipped": ("có năm dưới mức", "fell below the level in a year"),
    "below level": ("dưới mức", "below the level"),
    "trend below level": ("xu hướng xuống dưới mức", "trend falls below the level"),
    "anticipated": ("dự kiến đạt", "anticipated to be met"),
    "acceleration needed": ("cần tăng tốc", "acceleration needed"),
    "regression": ("thụt lùi", "regression"),
    "no required change": ("không cần thay đổi", "no change required"),
    "NTM": ("xã đã đạt chuẩn NTM", "NTM commune"),
    "conditional": ("chờ hỗ trợ (có điều kiện)", "awaits support (conditional)"),
}
DATA_STATUS_LABELS = {
    "actual": ("chính thức", "actual"),
    "preliminary": ("sơ bộ", "preliminary"),
    "estimate": ("ước tính", "estimate"),
    "": ("", ""),
}


def _table(assessment: pd.DataFrame, lang: str, targets: pd.DataFrame | None = None):
    """Rows of display values (list of dicts keyed as _HEADERS) for *lang*."""
    k = 0 if lang == "vi" else 1
    cat = _catalog_rows()

    def indicator_label(i: str) -> str:
        row = cat.get(i)
        return f"{row[f'name_{lang}']} ({row['unit']})" if row else i

    reg = (load_targets() if targets is None else targets).set_index("target_id", drop=False)
    labels = status_labels(lang)
    out = []
    for r in assessment.to_dict("records"):
        t = reg.loc[r["target_id"]] if r["target_id"] in reg.index else None
        out.append(
            {
                "target_id": r["target_id"],
                "parent_id": r["parent_id"],
                "section": r["section"],
                "indicator": indicator_label(r["indicator_id"]),
                "area_code": r["area_code"],
                "area_name": r["area_name"],
                "admin_vintage": r["admin_vintage"],
                "target": _target_text(r, t, lang),
                "deadline": r["deadline"],
                "baseline_year": r["baseline_year"],
                "baseline_value": r["baseline_value"],
                "latest_year": r["latest_year"],
                "latest_value": r["latest_value"],
                "data_status": DATA_STATUS_LABELS.get(r["data_status"], (r["data_status"],) * 2)[k],
                "status": labels[r["status"]][0],
                "_status": r["status"],
                "progress": _PROGRESS.get(r["progress"], (r["progress"],) * 2)[k],
                "gap": r["gap"],
                "required_annual_change": r["required_annual_change"],
                "actual_annual_change": r["actual_annual_change"],
                "measure": r["measure"],
                "method": r["method"],
                "as_of": r["as_of"],
                "note": r["note"],
                "reading": reading_text(r, lang),
                "clause": (t["clause_vi"] if lang == "vi" else t["clause_en"])
                if t is not None
                else "",
            }
        )
    return out


def _target_text(r: dict, t, lang: str) -> str:
    """Return the target as assessed: the registry's text, or the share it was read as."""
    if r.get("reading") == "share_of_units":
        sign = {">": ">", ">=": "≥"}.get(r["comparator"], r["comparator"])
        unit = target_readings()[r["target_id"]]["unit_type"]
        value = f"{r['target_value']:.1f}"
        if lang == "vi":
            return f"{sign} {value.replace('.', ',')} % số {unit}"
        return f"{sign} {value} % of {unit}"
    if t is None:
        return ""
    text = describe_target(t, lang)
    if r.get("reading") == "at_least_range":
        text = "≥ " + text
    return text


def _num(x, digits: int = 4) -> str:
    if x is None or is_missing(x):
        return "–"
    return f"{float(x):.{digits}g}"


def format_assessment(assessment: pd.DataFrame, lang: str = "vi", *, width: int = 110) -> str:
    """Return a plain-text table of the province-level rows (one line per target).

    Per-commune rows are summarised by their province row; every target shows a status
    label (``Thiếu dữ liệu`` / ``Insufficient data`` when nothing can be said).

    Examples
    --------
    >>> import pandas as pd
    >>> from bkanalysis.progress import assess
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "year": [2017, 2019], "value": [70.0, 71.5],
    ...     "status": "actual"})
    >>> text = format_assessment(assess(obs), "en")
    >>> "forest_cover_2020" in text and "On track" in text and "Insufficient data" in text
    True
    """
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    k = 0 if lang == "vi" else 1
    rows = [r for r in _table(assessment, lang) if r["area_code"] == "06" or r["area_name"] == ""]
    if assessment.empty:
        return ""
    lines = [*_text_head(assessment, k)]
    section = None
    for r in rows:
        if r["section"] != section:
            section = r["section"]
            lines.append(section)
        lines.extend(_text_row(r, k, width))
    counts = assessment[assessment["area_code"] == "06"]["status"].value_counts()
    labels = status_labels(lang)
    lines.append("")
    lines.append(
        ", ".join(f"{labels[s][0]}: {n}" for s, n in counts.items())
        + f"  ({len(rows)} {('mục tiêu', 'targets')[k]})"
    )
    if (assessment["area_level"] == "commune").any():
        lines.append(
            (
                "Chi tiết từng xã: reports/progress.xlsx",
                "Per-commune detail: reports/progress.xlsx",
            )[k]
        )
    return "\n".join(lines)


#: Columns of the text table and their widths in characters.
_TEXT_COLUMNS = (
    ("target_id", 42),
    ("target", 22),
    ("deadline", 6),
    ("latest", 30),
    ("status", 20),
    ("gap", 10),
)
_TEXT_HEADS = {
    "target_id": _HEADERS["target_id"],
    "target": _HEADERS["target"],
    "deadline": ("Hạn", "Due"),
    "latest": ("Mới nhất (năm: giá trị)", "Latest (year: value)"),
    "status": _HEADERS["status"],
    "gap": _HEADERS["gap"],
}


def _text_line(cells: dict) -> str:
    return "  ".join(cells[c].ljust(w)[:w] for c, w in _TEXT_COLUMNS).rstrip()


def _text_head(assessment: pd.DataFrame, k: int) -> list[str]:
    """Return the title (year, method), a blank line, the header and its rule."""
    as_of = assessment["as_of"].dropna()
    title = (
        "Tiến độ thực hiện mục tiêu Quyết định 1635/QĐ-UBND",
        "Progress of the Decision 1635/QĐ-UBND targets",
    )[k]
    when = f" — {('năm đánh giá', 'as of')[k]} {int(as_of.iloc[0])}" if not as_of.empty else ""
    method = f" — {('phương pháp', 'method')[k]}: {assessment['method'].iloc[0]}"
    heads = {c: pair[k] for c, pair in _TEXT_HEADS.items()}
    return [
        title + when + method,
        "",
        _text_line(heads),
        "  ".join("-" * w for _, w in _TEXT_COLUMNS),
    ]


def _text_row(r: dict, k: int, width: int) -> list[str]:
    """Return the line of one target and, wrapped below it, how it was read."""
    if r["latest_year"] is None or is_missing(r["latest_year"]):
        latest = "–"
    else:
        latest = f"{int(r['latest_year'])}: {_num(r['latest_value'])}"
        if r["data_status"] and r["data_status"] != DATA_STATUS_LABELS["actual"][k]:
            latest += f" ({r['data_status']})"
    cells = {
        "target_id": ("  " if r["parent_id"] else "") + r["target_id"],
        "target": r["target"],
        "deadline": str(r["deadline"]),
        "latest": latest,
        "status": r["status"],
        "gap": _num(r["gap"], 3),
    }
    lines = [_text_line(cells)]
    if r["reading"]:
        # NOTE: conditional parts, reach-at-least ranges and unit changes are said here.
        lead = "      ↳ "
        lines.extend(
            textwrap.wrap(
                r["reading"], width, initial_indent=lead, subsequent_indent=" " * len(lead)
            )
        )
    return lines


_FORMULA_START = ("=", "+", "-", "@")
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)


#: Column order of a progress sheet: names in the sheet's language first, ids last.
_SHEET_COLUMNS: tuple[str, ...] = (
    "indicator",
    "target",
    "reading",
    "area_name",
    "deadline",
    "latest_value",
    "latest_year",
    "data_status",
    "status",
    "progress",
    "gap",
    "required_annual_change",
    "actual_annual_change",
    "baseline_year",
    "baseline_value",
    "measure",
    "method",
    "as_of",
    "section",
    "note",
    "clause",
    "target_id",
    "parent_id",
    "area_code",
    "admin_vintage",
)
#: Columns in the indicator's unit (number format by the unit's decimals).
_UNIT_VALUES = {
    "baseline_value",
    "latest_value",
    "gap",
    "required_annual_change",
    "actual_annual_change",
}
_YEAR_COLUMNS = {"deadline", "latest_year", "baseline_year", "as_of"}
_SHEET_TITLE = (
    "Tiến độ thực hiện các mục tiêu của Quyết định 1635/QĐ-UBND",
    "Progress of the Decision 1635/QĐ-UBND targets",
)
_AS_OF = ("năm đánh giá", "as of")


def _number_format(decimals: int) -> str:
    """Excel format showing *decimals* (at least 1, at most 2 for non-counts) decimals."""
    if decimals <= 0:
        return "#,##0"
    return "#,##0." + "0" * min(decimals, 1) + "#" * max(0, 2 - min(decimals, 1))


def _sheet_rows(assessment: pd.DataFrame, lang: str, targets: pd.DataFrame | None):
    """Display rows of a progress sheet: units, conditions and notes in *lang*."""
    cat = _catalog_rows()
    reg = (load_targets() if targets is None else targets).set_index("target_id", drop=False)
    rows = _table(assessment, lang, targets)
    for row, rec in zip(rows, assessment.to_dict("records"), strict=True):
        info = cat[rec["indicator_id"]]
        unit = info["unit"]
        row["indicator"] = f"{info[f'name_{lang}']} ({unit_label(unit, lang)})"
        # a target read as a share of units keeps the share it was judged as (_target_text)
        if rec["target_id"] in reg.index and rec.get("reading") != "share_of_units":
            row["target"] = target_condition(reg.loc[rec["target_id"]], info, lang)
            if rec.get("reading") == "at_least_range":
                row["target"] = "≥ " + row["target"]
        row["note"] = translate_note(str(row["note"] or ""), lang)
        row["_decimals"] = unit_decimals(unit)
    return rows


def _workbook_bytes(
    assessment: pd.DataFrame, targets: pd.DataFrame | None = None, *, synthetic: bool = True
) -> bytes:
    """Return the bytes of the two-sheet workbook, the same for the same assessment."""
    wb = Workbook()
    wb.remove(wb.active)
    for lang, title in (("vi", "Tiến độ (vi)"), ("en", "Progress (en)")):
        ws = wb.create_sheet(title)
        _write_heading(ws, assessment, lang, synthetic=synthetic)
        widths = _write_table(ws, _sheet_rows(assessment, lang, targets), lang)
        _finish_sheet(ws, widths)
    fixed = datetime.datetime(*_FIXED_TIME)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "bkanalysis"
    return _fixed_zip(wb)


def _write_heading(ws, assessment: pd.DataFrame, lang: str, *, synthetic: bool) -> None:
    """Row 1: what the sheet is, and the illustrative-data notice when inputs are synthetic."""
    k = 0 if lang == "vi" else 1
    as_of = assessment["as_of"].dropna()
    heading = _SHEET_TITLE[k]
    if not as_of.empty:
        heading += f" — {_AS_OF[k]} {int(as_of.iloc[0])}"
    ws.cell(row=1, column=1, value=heading).font = Font(bold=True, size=13)
    if synthetic:
        notice = ws.cell(row=1, column=4, value=word("illustrative", lang))
        notice.font = Font(bold=True, color="D55E00", size=13)


def _write_table(ws, rows: list[dict], lang: str) -> list[int]:
    """Write the header (row 2) and *rows*; return each column's width in characters."""
    k = 0 if lang == "vi" else 1
    fills = {
        label: PatternFill("solid", fgColor=colour.lstrip("#").upper())
        for label, colour in status_labels(lang).values()
    }
    ws.append([_HEADERS[c][k] for c in _SHEET_COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(_HEADERS[c][k]) for c in _SHEET_COLUMNS]
    for r_i, row in enumerate(rows, start=3):
        for c_i, key in enumerate(_SHEET_COLUMNS, start=1):
            cell = ws.cell(row=r_i, column=c_i)
            cell.value = _cell_value(key, row[key])
            width = _format_cell(cell, key, row)
            widths[c_i - 1] = max(widths[c_i - 1], width)
            if key == "status" and cell.value in fills:
                cell.fill = fills[cell.value]
                if row["_status"] in {"deteriorating", "missed"}:
                    cell.font = Font(color="FFFFFF")
    return widths


def _cell_value(key: str, value):
    """Return a display value as written: None, text, a float, or a whole number as int."""
    if value is None or is_missing(value):
        return None
    if key in _UNIT_VALUES or key == "measure":
        return float(value)  # full precision; the number format rounds
    if not isinstance(value, str):
        return int(value) if float(value).is_integer() else float(value)
    return value


def _format_cell(cell, key: str, row: dict) -> int:
    """Set the cell's type or number format; return the width its value needs."""
    value = cell.value
    if isinstance(value, str):
        # NOTE: text from input is never a formula: =, +, -, @ stay literal.
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
        return min(len(value), 60)
    if value is None:
        return 0
    if key in _UNIT_VALUES:
        cell.number_format = _number_format(row["_decimals"])
    elif key == "measure":
        cell.number_format = "0.00"
    elif key in _YEAR_COLUMNS:
        cell.number_format = "0"
    return min(len(str(value)), 12)


def _finish_sheet(ws, widths: list[int]) -> None:
    """Freeze the header, filter it, size the columns and group the ids (one click hides)."""
    ids = {"target_id", "parent_id", "area_code", "admin_vintage"}
    ws.freeze_panes = "B3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(_SHEET_COLUMNS))}{max(ws.max_row, 2)}"
    for c_i, (key, w) in enumerate(zip(_SHEET_COLUMNS, widths, strict=True), start=1):
        dim = ws.column_dimensions[get_column_letter(c_i)]
        dim.width = min(max(w + 2, 8), 62)
        if key in ids:
            dim.outlineLevel = 1


def _fixed_zip(wb) -> bytes:
    """Return the workbook's bytes with fixed zip entry times (same assessment, same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed_info = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed_info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed_info, src.read(info.filename))
    return out.getvalue()


def write_progress_workbook(
    assessment: pd.DataFrame,
    path: str | Path,
    targets: pd.DataFrame | None = None,
    *,
    source_files=None,
    synthetic: bool | None = None,
) -> Path:
    """Write the assessment as a formatted Excel workbook, one sheet per language.

    Each sheet reads in its own language: the indicator name and the target (with units
    such as ``≥ 10 tiêu chí``) come first, the ids (target, parent, area code, vintage)
    last in a column group that one click hides; notes are in the sheet's language.
    Row 1 names the sheet and, when any input is synthetic, says *Dữ liệu minh hoạ /
    Illustrative data*; row 2 is the header (bold, frozen, with an autofilter). Values
    keep their full precision and are shown by number format with the unit's decimals
    (1–2 for rates, none for counts); status cells are filled with the colours of
    ``statuses.csv``. Text from the input is always written as text: a cell starting
    with ``=``, ``+``, ``-`` or ``@`` is never a formula. The file is written atomically
    and is byte-identical for the same assessment (fixed document and zip timestamps).

    Parameters
    ----------
    assessment : pandas.DataFrame
        The output of :func:`assess`.
    path : path
        Where to write the workbook.
    targets : pandas.DataFrame, optional
        The registry (default :func:`bkanalysis.targets.load_targets`).
    source_files : iterable of str, optional
        The raw files the assessment derives from (``observations["source_file"]``);
        used to decide *synthetic* from ``SOURCES.yml``.
    synthetic : bool, optional
        Whether to show the illustrative-data notice. ``None``: True unless every
        *source_files* is a published file in ``SOURCES.yml`` (no *source_files*: True,
        data without provenance count as illustrative).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> from bkanalysis.progress import assess
    >>> obs = pd.DataFrame({"indicator_id": "forest_cover_pct", "area_code": "06",
    ...     "area_level": "province", "year": [2017, 2019], "value": [70.0, 71.5],
    ...     "status": "actual"})
    >>> p = write_progress_workbook(assess(obs), pathlib.Path(tempfile.mkdtemp()) / "p.xlsx")
    >>> import openpyxl
    >>> openpyxl.load_workbook(p).sheetnames
    ['Tiến độ (vi)', 'Progress (en)']
    """
    missing = [c for c in ASSESSMENT_COLUMNS if c not in assessment.columns]
    if missing:
        raise ValueError(f"assessment lacks column(s): {', '.join(missing)}")
    if synthetic is None:
        if source_files is None:
            synthetic = True
        else:
            synthetic = is_synthetic([f for f in source_files if isinstance(f, str)])
    data = _workbook_bytes(assessment, targets, synthetic=bool(synthetic))
    return write_bytes_atomic(Path(path), data)


def _vi_number(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def reading_text(row, lang: str = "vi") -> str:
    """Return how the target of an assessment row was read, in *lang* ('' if plainly).

    Used alike by the status table, ``reports/progress.xlsx`` and the charts: the
    reach-at-least reading of a range, a conditional part of an emission target, a count
    target read as a share of each year's own units (with the unit change).

    Examples
    --------
    >>> reading_text({"reading": "at_least_range", "target_low": 3.0, "target_high": 4.0}, "en")
    'reach at least 3–4: a value above the range is achieved too'
    """
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    kind = row.get("reading", "") if hasattr(row, "get") else ""
    k = 0 if lang == "vi" else 1
    if kind == "at_least_range":
        lo, hi = f"{row['target_low']:g}", f"{row['target_high']:g}"
        return (
            f"đạt tối thiểu {lo}–{hi}: vượt trên khoảng này cũng là đạt",
            f"reach at least {lo}–{hi}: a value above the range is achieved too",
        )[k]
    if kind in _CONDITIONAL_READINGS:
        return _CONDITIONAL_READINGS[kind][k]
    if kind not in {"share_of_units", "count_as_reported"}:
        return ""
    r = target_readings().get(row.get("target_id", ""), {})
    return _units_reading_text(row, r, kind, lang) if r else ""


#: How a conditional part of an emission target, and a total including such parts, read.
_CONDITIONAL_READINGS = {
    "conditional": (
        "phần có điều kiện: chỉ thực hiện khi có hỗ trợ quốc gia/quốc tế, và chỉ tính "
        "sau khi phần tự nguyện đã đầy — không phải nghĩa vụ bắt buộc",
        "conditional part: only with national/international support, and it fills only "
        "once the voluntary part is full — not an obligation",
    ),
    "partly_conditional": (
        "gồm phần tự nguyện và các phần có điều kiện (cần hỗ trợ quốc gia/quốc tế)",
        "voluntary part plus parts conditional on national/international support",
    ),
}


def _units_reading_text(row, r: dict, kind: str, lang: str) -> str:
    """Return how a count target set in units that later changed was read (share or count)."""
    unit, n, total, vint = r["unit_type"], r["ref_count"], r["ref_units"], r["ref_vintage"]
    share = 100 * float(n) / float(total)
    years = [int(p[0]) for p in (row.get("series") or ())]
    used = sorted({vintage_for_year(y) for y in years} | {vint})
    dens = ", ".join(f"{v}: {units_of_type(v, unit)} {unit}" for v in used)
    vi = lang == "vi"
    if kind == "share_of_units":
        if vi:
            return (
                f"“trên {n} {unit}” đặt khi tỉnh có {total} {unit} (đơn vị {vint}) → đọc là "
                f"trên {n}/{total} = {_vi_number(share)} % số {unit}; mỗi năm so với số {unit} "
                f"của chính năm đó ({dens}); đơn vị hành chính đã thay đổi"
            )
        return (
            f"'more than {n} {unit}' was set for {total} {unit} ({vint} units) → read as more "
            f"than {n}/{total} = {share:.1f} % of {unit}; each year against that year's own "
            f"{unit} ({dens}); the administrative units changed"
        )
    if vi:
        return (
            f"số {unit} theo báo cáo; mục tiêu {n} đặt cho {total} {unit} (đơn vị {vint}), "
            f"đơn vị hành chính đã thay đổi ({dens}) nên số đếm không so sánh được"
        )
    return (
        f"count as reported; the target {n} was set for {total} {unit} ({vint} units) and "
        f"the units changed ({dens}), so the count is not comparable"
    )
