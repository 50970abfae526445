"""Normalising Vietnamese administrative-unit labels for comparison.

Two comparison keys are built from a label's *short name* (without type prefix):

- the **tone key** keeps every letter's shape (``ă``, ``ơ``, ``đ``…) but moves the tone
  mark to the end of the syllable as a digit, so old and new tone placement
  (``Hoà``/``Hòa``, ``Thuỷ``/``Thủy``, ``Qúy``/``Quý``) and NFC/NFD give the same key;
- the **ASCII key** (:func:`normalise_name`) drops all diacritics, mapping ``đ`` to ``d``
  explicitly (never by NFKD, which would lose it).

Both map a syllable-final ``y`` after a consonant to ``i`` (``Sĩ``/``Sỹ``, ``Kỳ``/``Kì``).

:func:`parse_label` cleans a raw spreadsheet label (numbering, footnote marks, PDF
artefacts, bilingual suffixes) and returns the readings to try, each a pair of an allowed
set of unit types (from a prefix such as ``TT.`` or an English word such as ``district``)
and a short name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["clean_label", "normalise_name", "parse_label", "split_parts", "tone_key"]

# NOTE: PDF-to-Excel conversions of Vietnamese yearbooks often render "ư"/"Ư" as the
# Latin letters "ƣ"/"Ƣ" (U+01A3/U+01A2, "oi"), e.g. "Phƣờng".
_PDF_ARTEFACTS = str.maketrans({"ƣ": "ư", "Ƣ": "Ư", "\u00a0": " ", "\u200b": ""})

# combining tone marks: grave, acute, tilde, hook above, dot below
_TONES = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}
_VOWELS = set("aăâeêioôơuưy")

_FOOTNOTE = re.compile(r"\(\s*\*+\s*\)|\*+|[¹²³⁰⁴-⁹]+|\(\s*\d{1,2}\s*\)\s*$")
# numbering at the start: "1.", "1.2", "12)", "I.", "IV)", "a)", bullets.
# NOTE: "X." is *not* read as the Roman numeral ten: it is the usual abbreviation of "Xã".
_NUMBERING = re.compile(
    r"^\s*(?:[-+•–—*]\s*|\d+(?:\.\d+)*[.)]?\s+|(?!X\.)[IVX]{1,4}[.)]\s*|[a-zđ]\)\s*)",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s*[-–—/|\n;]\s*|\s*[()]\s*")

#: prefix regex (on lower-case NFC text) -> unit types it allows
_PREFIXES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = tuple(
    (re.compile(p), frozenset(t))
    for p, t in [
        (r"^tỉnh\s+", {"tỉnh"}),
        (r"^(?:thành phố|t\.\s?p\.|tp\.|tp\s)\s*", {"thành phố"}),
        (r"^(?:thị xã|tx\.|tx\s)\s*", {"thị xã"}),
        (r"^(?:huyện|h\.)\s*", {"huyện"}),
        (r"^(?:thị trấn|tt\.|tt\s)\s*", {"thị trấn"}),
        (r"^(?:phường|p\.)\s*", {"phường"}),
        (r"^(?:xã|x\.)\s*", {"xã"}),
        # prefixes typed without diacritics
        (r"^tinh\s+", {"tỉnh"}),
        (r"^thanh pho\s+", {"thành phố"}),
        (r"^thi xa\s+", {"thị xã"}),
        (r"^huyen\s+", {"huyện"}),
        (r"^thi tran\s+", {"thị trấn"}),
        (r"^phuong\s+", {"phường"}),
        (r"^xa\s+", {"xã"}),
    ]
)

_ENGLISH = {
    "province": {"tỉnh"},
    "district": {"huyện", "thành phố", "thị xã"},
    "city": {"thành phố"},
    "town": {"thị trấn", "thị xã"},
    "township": {"thị trấn"},
    "commune": {"xã"},
    "ward": {"phường"},
}
_ENGLISH_SUFFIX = re.compile(r"\s+(" + "|".join(_ENGLISH) + r")$")
_ENGLISH_PREFIX = re.compile(r"^(" + "|".join(_ENGLISH) + r")\s+(?:of\s+)?")


@lru_cache(maxsize=65536)
def clean_label(text: str) -> str:
    """Return *text* as NFC without PDF artefacts, footnote marks, numbering, extra spaces.

    Case and separators are kept.

    Examples
    --------
    >>> clean_label("  1.  Phƣờng   Sông Cầu (*)")
    'Phường Sông Cầu'
    >>> clean_label("II. Huyện Ba Bể")
    'Huyện Ba Bể'
    >>> clean_label("X. Bằng Thành")
    'X. Bằng Thành'
    """
    if not isinstance(text, str):
        raise TypeError(f"label must be a str, got {type(text).__name__}: {text!r}")
    s = unicodedata.normalize("NFC", text).translate(_PDF_ARTEFACTS)
    s = _FOOTNOTE.sub(" ", s)
    s = re.sub(r"[ \t\r\f\v]+", " ", s).strip()
    previous = None
    while previous != s:
        previous = s
        s = _NUMBERING.sub("", s).strip()
    return s


@lru_cache(maxsize=65536)
def split_parts(text: str) -> tuple[str, ...]:
    """Split a cleaned label into its bilingual/parenthesised parts.

    Examples
    --------
    >>> split_parts("Huyện Ba Bể - Ba Be district")
    ('Huyện Ba Bể', 'Ba Be district')
    >>> split_parts("TỔNG SỐ - TOTAL")
    ('TỔNG SỐ', 'TOTAL')
    """
    parts = [p.strip(" .,:") for p in _SEPARATORS.split(text)]
    return tuple(p for p in parts if p)


@lru_cache(maxsize=65536)
def _word_tone_key(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tone = ""
    base = []
    for ch in decomposed:
        if ch in _TONES:
            tone = tone or _TONES[ch]
        else:
            base.append(ch)
    w = unicodedata.normalize("NFC", "".join(base))
    # NOTE: i/y variants (Sĩ/Sỹ, Kì/Kỳ, Mĩ/Mỹ): a final "y" after a consonant is "i".
    if len(w) >= 2 and w.endswith("y") and w[-2] not in _VOWELS:
        w = w[:-1] + "i"
    return w + tone


def _words(text: str) -> list[str]:
    s = unicodedata.normalize("NFC", text).translate(_PDF_ARTEFACTS).lower()
    return re.findall(r"\w+", s)


@lru_cache(maxsize=65536)
def tone_key(text: str) -> str:
    """Diacritic-preserving comparison key with tone marks moved to syllable ends.

    Examples
    --------
    >>> tone_key("Hoà Mục") == tone_key("Hòa Mục")
    True
    >>> tone_key("Liêm Thuỷ") == tone_key("Liêm Thủy")
    True
    >>> tone_key("Sĩ Bình") == tone_key("Sỹ Bình")
    True
    >>> tone_key("Bằng Lãng") == tone_key("Bằng Lăng")
    False
    """
    return " ".join(_word_tone_key(w) for w in _words(text))


def normalise_name(text: str) -> str:
    """Return an ASCII comparison key for a Vietnamese name (``đ`` → ``d`` explicitly).

    Diacritics are removed, letters lower-cased, punctuation turned into single spaces,
    and a syllable-final ``y`` after a consonant read as ``i``.

    Examples
    --------
    >>> normalise_name("Chợ Đồn")
    'cho don'
    >>> normalise_name("Phƣờng  Nguyễn Thị Minh Khai")
    'phuong nguyen thi minh khai'
    >>> normalise_name("Xã Sỹ Bình") == normalise_name("xa si binh")
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"name must be a str, got {type(text).__name__}: {text!r}")
    return _ascii_key(text)


