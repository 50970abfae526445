"""Labels: comparison keys, period labels (→ year + status), units, indicator matching.

Matching, in order: a researcher's alias (``data/raw/aliases.csv``); a catalogue alias
*equal* to the label once noise words are removed (``Tổng số``, ``Chia ra - Of which``,
``phân theo huyện…``; diacritic- and case-insensitive, ``đ``→``d``, ``ƣ``→``ư``, NFC/NFD
alike); then :func:`match_by_synonyms`, which compares the labels' words after synonym
classes and stop-words (package data) are applied, takes the declared unit and the
table's theme as evidence, and accepts only one qualifying indicator that beats the
runner-up by a margin. Anything else is reported with ranked candidates — never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from bkanalysis.catalog import load_indicators, read_package_csv

from . import quirks

__all__ = [
    "IndicatorMatch",
    "Period",
    "area_words",
    "canonical",
    "canonical_sequence",
    "explain_match",
    "fold",
    "is_part_label",
    "key",
    "match_by_synonyms",
    "match_indicator",
    "names_an_area",
    "parse_period",
    "parse_unit",
    "parse_unit_line",
    "split_bilingual",
    "suggest_indicator",
    "themes_of",
    "title_key",
    "toned_key",
    "use_aliases",
]

# NOTE: text copied from PDF exports carries "ƣ" (U+01A3) for "ư" and non-breaking or
# zero-width spaces; every comparison of labels maps them first
_PDF = str.maketrans({"ƣ": "ư", "Ƣ": "Ư", "\u00a0": " ", "\u202f": " ", "\u200b": ""})
_NONWORD = re.compile(r"[^\w%]+")
# NOTE: comparison keys expand the abbreviations of department reports (NTM, KNK …),
# drop words that carry no meaning for matching and fold synonymous phrases to one form;
# the lists are data/ingest/key_words.csv, with the reason for each word
_ABBREV = quirks.key_words("abbreviation")
_STOPWORDS = frozenset(quirks.key_words("stopword"))
_PHRASES = tuple(quirks.key_words("phrase").items())


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case *text* and drop diacritics (``đ``→``d``), keeping punctuation.

    Examples
    --------
    >>> fold("Tỷ lệ che phủ rừng (%)"), fold("Đơn vị tính"), fold("Hƣớng Hóa")
    ('ty le che phu rung (%)', 'don vi tinh', 'huong hoa')
    """
    s = unicodedata.normalize("NFC", str(text)).translate(_PDF).casefold()
    s = s.replace("đ", "d")
    s = "".join(ch for ch in unicodedata.normalize("NFD", s) if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", s)


def toned_key(text: str) -> str:
    """Lower-case NFC text with its diacritics kept, punctuation as spaces (PDF ``ƣ`` → ``ư``).

    For words whose tone marks decide: ``Cộng`` (sub-total) is not ``Công`` (a name).

    Examples
    --------
    >>> toned_key("CỘNG HUYỆN - Ba Bể"), toned_key("Công Bằng")
    ('cộng huyện ba bể', 'công bằng')
    """
    s = unicodedata.normalize("NFC", text).translate(_PDF).casefold()
    return " ".join(_NONWORD.sub(" ", s).split())


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """Comparison key: folded, punctuation → spaces, abbreviations expanded.

    Examples
    --------
    >>> key("Số xã đạt chuẩn NTM"), key("Tỉ lệ  che phủ-rừng")
    ('so xa dat chuan nong thon moi', 'ty le che phu rung')
    """
    words = _NONWORD.sub(" ", fold(text).replace("_", " ")).split()
    out = " ".join(x for w in words for x in _ABBREV.get(w, w).split() if x not in _STOPWORDS)
    for a, b in _PHRASES:
        if a in out:
            out = re.sub(rf"\b{a}\b", b, out)
    return out


# ------------------------------------------------------------------ periods


@dataclass(frozen=True, slots=True)
class Period:
    """A reference year and observation status read from a label."""

    year: int
    status: str


@lru_cache(maxsize=1)
def _period_phrases() -> tuple[tuple[tuple[str, ...], str], ...]:
    df = read_package_csv("ingest/periods.csv")
    out = [(tuple(key(p).split()), s) for p, s in zip(df["phrase"], df["status"], strict=True)]
    return tuple(sorted(out, key=lambda t: -len(t[0])))


#: a plain year as a period label or header number (1960–2060; other numbers are values)
_YEAR = re.compile(r"^(19[6-9]\d|20[0-5]\d|2060)$")


def parse_period(text) -> Period | None:
    r"""Read a period label such as ``2019``, ``Sơ bộ - Prel. 2023``, ``KH 2020``, ``ƯTH 2020``.

    Every word must be understood (one year, status words, ``năm``/``year``, footnote
    marks); otherwise None. Conflicting status words also give None.

    Examples
    --------
    >>> parse_period("Sơ bộ\nPrel.\n2021")
    Period(year=2021, status='preliminary')
    >>> parse_period("ƯTH 2020"), parse_period("2008(*)")
    (Period(year=2020, status='estimate'), Period(year=2008, status='actual'))
    >>> parse_period("KH 2020").status, parse_period("Ước TH 2020").status
    ('plan', 'estimate')
    >>> parse_period("2016-2020") is None, parse_period("Tên huyện") is None
    (True, True)
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float)):
        if float(text).is_integer() and _YEAR.match(str(int(text))):
            return Period(int(text), "actual")
        return None
    if not isinstance(text, str):
        return None
    return _parse_period_text(text)


@lru_cache(maxsize=65536)
def _parse_period_text(text: str) -> Period | None:
    s = re.sub(r"[¹²³⁰⁴-⁹]", "", str(text))
    s = re.sub(r"\(\s*\*+\s*\)|\*+|\(\s*\d{1,2}\s*\)\s*$", " ", s)
    toks = key(s).split()
    if not toks or len(toks) > 8:
        return None
    years = sorted({t for t in toks if _YEAR.match(t)})
    if len(years) != 1:
        return None
    rest = [t for t in toks if t != years[0]]
    statuses = set()
    i = 0
    phrases = _period_phrases()
    while i < len(rest):
        for words, status in phrases:
            if tuple(rest[i : i + len(words)]) == words:
                if status:
                    statuses.add(status)
                i += len(words)
                break
        else:
            return None
    if "weak" in statuses:
        # "Chỉ tiêu" means both "indicator" and "target": a period only beside KH/TH…
        statuses.discard("weak")
        if not statuses:
            return None
    if len(statuses) > 1:
        return None
    return Period(int(years[0]), statuses.pop() if statuses else "actual")


def is_year_number(v) -> bool:
    """Tell whether *v* is an integer-valued number between 1960 and 2060 (a year header cell)."""
    return (
        isinstance(v, (int, float))
        and not isinstance(v, bool)
        and 1960 <= v <= 2060
        and float(v).is_integer()
    )


# ------------------------------------------------------------------ units


@lru_cache(maxsize=1)
def _units() -> dict[str, tuple[str, float]]:
    df = read_package_csv("ingest/units.csv")
    out = {}
    for t, u, f in zip(df["text"], df["unit"], df["factor"], strict=True):
        out[_unit_key(t)] = (u, float(f))
    return out


def _unit_key(text: str) -> str:
    s = unicodedata.normalize("NFKC", fold(text))
    s = s.replace("²", "2")
    s = re.sub(r"\s*/\s*", "/", s)
    s = re.sub(r"[().:]", " ", s)
    return " ".join(s.split())


@lru_cache(maxsize=4096)
def parse_unit(text) -> tuple[str, float] | None:
    """Canonical unit and factor of a unit text, or None if unknown.

    Examples
    --------
    >>> parse_unit("Nghìn ha"), parse_unit("(Km2)"), parse_unit("Người/km2")
    (('ha', 1000.0), ('ha', 100.0), None)
    """
    if not isinstance(text, str):
        return None
    units = _units()
    hit = units.get(_unit_key(text))
    if hit is not None or "(" not in text:
        return hit
    outer = _PAREN.sub(" ", text).strip()
    parts = [outer, *_PAREN.findall(text)]
    found = {units.get(_unit_key(p)) for p in parts if p.strip()}
    return found.pop() if len(found) == 1 else None


#: the words a unit line starts with (``Đơn vị tính - Unit: Ha``, ``ĐVT: %``), from
#: data/ingest/table_words.csv
_UNIT_PREFIX = quirks.pattern(r"^\s*(?:{})\s*[:：]?\s*", "unit_word", flags=re.IGNORECASE)


@lru_cache(maxsize=16384)
def parse_unit_line(text) -> tuple[str, str | None] | None:
    """Read a unit line (``Đơn vị tính - Unit: Ha``, ``ĐVT: %``).

    Returns ``(raw_unit_text, canonical_unit or None)`` or None if *text* is not a unit
    line. Both halves of a bilingual line must agree.

    Examples
    --------
    >>> parse_unit_line("Đơn vị tính - Unit: Ha")
    ('Ha', 'ha')
    >>> parse_unit_line("ĐVT: Người - Unit: Person")
    ('Người', 'persons')
    >>> parse_unit_line("Đơn vị tính: Tỷ đồng")
    ('Tỷ đồng', None)
    """
    if not isinstance(text, str):
        return None
    s = unicodedata.normalize("NFC", text).strip()
    if not _UNIT_PREFIX.match(s):
        return None
    parts = [p for p in re.split(r"\s+-\s+|\s*[;|]\s*|\n", s) if p.strip()]
    raws = []
    for p in parts:
        p2 = _UNIT_PREFIX.sub("", p.strip()).strip()
        if p2:
            raws.append(p2)
    if not raws:
        return None
    # the halves must agree on the unit and its factor; a half not understood is no
    # disagreement (``Đơn vị tính: Ha - Unit: Hectare``)
    factors = {p for p in map(parse_unit, raws) if p is not None}
    return raws[0], (next(iter(factors))[0] if len(factors) == 1 else None)


_PAREN = re.compile(r"\(([^()]*)\)")


def split_units(text: str) -> tuple[str, list[str]]:
    """Remove unit parentheticals from *text*; return the rest and the unit texts.

    Examples
    --------
    >>> split_units("Tỷ lệ che phủ rừng (%)")
    ('Tỷ lệ che phủ rừng', ['%'])
    >>> split_units("Số xã đạt chuẩn NTM (lũy kế)")
    ('Số xã đạt chuẩn NTM (lũy kế)', [])
    """
    rest, units = _split_units(text)
    return rest, list(units)


@lru_cache(maxsize=65536)
def _split_units(text: str) -> tuple[str, tuple[str, ...]]:
    units = []

    def repl(m):
        inner = m.group(1).strip()
        if parse_unit(inner) is not None or _looks_unit(inner):
            units.append(inner)
            return " "
        return m.group(0)

    rest = _PAREN.sub(repl, text)
    return " ".join(rest.split()), tuple(units)


def _looks_unit(inner: str) -> bool:
    k = fold(inner)
    return bool(re.fullmatch(r"[\w²]+\s*/\s*[\w²]+", k)) and len(k) <= 15


def split_bilingual(text: str) -> list[str]:
    r"""Split a cell text into its lines and `` - ``/`` / `` separated halves.

    Examples
    --------
    >>> split_bilingual("Diện tích có rừng\nArea of forest")
    ['Diện tích có rừng', 'Area of forest']
    >>> split_bilingual("Chia ra - Of which")
    ['Chia ra', 'Of which']
    """
    return list(_split_bilingual(text))


@lru_cache(maxsize=65536)
def _split_bilingual(text: str) -> tuple[str, ...]:
    parts = re.split(r"\s*\n\s*|\s+[-–—/]\s+", unicodedata.normalize("NFC", text))
    return tuple(p.strip() for p in parts if p and p.strip())


@lru_cache(maxsize=65536)
def is_english(text: str) -> bool:
    """Tell whether *text* has no Vietnamese-only letters (so it reads as the English half)."""
    return all(ord(ch) < 128 or ch in "²³" for ch in unicodedata.normalize("NFC", text))


# ------------------------------------------------------------------ indicators


@dataclass(frozen=True)
class IndicatorMatch:
    """Outcome of :func:`match_indicator`: an id, or a reason with candidates.

    ``how`` says how the id was found: ``exact`` (the label is a catalogue alias),
    ``alias`` (a researcher's alias, ``data/raw/aliases.csv``) or ``synonyms`` (equal to an
    alias once synonyms and stop-words are normalised, see :func:`canonical`); ``score``
    is the rapidfuzz similarity (0–100) of the label to the winner's closest alias and
    ``runner_up``/``runner_score`` the best other indicator; ``tolerated`` lists the
    label's words (folded) the matcher ignored as fillers (see :func:`match_by_synonyms`).
    """

    id: str | None
    reason: str | None = None
    candidates: tuple[str, ...] = field(default_factory=tuple)
    how: str = "exact"
    score: float = 100.0
    runner_up: str | None = None
    runner_score: float = 0.0
    tolerated: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _noise() -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    df = read_package_csv("ingest/label_noise.csv")
    label = tuple(key(p) for p in df.loc[df["scope"] == "label", "pattern"])
    title = tuple(re.compile(fold(p)) for p in df.loc[df["scope"] == "title", "pattern"])
    return label, title


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict[str, frozenset[str]], dict[str, str], dict[str, set[str]], dict]:
    cat = load_indicators()
    index: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    units = {}
    for row in cat.itertuples(index=False):
        units[row.id] = row.unit
        for alias in [row.name_vi, row.name_en, *str(row.aliases).split("|")]:
            k = key(split_units(alias)[0]) if alias else ""
            if k:
                index.setdefault(k, set()).add(row.id)
                if row.unit == "%" and k.startswith("ty le ") and len(k) > 12:
                    short.setdefault(k[6:], set()).add(row.id)
    for k, ids in short.items():
        index.setdefault(k, set(ids))
    comp = read_package_csv("ingest/components.csv")
    children: dict[str, dict[str, str]] = {}
    contextual: set[str] = set()
    for parent, child, labels in zip(
        comp["parent_id"], comp["child_id"], comp["child_labels"], strict=True
    ):
        for lab in labels.split("|") if labels else []:
            k = key(lab)
            children.setdefault(parent, {})[k] = child
            contextual.add(k)
        children.setdefault(parent, {})
        children[parent].setdefault("\0" + child, child)
    frozen = {k: frozenset(v) for k, v in index.items()}
    return frozen, units, children, {"contextual": contextual}


def indicator_unit(indicator_id: str) -> str:
    """Canonical unit of an indicator id."""
    return _catalog()[1][indicator_id]


_MALE = re.compile(r"(?<!\w)nam(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """Key of a label with unit parentheticals, numbering and noise words removed.

    Examples
    --------
    >>> label_key("1.2. Tỷ lệ che phủ rừng (%)"), label_key("Tổng số - Total")
    ('ty le che phu rung', '')
    >>> label_key("Dân số nam"), label_key("Dân số năm 2020")
    ('dan so nam gioi', 'dan so nam 2020')
    """
    rest = split_units(text)[0]
    if not rest.isascii():
        # NOTE: folded, "nam" (male) is "năm" (year, a noise word): in a label typed with
        # diacritics a bare "nam" is the part "male" (Dân số nam), never the year
        rest = _MALE.sub("nam giới", unicodedata.normalize("NFC", rest))
    rest = re.sub(r"^\s*(?:[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])\s*[.):]\s*", "", rest)
    rest = re.sub(r"^\s*[-+•*]\s*", "", rest)
    k = key(rest)
    toks = k.split()
    phrases = sorted((p.split() for p in _noise()[0]), key=len, reverse=True)
    i = 0
    while i < len(toks):
        for ph in phrases:
            if toks[i : i + len(ph)] == ph:
                i += len(ph)
                break
        else:
            return k
    return ""


def strip_noise_ends(k: str) -> str:
    """Remove noise phrases at the start and end of a key (``chia ra rung trong``)."""
    toks = k.split()
    phrases = sorted((p.split() for p in _noise()[0]), key=len, reverse=True)
    changed = True
    while changed and toks:
        changed = False
        for ph in phrases:
            if toks[: len(ph)] == ph and len(toks) > len(ph):
                toks = toks[len(ph) :]
                changed = True
                break
            if toks[-len(ph) :] == ph and len(toks) > len(ph):
                toks = toks[: -len(ph)]
                changed = True
                break
    return " ".join(toks)


@lru_cache(maxsize=16384)
def title_key(text: str) -> str:
    """Key of a title line with the title noise removed (``phân theo huyện`` …).

    Examples
    --------
    >>> title_key("Diện tích rừng phân theo huyện/thành phố thuộc tỉnh")
    'dien tich rung'
    >>> title_key("Biểu 5. Dân số trung bình tỉnh Bắc Kạn năm 2021")
    'dan so trung binh'
    """
    s = key(split_units(text)[0])
    for pat in _noise()[1]:
        s = pat.sub(" ", s)
        s = " ".join(s.split())
    return s


#: A researcher's aliases (``data/raw/aliases.csv``) in force: label key -> indicator id.
_USER_ALIASES: dict[str, str] = {}


def use_aliases(aliases: dict[str, str]) -> bool:
    """Put a researcher's aliases (label key -> indicator id) in force; tell if they changed.

    They are looked up before the package catalogue by :func:`match_indicator`. The
    reader calls this once per workbook with the aliases whose ``file`` glob fits it.
    """
    if aliases == _USER_ALIASES:
        return False
    _USER_ALIASES.clear()
    _USER_ALIASES.update(aliases)
    return True


def match_indicator(
    label_k: str, context: tuple[str, ...] = (), unit: str | None = None
) -> IndicatorMatch:
    """Match a label key (from :func:`label_key`/:func:`title_key`) to one indicator.

    *context* lists indicator ids of enclosing group headers/titles (nearest first); a
    context-dependent label such as ``Năng lượng`` (a sector of either the actual or the
    BAU emissions) only matches through such a context. *unit* is the canonical unit
    declared for the label's cells (row, column or table), if any: evidence for a match
    that is not exact (see :func:`match_by_synonyms`).

    A researcher's alias (:func:`use_aliases`) wins; then a catalogue alias equal to the
    label; then :func:`match_by_synonyms`, which accepts only a clear winner.

    Examples
    --------
    >>> match_indicator(label_key("Diện tích có rừng")).id
    'forest_area_ha'
    >>> match_indicator(label_key("Năng lượng"), ("ghg_bau_tco2e",)).id
    'ghg_bau_energy_tco2e'
    >>> match_indicator(label_key("Năng lượng")).reason
    "label 'nang luong' is a sector: needs a group header naming actual or BAU emissions"
    >>> match_indicator(label_key("Mới trồng")).id is None
    True
    >>> m = match_indicator(label_key("Tỷ lệ hộ gia đình được dùng nước sạch"), unit="%")
    >>> m.id, m.how
    ('clean_water_households_pct', 'synonyms')
    """
    if _USER_ALIASES:
        hit = _USER_ALIASES.get(label_k)
        if hit is not None:
            return IndicatorMatch(hit, how="alias")
    return _match_cached(label_k, context, unit)


@lru_cache(maxsize=65536)
def _match_cached(label_k: str, context: tuple[str, ...], unit: str | None) -> IndicatorMatch:
    index, _units_, children, extra = _catalog()
    if not label_k:
        return IndicatorMatch(None, "empty label")
    if label_k in extra["contextual"]:
        for parent in context:
            child = children.get(parent, {}).get(label_k)
            if child:
                return IndicatorMatch(child)
        cands = sorted({c for p in children.values() for k2, c in p.items() if k2 == label_k})
        return IndicatorMatch(
            None,
            f"label {label_k!r} is a sector: needs a group header naming actual or BAU emissions",
            tuple(cands),
        )
    ids = index.get(label_k)
    if not ids:
        alt = strip_noise_ends(label_k)
        if alt != label_k:
            m = _match_cached(alt, context, unit)
            if m.id or m.how == "exact":
                return m
        if label_k.startswith("ty le ") and len(label_k) > 12:
            m = _match_cached(label_k[6:], context, unit)
            if m.id and _units_[m.id] == "%":
                return m
    if ids and len(ids) == 1:
        return IndicatorMatch(next(iter(ids)))
    if ids:
        return IndicatorMatch(
            None, f"label {label_k!r} matches several indicators", tuple(sorted(ids))
        )
    return match_by_synonyms(label_k, context, unit)


# ------------------------------------------------------------------ synonyms

#: a synonym match must beat the best other indicator by this many rapidfuzz points
MARGIN = 5.0
_COUNT_UNITS = quirks.count_units()


@lru_cache(maxsize=1)
def _synonyms() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    df = read_package_csv("ingest/label_synonyms.csv")
    out = []
    for phrase, canon in zip(df["phrase"], df["canonical"], strict=True):
        words = tuple(key(phrase).split())
        if words:
            out.append((words, tuple(key(canon).split()) if canon else ()))
    return tuple(sorted(out, key=lambda t: -len(t[0])))


@lru_cache(maxsize=65536)
def canonical(label_k: str) -> tuple[str, ...]:
    """Return the normal form of a label key: synonyms as one word, stop-words dropped.

    The classes are package data (``ingest/label_synonyms.csv``): ``hộ gia đình``/``hộ
    dân``/``hộ`` are one word, ``rác``/``rác thải``/``CTR``/``chất thải rắn sinh hoạt``
    another; verbs of access (``được sử dụng``, ``dùng``) and fillers (``các``, ``của``)
    are dropped. Words are returned sorted and without repetition (order does not
    decide: ``thu gom rác`` = ``rác được thu gom``).

    Examples
    --------
    >>> canonical(label_key("Tỷ lệ hộ gia đình được dùng nước sạch (%)"))
    ('ho', 'le', 'nuoc', 'sach', 'ty')
    >>> canonical(key("Tỷ lệ CTR sinh hoạt đô thị được thu gom và xử lý"))
    ('do', 'le', 'ly', 'rac', 'thi', 'ty', 'xu')
    """
    return tuple(sorted(set(canonical_sequence(label_k))))


@lru_cache(maxsize=65536)
def canonical_sequence(label_k: str) -> tuple[str, ...]:
    """Return the words of :func:`canonical` in the label's order, repetitions kept.

    Examples
    --------
    >>> canonical_sequence(key("Mật độ dân số"))
    ('mat', 'do', 'dan', 'so')
    """
    toks = label_k.split()
    syn = _synonyms()
    for _ in range(3):  # a replacement may complete a longer phrase (sửdụngđất)
        out: list[str] = []
        i = 0
        while i < len(toks):
            for words, rep in syn:
                if toks[i] == words[0] and tuple(toks[i : i + len(words)]) == words:
                    out.extend(rep)
                    i += len(words)
                    break
            else:
                out.append(toks[i])
                i += 1
        if out == toks:
            break
        toks = out
    return tuple(toks)


@lru_cache(maxsize=1)
def _implied() -> dict[str, frozenset[str]]:
    df = read_package_csv("ingest/label_implied.csv")
    out: dict[str, set[str]] = {}
    for when, words in zip(df["when"], df["words"], strict=True):
        out.setdefault(when, set()).update(canonical(key(words)))
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _parts() -> frozenset[tuple[str, ...]]:
    df = read_package_csv("ingest/label_parts.csv")
    return frozenset(canonical(key(p)) for p in df["phrase"])


def is_part_label(text: str) -> bool:
    """Tell whether a row label only names a part of its parent row (``- Đô thị``).

    Examples
    --------
    >>> is_part_label("- Khu vực thành thị"), is_part_label("Tỷ lệ hộ nông thôn")
    (True, False)
    """
    c = canonical(label_key(text))
    return bool(c) and c in _parts()


@lru_cache(maxsize=4096)
def themes_of(text_k: str) -> tuple[str, ...]:
    """Themes a title key names by their implied words (``… khí nhà kính`` → emissions).

    Examples
    --------
    >>> themes_of(key("Kết quả kiểm kê khí nhà kính năm 2024"))
    ('theme:emissions',)
    """
    words = set(canonical(text_k))
    out = []
    df = read_package_csv("ingest/label_implied.csv")
    for when, phrase in zip(df["when"], df["words"], strict=True):
        if when.startswith("title:") and set(canonical(key(phrase))) <= words:
            out.append("theme:" + when.split(":", 1)[1])
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def _areas() -> tuple[tuple[re.Pattern, str], ...]:
    """Return the patterns of a title about rural, or urban, areas and their label words.

    The patterns are ``table_words.csv``'s, matched as whole words of a key; the words are
    those the commune tables' rural/urban split adds (``area_split.csv``).
    """
    split = read_package_csv("ingest/area_split.csv")
    words = dict(zip(split["part"], split["words"], strict=True))
    return tuple(
        (quirks.pattern(r"(?<!\w)(?:{})(?!\w)", kind), words[part])
        for kind, part in (("title_scope_rural", "rural"), ("title_scope_urban", "urban"))
    )


def area_words(text_k: str) -> str | None:
    """Return the area a title or section header key is about alone, as label words.

    A label under it that names no indicator is read with these words added (``Tỷ lệ hộ
    có nhà tiêu hợp vệ sinh`` in a table of rural sanitation is the rural households'
    rate); its ``source_label`` says so. None when the text names no area, or both.
    ``nông thôn mới`` (the new-rural programme) names no area.

    Examples
    --------
    >>> area_words(key("Chỉ tiêu nước sạch và vệ sinh môi trường nông thôn năm 2025"))
    'khu vực nông thôn'
    >>> area_words(key("B. KHU VỰC ĐÔ THỊ"))
    'khu vực thành thị'
    >>> area_words(key("Kết quả xây dựng xã nông thôn mới năm 2024")) is None
    True
    >>> area_words(key("Rác thải được thu gom ở đô thị và nông thôn")) is None
    True
    """
    named = [words for pat, words in _areas() if pat.search(text_k)]
    return named[0] if len(named) == 1 else None


@lru_cache(maxsize=4096)
def names_an_area(indicator_id: str) -> bool:
    """Whether an indicator's names hold a rural or urban area (``… nông thôn …``).

    Under a title or section about one area, a label matching an indicator of all areas
    (``Tỷ lệ hộ dân dùng nước sạch`` under ``Khu vực thành thị``) is that area's rate, not
    the indicator's: the readers do not read it as the indicator.

    Examples
    --------
    >>> names_an_area("rural_waste_collected_pct"), names_an_area("clean_water_households_pct")
    (True, False)
    """
    areas = [frozenset(canonical(key(words))) for _pat, words in _areas()]
    return any(
        area <= alias
        for ind, _u, alias, _k in _canon_index()
        if ind == indicator_id
        for area in areas
    )


@lru_cache(maxsize=1)
def _canon_index() -> tuple[tuple[str, str, frozenset[str], str], ...]:
    """Return ``(id, unit, canonical alias words, alias key)`` of every non-sector alias."""
    contextual = _catalog()[3]["contextual"]
    out = []
    seen = set()
    for row in load_indicators().itertuples(index=False):
        for alias in [row.name_vi, row.name_en, *str(row.aliases).split("|")]:
            k = key(split_units(alias)[0]) if alias else ""
            if not k or k in contextual:
                continue  # a bare sector name only matches under its parent
            c = frozenset(canonical(k))
            if c and (row.id, c) not in seen:
                seen.add((row.id, c))
                out.append((row.id, row.unit, c, k))
    return tuple(out)


def _polarity(label_k: str) -> str | None:
    toks = label_k.split()
    if "ty le" in label_k or "ty trong" in label_k or "%" in toks:
        return "rate"
    if toks[:1] == ["so"] or toks[:2] in (["tong", "so"], ["so", "luong"]):
        return "count" if toks[:2] != ["so", "lieu"] else None
    return None


def _unit_agrees(ind_unit: str, unit: str | None, polarity: str | None) -> bool:
    """Tell whether the declared *unit* and the label's kind agree with an indicator's unit."""
    kind = _unit_kind(ind_unit)
    if unit is not None and unit != ind_unit:
        return False
    if polarity is not None and polarity != kind:
        return False
    return not (unit is None and polarity is None and kind != "quantity")


#: each filler word the matcher tolerates beyond an alias costs this many points
TOLERANCE_PENALTY = 3.0
#: at most this many filler words are tolerated in one label, and the label must share at
#: least twice as many words (and at least two) with the alias as it has fillers
MAX_TOLERATED = 3


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Every canonical word of an indicator name, alias, sector label or part label."""
    words: set[str] = set()
    for _ind, _unit, alias, _k in _canon_index():
        words |= alias
    for kids in _catalog()[2].values():
        for k2 in kids:
            if not k2.startswith("\0"):
                words |= set(canonical(k2))
    for part in _parts():
        words |= set(part)
    for implied in _implied().values():
        words |= implied
    return frozenset(words)


@lru_cache(maxsize=1)
def _discriminating() -> tuple[tuple[str, ...], ...]:
    """Phrases that turn an indicator into another measure or scope (package data).

    ``ingest/label_discriminating.csv`` (``tăng``, ``mật độ``, ``chưa`` …) and the names
    of the province's districts and communes (a label naming an area is about that area).
    """
    phrases = list(read_package_csv("ingest/label_discriminating.csv")["phrase"])
    for name in ("admin_units_2019.csv", "admin_districts.csv"):
        phrases += list(read_package_csv(name)["short_name"])
    out = {canonical_sequence(key(p)) for p in phrases if isinstance(p, str)}
    return tuple(sorted((p for p in out if p), key=lambda p: (-len(p), p)))


@lru_cache(maxsize=1)
def _filler_words() -> tuple[tuple[str, ...], ...]:
    """Words and phrases that carry no meaning for an indicator (package data)."""
    phrases = read_package_csv("ingest/label_filler_words.csv")["phrase"]
    out = {tuple(key(p).split()) for p in phrases if isinstance(p, str)}
    return tuple(sorted((p for p in out if p), key=lambda p: (-len(p), p)))


@lru_cache(maxsize=1)
def _fillers() -> tuple[re.Pattern[str], ...]:
    df = read_package_csv("ingest/label_fillers.csv")
    return tuple(re.compile(rf"(?<!\w){fold(p)}(?!\w)") for p in df["pattern"])


@lru_cache(maxsize=16384)
def _without_fillers(label_k: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Canonical words of a label key with the filler patterns (``tính đến 31/12``) cut out.

    Returns ``(words in order, the cut-out texts)``.
    """
    dropped = []
    k = label_k
    for pat in _fillers():
        for m in pat.finditer(k):
            dropped.append(m.group(0))
        k = " ".join(pat.sub(" ", k).split())
    return canonical_sequence(k), tuple(dropped)


def _tolerable(
    seq: tuple[str, ...], alias: frozenset[str], dropped: tuple[str, ...]
) -> tuple[str, ...] | None:
    """Return the label's words beyond *alias* if all are tolerable fillers, else None.

    A filler is in no indicator's vocabulary, has no digit, is one of the filler words
    (``ingest/label_filler_words.csv``), and no discriminating phrase (nor an area name)
    of the label falls outside the alias.
    """
    extra = tuple(w for w in dict.fromkeys(seq) if w not in alias)
    if not extra and not dropped:
        return None
    # the label's own words must name the indicator: words the evidence implies (an
    # emission table's "phát thải khí nhà kính") never carry a filler ("Khác" = other)
    own = len(alias & set(seq))
    if len(extra) > MAX_TOLERATED or 2 * max(len(extra), 1) > own:
        return None
    vocab = _vocabulary()
    if any(w in vocab or any(ch.isdigit() for ch in w) for w in extra):
        return None
    # only words that are fillers in these reports (package data): an unknown word may
    # narrow the indicator (Diện tích rừng bị mất, Số xã đạt chuẩn NTM kiểu mẫu)
    covered: set[str] = set()
    for phrase in _filler_words():
        n = len(phrase)
        for i in range(len(seq) - n + 1):
            if seq[i : i + n] == phrase:
                covered |= set(phrase)
    if not set(extra) <= covered:
        return None
    for phrase in _discriminating():
        n = len(phrase)
        if set(phrase) <= alias:
            continue
        for i in range(len(seq) - n + 1):
            if seq[i : i + n] == phrase:
                return None
    return (*dropped, *extra)


def _unit_kind(unit: str) -> str:
    return "rate" if unit == "%" else ("count" if unit in _COUNT_UNITS else "quantity")


def _score(a: frozenset[str], b: frozenset[str]) -> float:
    from rapidfuzz import fuzz

    return round(fuzz.token_sort_ratio(" ".join(sorted(a)), " ".join(sorted(b))), 1)


@lru_cache(maxsize=16384)
def match_by_synonyms(
    label_k: str, context: tuple[str, ...] = (), unit: str | None = None
) -> IndicatorMatch:
    """Match a label that equals no alias, by its :func:`canonical` words.

    An indicator qualifies when the label's canonical words are those of one of its
    aliases, except words the evidence implies: ``tỷ lệ`` when the cells are declared in
    %, ``số`` for a count in its unit, ``phát thải khí nhà kính`` in an emission table
    (*context* holds ``theme:emissions`` or an emission indicator). Every word of the
    label must be in the alias: an extra word (``tăng``, ``mật độ``, ``mới``, ``Nam``)
    refuses — unless no alias qualifies that way and every extra word is a filler (see
    :func:`_tolerable`: a known filler word, in no indicator's vocabulary, no digit, no
    discriminating phrase nearby; or an as-of date without a year), each costing
    :data:`TOLERANCE_PENALTY` points and reported in ``tolerated``; the runner-up is then
    scored without the fillers. The unit must agree: the declared *unit* is the indicator's, or with none
    declared the label's kind (``Tỷ lệ`` → %, ``Số …`` → a count) is. The match is
    accepted only when one indicator qualifies and its rapidfuzz score beats the best
    other indicator's by :data:`MARGIN`; otherwise the reason lists the ranked candidates
    with their scores.

    Examples
    --------
    >>> match_by_synonyms(key("Tỷ lệ thu gom CTR sinh hoạt khu vực đô thị"), (), "%").id
    'urban_waste_collected_pct'
    >>> match_by_synonyms(key("Tỷ lệ tăng dân số"), (), "%").id is None
    True
    >>> m = match_by_synonyms(key("Tỷ lệ hộ có sẵn nước sạch để dùng"), (), "%")
    >>> m.id, m.tolerated, m.score
    ('clean_water_households_pct', ('san',), 97.0)
    >>> match_by_synonyms(key("Tỷ lệ hộ chưa có nước sạch để dùng"), (), "%").id is None
    True
    """
    lab = frozenset(canonical(label_k))
    if not lab:
        return IndicatorMatch(None, "empty label", how="synonyms")
    run = _SynonymRun(label_k, context, unit)
    run.match_exactly(lab)
    if not run.qualified:
        run.match_with_fillers()
    run.prefer_own_sectors()
    return run.verdict()


class _SynonymRun:
    """One :func:`match_by_synonyms` call: the label, its evidence and the scores so far.

    ``best`` is each indicator's best score, ``qualified`` the indicators that qualify
    (with their score), ``refused_unit`` those refused by the unit alone, ``scored`` every
    alias compared as ``(id, unit, alias words, implied words)`` and ``near`` those whose
    words differ from the label's; ``tolerated`` the filler words each qualifier needed.
    """

    def __init__(self, label_k: str, context: tuple[str, ...], unit: str | None):
        self.label_k, self.context, self.unit = label_k, context, unit
        self.polarity = _polarity(label_k)
        self.themes = _themes()
        self.ctx_themes = {c for c in context if c.startswith("theme:")}
        self.ctx_themes |= {"theme:" + self.themes[c] for c in context if c in self.themes}
        _index, self.units, self.children, _extra = _catalog()
        sectors = {
            p: {c for k2, c in ks.items() if k2.startswith("\0")} for p, ks in self.children.items()
        }
        self.components = set().union(*sectors.values())
        self.under = {c for p in context for c in sectors.get(p, ())}
        self.best: dict[str, float] = {}
        self.qualified: dict[str, float] = {}
        self.refused_unit: set[str] = set()
        self.near: list[tuple[str, str, frozenset[str], frozenset[str]]] = []
        self.scored: list[tuple[str, str, frozenset[str], frozenset[str]]] = []
        self.tolerated: dict[str, tuple[str, ...]] = {}

    def pool(self) -> list[tuple[str, str, frozenset[str], str]]:
        """Return the aliases compared: every indicator's, and some sector labels.

        The sector labels are those of a parent with components (an emission total) that
        the context names.
        """
        pool = list(_canon_index())
        for parent in self.context:
            for k2, child in self.children.get(parent, {}).items():
                if not k2.startswith("\0"):
                    pool.append((child, self.units[child], frozenset(canonical(k2)), k2))
        return pool

    def implied(self, ind: str, ind_unit: str) -> set[str]:
        """Return the words of *ind*'s aliases that the declared unit or the table's theme imply.

        A sector (a component) takes the theme's words only under its own total: with no
        total above, "Lĩnh vực năng lượng" could be the actual or the BAU sector.
        """
        table = _implied()
        implied = set()
        if self.unit == ind_unit:
            implied |= table.get(f"unit:{ind_unit}", frozenset())
        if ind not in self.components or ind in self.under:
            for th in self.ctx_themes:
                if th == "theme:" + self.themes[ind]:
                    implied |= table.get(th, frozenset())
        return implied

    def match_exactly(self, lab: frozenset[str]) -> None:
        """Score every alias; an indicator qualifies when an alias has the label's words."""
        for ind, ind_unit, alias, _k in self.pool():
            implied = self.implied(ind, ind_unit)
            full = lab | (alias & implied)
            sc = _score(full, alias)
            if sc > self.best.get(ind, -1):
                self.best[ind] = sc
            self.scored.append((ind, ind_unit, alias, frozenset(implied)))
            if full != alias:
                self.near.append(self.scored[-1])
                continue
            if not _unit_agrees(ind_unit, self.unit, self.polarity):
                self.refused_unit.add(ind)
                continue
            self.qualified[ind] = max(self.qualified.get(ind, 0.0), sc)

    def match_with_fillers(self) -> None:
        """With no alias equal to the label: tolerate filler words, each at a cost.

        Fillers are in no indicator's vocabulary and not discriminating; the margin is
        still required (:meth:`verdict`).
        """
        seq, dropped = _without_fillers(self.label_k)
        lab_t = frozenset(seq)
        for ind, ind_unit, alias, implied in self.near:
            extra = _tolerable(seq, alias, dropped)
            if extra is None or not alias <= (lab_t | (alias & implied)):
                continue
            if not _unit_agrees(ind_unit, self.unit, self.polarity):
                self.refused_unit.add(ind)
                continue
            core = lab_t - set(extra)
            sc = _score(core | (alias & implied), alias) - TOLERANCE_PENALTY * len(extra)
            sc = round(max(sc, 0.0), 1)
            if sc > self.qualified.get(ind, -1.0):
                self.qualified[ind] = sc
                self.tolerated[ind] = extra
        if len(self.qualified) == 1:
            self._rescore_without_fillers(lab_t)

    def _rescore_without_fillers(self, lab_t: frozenset[str]) -> None:
        """Score the runners-up on the words the winner kept (the fillers ignored).

        So the margin compares like with like; the winner pays the penalty.
        """
        (ind,) = self.qualified
        core = lab_t - set(self.tolerated[ind])
        best: dict[str, float] = {}
        for i, _u, alias, implied in self.scored:
            best[i] = max(best.get(i, -1.0), _score(core | (alias & implied), alias))
        best[ind] = self.qualified[ind]
        self.best = best

    def prefer_own_sectors(self) -> None:
        """Under a total with components (a BAU total), keep only its own sectors.

        The row's place in the table decides between the actual and the BAU sector; the
        other totals' sectors are out of the running, also for the margin.
        """
        for parent in self.context:
            kids = {c for k2, c in self.children.get(parent, {}).items() if k2.startswith("\0")}
            if kids & self.qualified.keys():
                self.qualified = {i: v for i, v in self.qualified.items() if i in kids}
                other = {
                    c for p2, ks in self.children.items() if p2 != parent for k2, c in ks.items()
                } - kids
                self.best = {i: v for i, v in self.best.items() if i not in other}
                return

    def verdict(self) -> IndicatorMatch:
        """Accept the one qualifying indicator that beats the runner-up by :data:`MARGIN`.

        Otherwise the reason ranks the candidates with their scores.
        """
        best, qualified, label_k = self.best, self.qualified, self.label_k
        ranked = sorted(best, key=lambda i: (-best[i], i))
        shown = ", ".join(f"{i} {best[i]:g}" for i in ranked[:3])
        if len(qualified) == 1:
            return self._with_margin(ranked, shown)
        if len(qualified) > 1:
            both = ", ".join(sorted(qualified))
            return IndicatorMatch(
                None,
                f"label {label_k!r} matches several indicators ({both})",
                tuple(sorted(qualified)),
                how="synonyms",
            )
        why = ""
        if self.refused_unit:
            got = self.unit or "none declared"
            why = f"; the unit ({got}) or the label's kind disagrees with {', '.join(sorted(self.refused_unit))}"
        return IndicatorMatch(
            None,
            f"no indicator matches label {label_k!r}{why} (scores: {shown or 'none'})",
            tuple(ranked[:3]) if best and best[ranked[0]] >= 50 else (),
            how="synonyms",
        )

    def _with_margin(self, ranked: list[str], shown: str) -> IndicatorMatch:
        """Return the single qualifier if it beats the best other indicator by the margin."""
        ind = next(iter(self.qualified))
        others = [i for i in ranked if i != ind]
        runner = others[0] if others else None
        rs = self.best[runner] if runner else 0.0
        if self.qualified[ind] - rs >= MARGIN:
            return IndicatorMatch(
                ind,
                how="synonyms",
                score=self.qualified[ind],
                runner_up=runner,
                runner_score=rs,
                tolerated=self.tolerated.get(ind, ()),
            )
        return IndicatorMatch(
            None,
            f"no indicator matches label {self.label_k!r}: {ind} wins by less than {MARGIN:g} "
            f"points (scores: {shown})",
            tuple(ranked[:3]),
            how="synonyms",
        )


def suggest_indicator(text: str, n: int = 3) -> list[tuple[str, float]]:
    """Return the *n* indicators whose aliases are closest to a label, with scores.

    A suggestion for a person to confirm (``bkanalysis review``), never used to read.

    Examples
    --------
    >>> suggest_indicator("Tỷ lệ hộ có nước máy")[0][0]
    'clean_water_households_pct'
    """
    words = frozenset(canonical(label_key(text)))
    if not words:
        return []
    scores: dict[str, float] = {}
    for ind, _u, alias, _k in _canon_index():
        scores[ind] = max(scores.get(ind, 0.0), _score(words, alias))
    ranked = sorted(scores, key=lambda i: (-scores[i], i))[:n]
    return [(i, scores[i]) for i in ranked]


def explain_match(
    source_label: str, indicator_id: str
) -> tuple[str, float, str | None, float, tuple[str, ...]]:
    """How an observation's ``source_label`` gives its indicator, for the validation report.

    Returns ``(how, score, runner_up, runner_score, tolerated)``: ``how`` is ``alias`` when a
    researcher's alias in force names it, ``exact`` when the label (or one of its
    `` › ``-separated pieces, or one of its bilingual halves) is an alias of the indicator
    or of one of its component labels, else ``synonyms``; ``tolerated`` lists the filler
    words the matcher ignored, as the label spells them.
    """
    if _USER_ALIASES:
        for k in _explain_keys(source_label):
            if _USER_ALIASES.get(k) == indicator_id:
                return "alias", 100.0, None, 0.0, ()
    return _explain_cached(source_label, indicator_id)


@lru_cache(maxsize=16384)
def _explain_keys(source_label: str) -> tuple[str, ...]:
    pieces = [p for p in str(source_label).split(" › ") if p.strip()]
    keys = []
    for p in [*pieces, " ".join(pieces)]:
        for part in [p, *split_bilingual(p)]:
            # a tick column (Đạt chuẩn NTM (x)) is read as "Số xã …" / "Xã …"
            for prefix in ("", "Số xã ", "Xã "):
                keys += [label_key(prefix + part), title_key(prefix + part)]
    return tuple(k for k in dict.fromkeys(keys) if k)


@lru_cache(maxsize=16384)
def _explain_cached(
    source_label: str, indicator_id: str
) -> tuple[str, float, str | None, float, tuple[str, ...]]:
    children = _catalog()[2]
    for k in _explain_keys(source_label):
        if any(kids.get(k) == indicator_id for kids in children.values()):
            return "exact", 100.0, None, 0.0, ()
        m = _match_cached(k, (), None)
        if m.id == indicator_id and m.how == "exact":
            return "exact", 100.0, None, 0.0, ()
    pieces = [p for p in str(source_label).split(" › ") if p.strip()]
    theme = "theme:" + _themes()[indicator_id]
    unit = _catalog()[1][indicator_id]
    for k, ctx in _explain_tries(pieces, theme):
        if not k:
            continue
        m = _match_cached(k, ctx, unit)
        if m.id == indicator_id:
            return (
                m.how,
                m.score,
                m.runner_up,
                m.runner_score,
                _original_words(source_label, m.tolerated),
            )
    return _explain_by_scores(pieces, indicator_id)


def _explain_tries(pieces: list[str], theme: str) -> list[tuple[str, tuple[str, ...]]]:
    """Return the keys and contexts to match again, with the evidence the reader had.

    The indicator's theme, and for ``parent › row`` the parent's indicator as context;
    then the whole label and each piece.
    """
    tries: list[tuple[str, tuple[str, ...]]] = []
    if len(pieces) > 1:
        parent = _match_cached(label_key(pieces[0]), (theme,), None).id
        if parent is None:
            parent = _match_cached(title_key(pieces[0]), (theme,), None).id
        tries.append((label_key(pieces[-1]), (*_opt_id(parent), theme)))
    for text in (" ".join(pieces), *pieces):
        for k in (label_key(text), title_key(text)):
            tries.append((k, (theme,)))
    return tries


def _explain_by_scores(
    pieces: list[str], indicator_id: str
) -> tuple[str, float, str | None, float, tuple[str, ...]]:
    """Score the joined label against every alias, as the matcher did, and name the runner-up.

    With the words each alias's unit and theme imply (the reader accepted the label, so
    that evidence was there).
    """
    joined = frozenset(canonical(label_key(" ".join(pieces))))
    themes = _themes()
    implied_tab = _implied()
    scores: dict[str, float] = {}
    for ind, unit, alias, _k in _canon_index():
        implied = implied_tab.get(f"unit:{unit}", frozenset()) | implied_tab.get(
            f"theme:{themes[ind]}", frozenset()
        )
        full = joined | (alias & implied)
        scores[ind] = max(scores.get(ind, 0.0), _score(full, alias))
    own = scores.get(indicator_id, 0.0)
    others = sorted((i for i in scores if i != indicator_id), key=lambda i: (-scores[i], i))
    runner = others[0] if others else None
    return "synonyms", own, runner, scores.get(runner, 0.0) if runner else 0.0, ()


@lru_cache(maxsize=1)
def _themes() -> dict[str, str]:
    """Return each indicator's theme (``indicators.csv``)."""
    cat = load_indicators()
    return dict(zip(cat["id"], cat["theme"], strict=True))


def _original_words(source_label: str, tolerated: tuple[str, ...]) -> tuple[str, ...]:
    """Spell tolerated (folded) words as the label wrote them, with their diacritics."""
    if not tolerated:
        return ()
    words = re.findall(r"[\w%]+", unicodedata.normalize("NFC", str(source_label)))
    spelled = {}
    for w in words:
        spelled.setdefault(key(w), w)
    return tuple(" ".join(spelled.get(part, part) for part in t.split()) for t in tolerated)


def _opt_id(x: str | None) -> tuple[str, ...]:
    return (x,) if x else ()


@lru_cache(maxsize=4096)
def _candidates(label_k: str, n: int = 3) -> tuple[str, ...]:
    index = _catalog()[0]
    words = set(label_k.split())
    if not words:
        return ()
    scored = {}
    for k, ids in index.items():
        kw = set(k.split())
        score = len(words & kw) / len(words | kw)
        if score >= 0.34:
            for i in ids:
                scored[i] = max(scored.get(i, 0), score)
    return tuple(sorted(scored, key=lambda i: (-scored[i], i))[:n])


def is_component(parent: str, child: str) -> bool:
    """Tell whether *child* is a registered component of *parent* (components.csv)."""
    return ("\0" + child) in _catalog()[2].get(parent, {})
