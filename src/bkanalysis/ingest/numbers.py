"""Cell values → numbers.

Handles Vietnamese/English number text, missing markers, footnote marks, percentages,
error cells and formulas without cached value.

A value is never guessed: text whose reading depends on the number convention (``1.234``
is 1234 in Vietnamese and 1.234 in English) is decided from the unambiguous texts of the
same column, then of the same sheet (:func:`text_convention`), or rejected.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from bkanalysis.catalog import read_package_csv

from . import quirks
from .cells import Cell

__all__ = [
    "ParsedValue",
    "classify_number_text",
    "is_missing_marker",
    "looks_like_value",
    "parse_cell",
    "text_convention",
]

#: Reject reasons produced here (the vocabulary is listed in docs/ingestion.md).
R_MISSING = "missing marker"
R_ERROR = "error cell"
R_FORMULA = "formula without cached value"
R_AMBIGUOUS = "ambiguous number text"
R_RANGE_TEXT = "not a single number (range or qualifier)"
R_NOT_NUMBER = "not a number"


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """Result of :func:`parse_cell`: a value, or a reject reason."""

    value: float | None
    percent: bool = False
    reason: str | None = None


#: spaces of text copied from PDFs and web pages (no-break, narrow, thin, zero-width)
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": ""})
#: a minus typed as U+2212 or a dash (``–5``) by word processors
_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-"})
#: a footnote mark after a number (``73,4*``, ``12(1)``, ``5²``): the mark's note gives the
#: status, the number stays
_FOOTNOTE = re.compile(r"\s*(?:\(\s*\*+\s*\)|\*+|\(\s*\d{1,2}\s*\)|[¹²³⁰⁴-⁹]+)\s*$")
#: ``- 5``: a sign separated from its number
_SIGN_SPACE = re.compile(r"^([-+])\s+")
_CORE = re.compile(r"^[-+]?\d[\d., ]*$")
#: words and signs before a number that make it a bound or an estimate (``Khoảng 6``,
#: ``Trên 90``, ``≥ 80``): data/ingest/table_words.csv, with the reason for each
_QUALIFIER = quirks.pattern("^({})", "value_qualifier", flags=re.IGNORECASE)
#: a range (``1 - 1,5``, ``5 ÷ 7``, ``5 đến 7``) written where one value was asked for
_RANGE = re.compile(r"^\s*[-+]?\d[\d.,]*\s*(?:-|–|—|÷|đến|to)\s*[-+]?\d[\d.,]*\s*%?\s*$")


@lru_cache(maxsize=1)
def _markers() -> frozenset[str]:
    df = read_package_csv("ingest/missing_markers.csv")
    return frozenset(df["marker"].str.casefold())


def _clean_text(text: str) -> str:
    return unicodedata.normalize("NFC", text).translate(_SPACES).strip()


def is_missing_marker(text: str) -> bool:
    """Tell whether *text* is a missing-data marker (``-``, ``…``, ``x``, ``KTH`` …).

    Examples
    --------
    >>> is_missing_marker("-"), is_missing_marker(" KTH "), is_missing_marker("0")
    (True, True, False)
    """
    return _clean_text(text).casefold() in _markers()


@lru_cache(maxsize=65536)
def classify_number_text(text: str) -> tuple[float | None, float | None, str]:
    """Read number text; return ``(value_if_vi, value_if_en, evidence)``.

    *evidence* is ``'vi'`` (only the Vietnamese reading is valid), ``'en'``, ``'both'``
    (one reading, no separator ambiguity), ``'ambiguous'`` (two different readings) or
    ``'none'`` (not number text). Footnote marks, a trailing ``%`` and thousands spaces
    are allowed.

    Examples
    --------
    >>> classify_number_text("4.346,0")
    (4346.0, None, 'vi')
    >>> classify_number_text("71.40")
    (None, 71.4, 'en')
    >>> classify_number_text("1.234")
    (1234.0, 1.234, 'ambiguous')
    >>> classify_number_text("73,4*")
    (73.4, None, 'vi')
    """
    s = _strip_decorations(text)[0]
    if s is None:
        return None, None, "none"
    vi = _read(s, thousands=".", decimal=",")
    en = _read(s, thousands=",", decimal=".")
    if vi is None and en is None:
        return None, None, "none"
    if vi is not None and en is not None:
        return vi, en, ("both" if vi == en else "ambiguous")
    return vi, en, ("vi" if vi is not None else "en")


@lru_cache(maxsize=65536)
def _strip_decorations(text: str) -> tuple[str | None, bool]:
    """Return number text without footnote marks and ``%`` (None: not number text), and the ``%``.

    Pure, so memoised: :func:`_parse_text` asks again for a text
    :func:`classify_number_text` has just read.
    """
    s = _clean_text(text).translate(_SIGNS)
    prev = None
    while prev != s:
        prev = s
        s = _FOOTNOTE.sub("", s)
    pct = s.endswith("%")
    if pct:
        s = s[:-1].rstrip()
    if s[:1] in ("-", "+"):
        s = _SIGN_SPACE.sub(r"\1", s)
    if not s or not _CORE.match(s):
        return None, pct
    return s, pct


def _read(s: str, *, thousands: str, decimal: str) -> float | None:
    sign = -1.0 if s.startswith("-") else 1.0
    body = s.lstrip("+-")
    if body.count(decimal) > 1:
        return None
    if decimal in body:
        int_part, frac = body.split(decimal)
        if not frac.isdigit():
            return None
    else:
        int_part, frac = body, ""
    groups = int_part.replace(thousands, " ").split(" ")
    if len(groups) > 1:
        if not (1 <= len(groups[0]) <= 3 and groups[0].isdigit()):
            return None
        if any(len(g) != 3 or not g.isdigit() for g in groups[1:]):
            return None
        if groups[0] == "0":
            return None
    elif not int_part.isdigit():
        return None
    digits = "".join(groups) + ("." + frac if frac else "")
    return sign * float(Decimal(digits))


@lru_cache(maxsize=65536)
def looks_like_value(text: str) -> bool:
    """Tell whether *text* is meant as a value (number text, marker, range, qualified number).

    Examples
    --------
    >>> looks_like_value("4.346,0"), looks_like_value("Khoảng 6"), looks_like_value("Huyện Ba Bể")
    (True, True, False)
    """
    s = _clean_text(text)
    if not s:
        return False
    if is_missing_marker(s):
        return True
    if classify_number_text(s)[2] != "none":
        return True
    if _RANGE.match(s.translate(_SIGNS)):
        return True
    return bool(_QUALIFIER.match(s) and re.search(r"\d", s) and len(s) <= 40)


def text_convention(texts) -> str | None:
    """Decide the number convention (``'vi'`` or ``'en'``) from unambiguous number texts.

    Returns None when there is no evidence or the evidence conflicts.

    Examples
    --------
    >>> text_convention(["4.346,0", "1.234"]), text_convention(["370,382"]), text_convention([])
    ('vi', None, None)
    """
    seen = set()
    for t in texts:
        ev = classify_number_text(t)[2]
        if ev in ("vi", "en"):
            seen.add(ev)
    return seen.pop() if len(seen) == 1 else None


def parse_cell(cell: Cell, convention: str | None = None) -> ParsedValue:
    """Read one cell as a number, or say why not.

    Parameters
    ----------
    cell : Cell
        The cell.
    convention : {'vi', 'en'}, optional
        Number convention of the context, used only for ambiguous number text.

    Examples
    --------
    >>> parse_cell(Cell(0.734, "0.0%", True))
    ParsedValue(value=73.4, percent=True, reason=None)
    >>> parse_cell(Cell("73,4%")).value, parse_cell(Cell("-")).reason
    (73.4, 'missing marker')
    >>> parse_cell(Cell("1.234")).reason, parse_cell(Cell("1.234"), "vi").value
    ('ambiguous number text', 1234.0)
    """
    if cell.is_error:
        return ParsedValue(None, reason=f"{R_ERROR} ({cell.value})")
    if cell.is_formula and not cell.has_cached:
        return ParsedValue(None, reason=R_FORMULA)
    v = cell.value
    if isinstance(v, float) and not cell.is_percent and math.isfinite(v):
        return ParsedValue(v)  # the common case: a plain number
    if isinstance(v, str):
        return _parse_text(v, convention)
    if isinstance(v, bool):
        return ParsedValue(None, reason=f"{R_NOT_NUMBER} (boolean)")
    if isinstance(v, (_dt.date, _dt.time, _dt.timedelta)):
        return ParsedValue(None, reason=f"{R_NOT_NUMBER} (date/time)")
    if isinstance(v, (int, float)):
        x = float(v)
        if not math.isfinite(x):
            return ParsedValue(None, reason=f"{R_NOT_NUMBER} (not finite)")
        if cell.is_percent:
            return ParsedValue(float(Decimal(repr(x)) * 100), percent=True)
        return ParsedValue(x)
    if v is None:
        return ParsedValue(None, reason=R_NOT_NUMBER)
    return _parse_text(str(v), convention)


@lru_cache(maxsize=65536)
def _parse_text(raw: str, convention: str | None) -> ParsedValue:
    """Read cell text (the text branch of :func:`parse_cell`; pure, so memoised)."""
    text = _clean_text(raw)
    if is_missing_marker(text):
        return ParsedValue(None, reason=R_MISSING)
    if text.startswith("#") and text.upper().rstrip("!?/0") in {
        "#REF",
        "#VALUE",
        "#DIV",
        "#N/A",
        "#NAME",
        "#NUM",
        "#NULL",
        "#ERROR",
        "#N/",
    }:
        return ParsedValue(None, reason=f"{R_ERROR} ({text})")
    vi, en, ev = classify_number_text(text)
    pct = _strip_decorations(text)[1]
    if ev == "none":
        if _RANGE.match(text.translate(_SIGNS)) or (
            _QUALIFIER.match(text) and re.search(r"\d", text)
        ):
            return ParsedValue(None, reason=R_RANGE_TEXT)
        return ParsedValue(None, reason=R_NOT_NUMBER)
    if ev == "vi":
        return ParsedValue(vi, percent=pct)
    if ev == "en":
        return ParsedValue(en, percent=pct)
    if ev == "both":
        return ParsedValue(vi, percent=pct)
    if convention == "vi":
        return ParsedValue(vi, percent=pct)
    if convention == "en":
        return ParsedValue(en, percent=pct)
    return ParsedValue(None, reason=R_AMBIGUOUS)
