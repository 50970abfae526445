"""The layout quirks kept as package data (data/ingest/*.csv): reasons, patterns, use."""

import re
from importlib import resources

import pytest

from bkanalysis.catalog import read_package_csv
from bkanalysis.ingest import labels, layouts, national, quirks

_FILES = sorted(
    f.name
    for f in resources.files("bkanalysis.data").joinpath("ingest").iterdir()
    if f.name.endswith(".csv")
)
_NOTED = [n for n in _FILES if "note" in read_package_csv(f"ingest/{n}").columns]


def test_the_quirk_files_carry_notes():
    assert set(quirks.QUIRK_FILES) <= set(_NOTED)


@pytest.mark.parametrize("name", _NOTED)
def test_every_quirk_row_gives_its_reason(name):
    df = read_package_csv(f"ingest/{name}")
    empty = df.index[df["note"] == ""].tolist()
    assert not empty, f"{name}: rows without a note (0-based): {empty}"


@pytest.mark.parametrize(
    "name", [n for n in _FILES if "pattern" in read_package_csv(f"ingest/{n}").columns]
)
def test_every_quirk_pattern_compiles(name):
    for p in read_package_csv(f"ingest/{name}")["pattern"]:
        assert p, f"{name}: empty pattern"
        re.compile(p)


def test_table_words_kinds_are_all_used():
    kinds = set(read_package_csv("ingest/table_words.csv")["kind"])
    src = "".join(
        f.read_text(encoding="utf-8")
        for f in resources.files("bkanalysis.ingest").iterdir()
        if f.name.endswith(".py") and f.name != "quirks.py"
    )
    unused = sorted(k for k in kinds if f'"{k}"' not in src)
    assert not unused


def test_unit_kinds_flags_are_yes_or_empty():
    df = read_package_csv("ingest/unit_kinds.csv")
    assert set(df["count"]) | set(df["whole"]) <= {"yes", ""}
    assert quirks.count_units() == {"communes", "households", "facilities", "criteria", "persons"}
    assert "criteria" not in quirks.whole_units() and "year" in quirks.whole_units()


def test_unknown_kind_is_an_error():
    with pytest.raises(KeyError, match="no kind"):
        quirks.words("row_nonsense")


@pytest.mark.parametrize(
    ("regex", "text", "matches"),
    [
        (layouts._NOTE, "bac kan, ngay 5 thang 2 nam 2024", True),
        (layouts._NOTE, "ty le che phu rung", False),
        (layouts._UNIT_HEADER, labels.key("ĐVT"), True),
        (layouts._UNIT_HEADER, labels.key("Đơn vị tính - Unit"), True),
        (layouts._UNIT_HEADER, labels.key("Đơn vị hành chính"), False),
        (layouts._TOTAL, labels.key("TỔNG SỐ - TOTAL"), True),
        (layouts._TOTAL, labels.key("Tổng số hộ"), False),
        (layouts._SUBTOTAL_ASCII, "cong huyen ba be", True),
        (layouts._SUBTOTAL_ASCII, "cong bang", False),
        (national._STATUS_WORDS, "Sơ bộ 2022", True),
        (national._DERIVED, "chi so phat trien (nam truoc = 100)", True),
    ],
)
def test_compiled_quirks_match_as_before(regex, text, matches):
    assert bool(regex.search(text)) is matches


def test_one_derived_list_for_layouts_and_office_downloads():
    assert layouts._DERIVED.pattern == national._DERIVED.pattern
    assert layouts._DERIVED.search(labels.key("So sánh (%)"))
