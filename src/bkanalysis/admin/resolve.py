"""Resolve a spreadsheet label to the code of an administrative unit — or fail clearly.

Rules (see docs/admin.md):

1. The label is cleaned (:func:`~bkanalysis.admin.names.clean_label`: NFC, ``ƣ``→``ư``,
   footnote marks, numbering ``1.``/``I.``/``a)``, extra spaces) and split into parts on
   ``-``, ``/``, newlines and parentheses (``Huyện Ba Bể - Ba Be district``).
2. Each part is read with and without a type prefix (``Xã``, ``X.``, ``TT.``, ``TP``…) or
   English type word (``district``, ``city``…); the prefix limits the unit types.
3. Short names are compared first on a tone key (diacritics kept, tone placement and
   ``i``/``y`` normalised), then — only if nothing matched — on the ASCII key.
4. ``level`` and ``district`` hints filter the candidates. Exactly one unit must remain;
   otherwise :class:`AreaResolutionError` says why (``unknown``, ``ambiguous`` or
   ``not_in_vintage``) and lists the candidates. Parts that resolve must agree: the unit
   every resolving part can mean wins (``Bắc Kạn - Bac Kan city`` is the city, the
   English half settling the ambiguous Vietnamese one); none in common is an error.

Never a guess: no fuzzy matching is used to *return* a code; close names only appear as
candidates in the error.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from ..catalog import read_package_csv
from ..errors import BkError
from ..schema import AREA_LEVELS, VINTAGES, check_vintage
from .gazetteer import gazetteer
from .names import clean_label, normalise_name, parse_label, split_parts, tone_key

__all__ = ["AreaMatch", "AreaResolutionError", "lookup_area", "make_resolver", "resolve_area"]

_REASONS = ("unknown", "ambiguous", "not_in_vintage")


@dataclass(frozen=True)
class AreaMatch:
    """A resolved unit: its code, level, canonical name and vintage."""

    code: str
    level: str
    name: str
    vintage: str


class AreaResolutionError(BkError, LookupError):
    """A label that does not name exactly one unit of the vintage.

    Attributes
    ----------
    name : str
        The label as given.
    vintage : str
        The vintage it was resolved against.
    candidates : list of (code, name)
        Units that the label could mean (ambiguous), units of other vintages
        (not_in_vintage, names followed by the vintage) or close names (unknown).
    reason : {'unknown', 'ambiguous', 'not_in_vintage'}
    """

    def __init__(self, name, vintage: str, reason: str, candidates=(), detail: str = ""):
        if reason not in _REASONS:
            raise ValueError(f"bad reason {reason!r}")
        self.name = name
        self.vintage = vintage
        self.reason = reason
        self.candidates = list(candidates)
        self.detail = detail
        listed = "; ".join(f"{c} {n}" for c, n in self.candidates) or "none"
        label = str(name).replace("\n", " ")
        what = {
            "unknown": "no unit of that name",
            "ambiguous": "ambiguous",
            "not_in_vintage": "not a unit of this vintage",
        }[reason]
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"area {label!r} in vintage {vintage}: {what}{extra}; candidates: {listed}"
        )


@dataclass(frozen=True)
class _Entry:
    code: str
    level: str
    name: str
    unit_type: str | None  # None: a generic label such as "Tổng số" (no prefix check)
    district_codes: frozenset[str]


class _Index:
    def __init__(self, vintage: str):
        self.vintage = vintage
        self.by_tone: dict[str, list[_Entry]] = {}
        self.by_ascii: dict[str, list[_Entry]] = {}
        g = gazetteer(vintage)
        self.units = {r.area_code: r for r in g.itertuples(index=False)}
        for r in g.itertuples(index=False):
            self._add(r.short_name, r, r.unit_type, self._districts_of(r))
        aliases = read_package_csv("admin_aliases.csv")
        aliases = aliases[aliases["vintage"].isin(["*", vintage])]
        for a in aliases.itertuples(index=False):
            r = self.units.get(a.area_code)
            if r is None:
                raise BkError(f"admin_aliases.csv: {a.area_code!r} is not a unit of {vintage}")
            readings = parse_label(clean_label(a.alias))
            types, short = readings[-1]
            unit_type = r.unit_type if types else None
            if types and r.unit_type not in types:
                unit_type = next(iter(types))  # a former type (e.g. xã before thị trấn)
            self._add(short, r, unit_type, self._districts_of(r))
        self.ascii_names = sorted(self.by_ascii)

    @staticmethod
    def _districts_of(r) -> frozenset[str]:
        if r.district_code:
            return frozenset([r.district_code])
        if r.former_district_codes:
            return frozenset(r.former_district_codes.split(";"))
        return frozenset()

    def _add(self, short: str, r, unit_type, districts) -> None:
        e = _Entry(r.area_code, r.area_level, r.area_name, unit_type, districts)
        for key, table in ((tone_key(short), self.by_tone), (normalise_name(short), self.by_ascii)):
            bucket = table.setdefault(key, [])
            if e not in bucket:
                bucket.append(e)


@cache
def _index(vintage: str) -> _Index:
    return _Index(vintage)


def _candidates(entries) -> list[tuple[str, str]]:
    return sorted({(e.code, e.name) for e in entries})


def _resolve_part(part: str, idx: _Index, level, districts) -> tuple[set, set]:
    """Return (kept entries, {(entry, 'type'|'hint')} matched by name but excluded)."""
    readings = parse_label(part)
    for table, keyfn in ((idx.by_tone, tone_key), (idx.by_ascii, normalise_name)):
        kept: set[_Entry] = set()
        excluded: set[tuple[_Entry, str]] = set()
        for types, short in readings:
            for e in table.get(keyfn(short), ()):
                if types is not None and e.unit_type not in types:
                    excluded.add((e, "type"))
                elif (level is not None and e.level != level) or (
                    districts is not None and not _in_district(e, districts)
                ):
                    excluded.add((e, "hint"))
                else:
                    kept.add(e)
        if kept or excluded:
            return kept, excluded
    return set(), set()


def _in_district(e: _Entry, districts: frozenset[str]) -> bool:
    if e.level == "province":
        return True
    if e.level == "district":
        return e.code in districts
    return bool(e.district_codes & districts)


def _district_hint(district, vintage: str) -> frozenset[str]:
    """Codes of the district(s) named by a hint (2025: the former 2020 districts)."""
    hint = str(district).strip()
    against = "2020" if vintage == "2025" else vintage
    if hint.isdigit() and len(hint) == 3:
        if hint not in _index(against).units:
            raise AreaResolutionError(hint, against, "unknown", detail="district code hint")
        return frozenset([hint])
    try:
        return frozenset([_resolve(hint, against, "district", None).code])
    except AreaResolutionError as err:
        raise AreaResolutionError(
            hint, against, err.reason, err.candidates, detail="district hint"
        ) from None


@lru_cache(maxsize=1)
def _all_keys() -> frozenset[str]:
    keys: set[str] = set()
    for v in VINTAGES:
        keys.update(_index(v).by_tone, _index(v).by_ascii)
    return frozenset(keys)


def _known_anywhere(label: str) -> bool:
    """Tell whether any reading of *label* has a key of some vintage (a fast pre-check)."""
    keys = _all_keys()
    for part in (label, *split_parts(label)):
        for _, short in parse_label(part):
            if tone_key(short) in keys or normalise_name(short) in keys:
                return True
    return False


def _other_vintages(label: str, vintage: str, level) -> list[tuple[str, str, str]]:
    """Return (code, name (vintage), level) of the units of other vintages that fit."""
    found = []
    for v in VINTAGES:
        if v == vintage:
            continue
        idx = _index(v)
        for part in (label, *split_parts(label)):
            kept, _ = _resolve_part(part, idx, level, None)
            found += [(e.code, f"{e.name} ({v})", e.level) for e in kept if e.unit_type is not None]
    return sorted(set(found))


def _resolve(name: str, vintage: str, level, district) -> AreaMatch:
    """Return the unit *name* names, or raise a fresh :class:`AreaResolutionError`."""
    result = _lookup(name, vintage, level, district)
    if isinstance(result, AreaMatch):
        return result
    raise AreaResolutionError(
        result.name, result.vintage, result.reason, result.candidates, result.detail
    )


# The one memo of area look-ups (the reader asks for the same labels in every workbook of
# a series; it saves about a quarter of the reading CPU); a failure is kept as the error
# object, never raised from here. The arguments are checked on a miss only: a bad name,
# level or vintage raises (TypeError, ValueError) and is never kept.
@lru_cache(maxsize=65536)
def _lookup(name: str, vintage, level, district) -> AreaMatch | AreaResolutionError:
    _check(name, level)
    v = check_vintage(vintage)
    try:
        return _resolve_uncached(name, v, level, None if district is None else str(district))
    except AreaResolutionError as err:
        return err.with_traceback(None)


def _resolve_uncached(name: str, vintage: str, level, district) -> AreaMatch:
    label = clean_label(name)
    if not label:
        raise AreaResolutionError(name, vintage, "unknown", detail="empty label")
    idx = _index(vintage)
    districts = _district_hint(district, vintage) if district not in (None, "") else None
    kept, excluded, per_part, other_type = _match_parts(label, idx, level, districts)
    codes = {e.code for e in kept}
    if codes and other_type:
        # NOTE: "Chợ Mới - Cho Moi district" in 2025 (no districts) is not Xã Chợ Mới
        raise AreaResolutionError(
            name,
            vintage,
            "ambiguous",
            _candidates(kept | {e for e, _ in excluded}),
            detail="the English half names another type of unit than the Vietnamese half",
        )
    if len(codes) > 1 and len(per_part) > 1:
        # NOTE: halves of a bilingual label (Bắc Kạn - Bac Kan city) each name candidates;
        # the unit both halves can mean decides (the English half settles an ambiguous
        # Vietnamese half and can never contradict it: no common unit is an error)
        common = set.intersection(*per_part)
        if len(common) == 1:
            codes = common
            kept = {e for e in kept if e.code in common}
    if len(codes) == 1:
        e = next(iter(kept))
        return AreaMatch(e.code, e.level, e.name, vintage)
    if len(codes) > 1:
        hint = "" if level or districts else "; give a level or district hint"
        raise AreaResolutionError(
            name, vintage, "ambiguous", _candidates(kept), detail=f"{len(codes)} units{hint}"
        )
    raise _no_unit(name, label, idx, level, excluded)


def _match_parts(label: str, idx: _Index, level, districts):
    """Match the label and each of its parts (halves of a bilingual label).

    Returns the kept entries, the excluded ``(entry, why)`` pairs, the codes each
    resolving part kept, and whether an English part names the unit as another type.
    """
    kept_all: set[_Entry] = set()
    excluded_all: set[tuple[_Entry, str]] = set()
    per_part: list[set[str]] = []
    other_type = False
    for part in dict.fromkeys((label, *split_parts(label))):
        kept, excluded = _resolve_part(part, idx, level, districts)
        kept_all |= kept
        excluded_all |= excluded
        if kept:
            per_part.append({e.code for e in kept})
        elif part.isascii() and any(why == "type" for _, why in excluded):
            other_type = True  # an English half naming the unit as another type
    return kept_all, excluded_all, per_part, other_type


def _no_unit(name: str, label: str, idx: _Index, level, excluded) -> AreaResolutionError:
    """Return the error for a label that kept no unit: why, and the units it could mean."""
    vintage = idx.vintage
    by_hint = [e for e, why in excluded if why == "hint"]
    if by_hint:
        return AreaResolutionError(
            name,
            vintage,
            "unknown",
            _candidates(by_hint),
            detail="the name matches only units excluded by the level or district hint",
        )
    other = _other_vintages(label, vintage, level) if _known_anywhere(label) else []
    here = {(e.code, e.level) for e, _ in excluded}
    # NOTE: the same unit under another type in an older vintage (Xã Xuất Hóa, a phường
    # since 2015) is a type mismatch here, not a unit of another vintage.
    other = [(c, n) for c, n, lv in other if (c, lv) not in here]
    if other:
        return AreaResolutionError(
            name, vintage, "not_in_vintage", other + _candidates(e for e, _ in excluded)
        )
    if excluded:
        return AreaResolutionError(
            name,
            vintage,
            "unknown",
            _candidates(e for e, _ in excluded),
            detail="the name matches only units of another type than its prefix says",
        )
    key = normalise_name(label)
    # NOTE: suggestions only for name-sized labels; long row labels (indicator names,
    # notes) are not area names and difflib on them costs more than the rest together.
    close = (
        difflib.get_close_matches(key, idx.ascii_names, n=3, cutoff=0.75) if len(key) <= 40 else []
    )
    near = [e for key in close for e in idx.by_ascii[key]]
    return AreaResolutionError(name, vintage, "unknown", _candidates(near))


def _check(name, level) -> None:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}: {name!r}")
    if level is not None and level not in AREA_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(AREA_LEVELS)}")


def resolve_area(
    name: str, *, vintage: str, level: str | None = None, district: str | None = None
) -> AreaMatch:
    """Resolve an area label from a spreadsheet to one unit of *vintage*.

    Parameters
    ----------
    name : str
        The label as found (prefixes, numbering, bilingual suffixes, footnote marks, NFD,
        old tone placement and PDF artefacts are all understood).
    vintage : {'2019', '2020', '2025'}
        The set of units in force for the observation (see ``vintage_for_year``).
    level : {'province', 'district', 'commune'}, optional
        Restrict to one level (e.g. to read a bare ``Bắc Kạn`` as the city).
    district : str, optional
        Name or 3-digit code of the district the unit lies in, to tell apart communes of
        the same name. For 2025 (no districts) it is read against the 2020 districts and
        keeps the units formed from that former district.

    Returns
    -------
    AreaMatch

    Raises
    ------
    AreaResolutionError
        With ``reason`` ``'unknown'``, ``'ambiguous'`` or ``'not_in_vintage'`` and the
        ``candidates``. A district label in the 2025 vintage is ``not_in_vintage``.

    Examples
    --------
    >>> resolve_area("2. Huyện Ba Bể - Ba Be district", vintage="2020")
    AreaMatch(code='061', level='district', name='Huyện Ba Bể', vintage='2020')
    >>> resolve_area("TỔNG SỐ - TOTAL", vintage="2019").code
    '06'
    >>> resolve_area("Bắc Kạn", vintage="2020", level="district").name
    'Thành phố Bắc Kạn'
    >>> try:
    ...     resolve_area("Bắc Kạn", vintage="2020")
    ... except AreaResolutionError as err:
    ...     err.reason, err.candidates
    ('ambiguous', [('058', 'Thành phố Bắc Kạn'), ('06', 'Tỉnh Bắc Kạn')])
    """
    _check(name, level)
    v = check_vintage(vintage)
    return _resolve(name, v, level, None if district is None else str(district))


def lookup_area(
    name: str, *, vintage: str, level: str | None = None, district: str | None = None
) -> AreaMatch | AreaResolutionError:
    """Like :func:`resolve_area`, but return the error instead of raising it.

    For callers that turn a failure into a message (the reader's rejects): no exception
    is raised and caught per spreadsheet cell.

    Examples
    --------
    >>> lookup_area("Xã Bằng Thành", vintage="2020").code
    '01858'
    >>> lookup_area("Bắc Kạn", vintage="2020").reason
    'ambiguous'
    """
    return _lookup(name, vintage, level, district)


def make_resolver(vintage: str, *, level: str | None = None) -> Callable[..., AreaMatch]:
    """Return a cached resolver ``f(name, district=None) -> AreaMatch`` for bulk use.

    Examples
    --------
    >>> r = make_resolver("2019", level="commune")
    >>> r("X. Bằng Thành").code, r("xa bang thanh").code
    ('01858', '01858')
    """
    v = check_vintage(vintage)
    _check("", level)
    _index(v)  # build the index once, up front

    def resolver(name: str, district: str | None = None) -> AreaMatch:
        _check(name, None)
        return _resolve(name, v, level, None if district is None else str(district))

    resolver.vintage = v  # type: ignore[attr-defined]
    resolver.level = level  # type: ignore[attr-defined]
    return resolver
