"""How catalog units read in tables and text, per language (package data ``unit_labels.csv``).

The catalog (``indicators.csv``) names units by short ids (``criteria``, ``m2/person``);
a Vietnamese table must say ``tiêu chí`` and ``m²/người``. ``unit_labels.csv`` holds, per
unit id, its label in each language and the number of decimals shown when a value of that
unit is *displayed* (values themselves are never rounded). ``note_translations.csv``
renders the assessment's notes (written in English by :func:`bkanalysis.progress.assess`)
in Vietnamese; a note no pattern knows stays as it is (never half-translated).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from .catalog import read_package_csv
from .errors import CatalogError

__all__ = [
    "THEME_LABELS",
    "WORDS",
    "format_number",
    "target_condition",
    "theme_label",
    "translate_note",
    "unit_decimals",
    "unit_label",
    "word",
]

# Words drawn on figures that do not come from a catalog (indicator names, status
# labels and target clauses come from package data).
WORDS: dict[str, dict[str, str]] = {
    "actual": {"vi": "Thực tế", "en": "Actual"},
    "provisional": {"vi": "Sơ bộ / ước tính", "en": "Preliminary / estimate"},
    "plan": {"vi": "Kế hoạch", "en": "Plan"},
    "target": {"vi": "Mục tiêu", "en": "Target"},
    "trajectory": {"vi": "Lộ trình cần đạt", "en": "Required trajectory"},
    "maintain": {"vi": "Mức cần duy trì", "en": "Level to maintain"},
    "status": {"vi": "Tình trạng", "en": "Status"},
    "year": {"vi": "Năm", "en": "Year"},
    "no_data": {"vi": "Không có số liệu", "en": "No data"},
    "not_applicable": {"vi": "Không áp dụng", "en": "Not applicable"},
    "unit": {"vi": "Đơn vị", "en": "Unit"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "sources": {"vi": "Nguồn", "en": "Sources"},
    "illustrative": {
        "vi": "Dữ liệu minh hoạ / Illustrative data",
        "en": "Dữ liệu minh hoạ / Illustrative data",
    },
    "province": {"vi": "Toàn tỉnh", "en": "Province"},
    "bau": {"vi": "Kịch bản phát triển thông thường (BAU)", "en": "Business as usual (BAU)"},
    "emissions_actual": {"vi": "Phát thải thực tế", "en": "Actual emissions"},
    "tier_voluntary": {"vi": "Giảm tự nguyện", "en": "Voluntary reduction"},
    "tier_national": {"vi": "Giảm với hỗ trợ trong nước", "en": "Reduction with national support"},
    "tier_international": {
        "vi": "Giảm với hỗ trợ quốc tế",
        "en": "Reduction with international support",
    },
    "emissions_title": {
        "vi": "Phát thải khí nhà kính so với kịch bản BAU",
        "en": "Greenhouse-gas emissions against business as usual",
    },
    "below_bau": {"vi": "dưới BAU", "en": "below BAU"},
    "of_communes": {"vi": "số xã", "en": "of rural communes (xã)"},
    "conditional": {"vi": "có điều kiện", "en": "conditional"},
    "tier_path": {
        "vi": "Giữa hai năm mục tiêu: lộ trình nội suy, không phải mục tiêu",
        "en": "Between the target years: interpolated path, not a plan target",
    },
    "projection": {"vi": "Dự báo theo xu hướng", "en": "Trend projection"},
    "target_map_meets": {"vi": "Đạt", "en": "Meets"},
    "target_map_fails": {"vi": "Chưa đạt", "en": "Does not meet"},
    "latest": {"vi": "Mới nhất", "en": "Latest"},
    "dashboard_title": {
        "vi": "Tiến độ các mục tiêu tăng trưởng xanh",
        "en": "Progress of the green-growth targets",
    },
    "communes": {"vi": "xã", "en": "communes"},
}

THEME_LABELS: dict[str, dict[str, str]] = {
    "emissions": {"vi": "Phát thải khí nhà kính", "en": "Greenhouse-gas emissions"},
    "forest_water": {"vi": "Rừng và nước", "en": "Forest and water"},
    "rural_development": {"vi": "Nông thôn mới, vệ sinh", "en": "New rural areas, sanitation"},
    "waste": {"vi": "Chất thải, sản xuất xanh", "en": "Waste and green production"},
    "denominators": {"vi": "Dân số", "en": "Population"},
    "green_production": {"vi": "Sản xuất xanh", "en": "Green production"},
    "green_lifestyle": {"vi": "Lối sống xanh", "en": "Green lifestyle"},
}


def word(key: str, lang: str) -> str:
    """Return the UI word *key* in *lang*."""
    return WORDS[key][lang]


def theme_label(theme: str, lang: str) -> str:
    """Return a readable label for a theme id (the id itself if unknown)."""
    return THEME_LABELS.get(theme, {}).get(lang, str(theme).replace("_", " "))


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    df = read_package_csv("unit_labels.csv")
    missing = [c for c in ("unit", "label_vi", "label_en", "decimals") if c not in df.columns]
    if missing:
        raise CatalogError(f"unit_labels.csv: missing column(s) {', '.join(missing)}")
    out = {}
    for row in df.to_dict("records"):
        if not row["decimals"].isdigit():
            raise CatalogError(f"unit_labels.csv: unit {row['unit']!r}: decimals not a number")
        out[row["unit"]] = row
    return out


def unit_label(unit: str, lang: str = "vi") -> str:
    """Return how *unit* (a catalog unit id) reads in *lang*; the id itself if unknown.

    Examples
    --------
    >>> unit_label("criteria", "vi"), unit_label("m2/person", "en")
    ('tiêu chí', 'm²/person')
    """
    if lang not in {"vi", "en"}:
        raise ValueError(f"lang must be 'vi' or 'en', got {lang!r}")
    row = _table().get(unit)
    return row[f"label_{lang}"] if row else unit


def unit_decimals(unit: str) -> int:
    """Return the decimals shown for a value in *unit* (1 when the unit is unknown).

    Examples
    --------
    >>> unit_decimals("%"), unit_decimals("households")
    (1, 0)
    """
    row = _table().get(unit)
    return int(row["decimals"]) if row else 1


def format_number(value: float, decimals: int, lang: str = "vi") -> str:
    """Return *value* with *decimals* decimals, grouped, in the language's convention.

    Vietnamese writes ``1.234,5`` (dot for thousands, comma for decimals), English
    ``1,234.5``. A value that rounds to a whole number shows no decimals. ``–`` for NaN.

    Examples
    --------
    >>> format_number(1234.5, 1, "vi"), format_number(1234.5, 1, "en")
    ('1.234,5', '1,234.5')
    >>> format_number(72.0, 1, "vi"), format_number(float("nan"), 1)
    ('72', '–')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = float(value)
    text = f"{value:,.{decimals}f}"
    if decimals and float(text.replace(",", "")) == round(value):
        text = f"{round(value):,}"
    if text in {"-0", "-0.0"}:
        text = text[1:]
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def target_condition(target, info, lang: str = "vi") -> str:
    """Return a target's condition with the unit in *lang*: ``'≥ 10 tiêu chí'``.

    Parameters
    ----------
    target : mapping
        A row of the targets registry (comparator, value, low, high, baseline_year).
    info : mapping
        The indicator's catalog row (unit, direction).
    lang : {'vi', 'en'}

    Examples
    --------
    >>> t = {"comparator": ">=", "value": 10.0, "low": None, "high": None}
    >>> target_condition(t, {"unit": "criteria", "direction": "increase"}, "vi")
    '≥ 10 tiêu chí'
    >>> t = {"comparator": "range", "value": None, "low": 10.0, "high": 15.5}
    >>> target_condition(t, {"unit": "m2/person", "direction": "increase"}, "en")
    '10–15.5 m²/person'
    """
    label = unit_label(info["unit"], lang)

    def num(x) -> str:
        text = format_number(float(x), 2, lang)
        sep = "," if lang == "vi" else "."
        return text.rstrip("0").rstrip(sep) if sep in text else text

    comp = target["comparator"]
    if comp == "range":
        return f"{num(target['low'])}–{num(target['high'])} {label}"
    if comp == "maintain":
        sign = "≥" if info["direction"] == "increase" else "≤"
        word, since = ("duy trì", "từ năm") if lang == "vi" else ("keep", "from")
        return f"{word} {sign} {num(target['value'])} {label} {since} {target['baseline_year']}"
    symbols = {">=": "≥", ">": ">", "=": "=", "<=": "≤", "<": "<"}
    if comp not in symbols:
        raise ValueError(f"unknown comparator {comp!r}")
    return f"{symbols[comp]} {num(target['value'])} {label}"


@lru_cache(maxsize=1)
def _note_patterns():
    df = read_package_csv("note_translations.csv")
    out = []
    for row in df.to_dict("records"):
        try:
            out.append((re.compile(row["pattern"]), row["vi"]))
        except re.error as exc:
            raise CatalogError(
                f"note_translations.csv: bad pattern {row['pattern']!r}: {exc}"
            ) from None
    return out


def translate_note(note: str, lang: str = "vi") -> str:
    """Return an assessment note in *lang* (parts joined by ``'; '`` translated one by one).

    Examples
    --------
    >>> translate_note("one year of data: no trend; no value since 2020", "vi")
    'chỉ có một năm số liệu: chưa có xu hướng; không có số liệu từ năm 2020'
    >>> translate_note("something new", "vi")
    'something new'
    """
    if lang == "en" or not note:
        return note
    parts = []
    for part in note.split("; "):
        for pattern, template in _note_patterns():
            match = pattern.fullmatch(part)
            if match:
                groups = match.groupdict()
                if "v" in groups:  # a number printed by assess(): Vietnamese decimal comma
                    groups["v"] = groups["v"].replace(".", ",")
                part = template.format(**groups)
                break
        parts.append(part)
    return "; ".join(parts)
