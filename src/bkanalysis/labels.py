"""How catalog units read in tables and text, per language (package data ``unit_labels.csv``).

The catalog (``indicators.csv``) names units by short ids (``criteria``, ``m2/person``);
a Vietnamese table must say ``tiêu chí`` and ``m²/người``. ``unit_labels.csv`` holds, per
unit id, its label in each language and the number of decimals shown when a value of that
unit is *displayed* (values themselves are never rounded).
"""

from __future__ import annotations

from functools import lru_cache

from .errors import CatalogError

__all__ = ["format_number", "unit_decimals", "unit_label"]


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    from .catalog import read_package_csv

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
    import math

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