@lru_cache(maxsize=65536)
def _ascii_key(text: str) -> str:
    out = []
    for w in _words(text):
        w = w.replace("đ", "d")
        w = "".join(c for c in unicodedata.normalize("NFD", w) if not unicodedata.combining(c))
        if len(w) >= 2 and w.endswith("y") and w[-2] not in "aeiouy":
            w = w[:-1] + "i"
        out.append(w)
    return " ".join(out)


@lru_cache(maxsize=65536)
def parse_label(part: str) -> tuple[tuple[frozenset[str] | None, str], ...]:
    """Return the readings of one label part: (allowed unit types or None, short name).

    The whole part is always one reading (so a commune called ``Phương Linh`` is not
    mistaken for a ward); a recognised prefix or English type word adds another.

    Examples
    --------
    >>> parse_label("TT. Chợ Rã")[-1]
    (frozenset({'thị trấn'}), 'Chợ Rã')
    >>> sorted(parse_label("Ba Be district")[-1][0])
    ['huyện', 'thành phố', 'thị xã']
    """
    readings: list[tuple[frozenset[str] | None, str]] = [(None, part)]
    lower = unicodedata.normalize("NFC", part).lower()
    m = _ENGLISH_SUFFIX.search(lower) or _ENGLISH_PREFIX.search(lower)
    if m:
        types = frozenset(_ENGLISH[m.group(1)])
        rest = (part[: m.start()] + part[m.end() :]).strip()
        if rest:
            readings.append((types, rest))
    for pattern, types in _PREFIXES:
        m = pattern.match(lower)
        if m and part[m.end() :].strip():
            readings.append((types, part[m.end() :].strip()))
            break
    return tuple(readings)
