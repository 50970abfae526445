"""Tests of the area-name resolver (bkanalysis.admin.resolve)."""

from __future__ import annotations

import unicodedata

import pytest

from bkanalysis.admin import (
    AreaMatch,
    AreaResolutionError,
    gazetteer,
    make_resolver,
    normalise_name,
    resolve_area,
)
from bkanalysis.errors import BkError

_ABBREV = {
    "xã": "X.",
    "phường": "P.",
    "thị trấn": "TT.",
    "huyện": "H.",
    "thành phố": "TP.",
    "tỉnh": "Tỉnh",
}
_ENGLISH = {
    "xã": "commune",
    "phường": "ward",
    "thị trấn": "town",
    "huyện": "district",
    "thành phố": "city",
    "tỉnh": "province",
}
# old <-> new tone placement on the syllables where it differs
_TONE_SWAP = {
    "oà": "òa",
    "oá": "óa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "uỷ": "ủy",
    "uý": "úy",
    "uỳ": "ùy",
    "òa": "oà",
    "óa": "oá",
    "ỏa": "oả",
    "ọa": "oạ",
    "ủy": "uỷ",
    "úy": "uý",
}


def _swap_tones(text: str) -> str:
    for a, b in _TONE_SWAP.items():
        if a in text:
            return text.replace(a, b)
    return text


def _spellings(row) -> list[str]:
    """Realistic ways a table writes the unit's name (at least six)."""
    name, short, kind = row.area_name, row.short_name, row.unit_type
    ascii_short = normalise_name(short).title()
    return [
        name,
        unicodedata.normalize("NFD", name),
        f"{_ABBREV[kind]} {short}",
        f"3. {_swap_tones(name)} (*)",
        f"{name} - {ascii_short} {_ENGLISH[kind]}",
        f"{ascii_short} {_ENGLISH[kind]}",
        name.upper().replace("Ư", "Ƣ").replace(" ", "  ", 1),
        f"II. {name}\n{ascii_short} {_ENGLISH[kind]}",
        normalise_name(name),
    ]


@pytest.mark.parametrize("vintage", ["2019", "2020", "2025"])
def test_every_unit_resolves_from_variant_spellings(vintage):
    g = gazetteer(vintage)
    resolver = make_resolver(vintage)
    failures = []
    for row in g.itertuples(index=False):
        for spelling in _spellings(row):
            try:
                got = resolver(spelling)
            except AreaResolutionError as err:
                failures.append(f"{spelling!r}: {err}")
                continue
            if got.code != row.area_code:
                failures.append(f"{spelling!r}: got {got.code}, expected {row.area_code}")
    assert not failures, "\n".join(failures[:20])


def test_unit_counts():
    counts = {
        v: gazetteer(v)["area_level"].value_counts().to_dict() for v in ("2019", "2020", "2025")
    }
    assert counts["2019"] == {"commune": 122, "district": 8, "province": 1}
    assert counts["2020"] == {"commune": 108, "district": 8, "province": 1}
    assert counts["2025"] == {"commune": 37, "province": 1}


@pytest.mark.parametrize(
    ("label", "vintage", "code"),
    [
        ("TỔNG SỐ - TOTAL", "2020", "06"),
        ("Tổng số", "2019", "06"),
        ("Toàn tỉnh", "2025", "06"),
        ("Tỉnh Bắc Kạn", "2025", "06"),
        ("Total", "2020", "06"),
        ("1. Thành phố Bắc Kạn", "2020", "058"),
        ("TP Bắc Kạn", "2019", "058"),
        ("Huyện Ba Bể - Ba Be district", "2019", "061"),
        ("Xã Sỹ Bình", "2019", "01978"),
        ("Xã Liêm Thủy", "2019", "02197"),
        ("Xã Trung Hoà", "2020", "01948"),
        ("Xã Vân Tùng", "2020", "01954"),  # xã until 2023, then thị trấn
        ("Thị trấn Vân Tùng", "2020", "01954"),
        ("Phƣờng Sông Cầu", "2020", "01837"),
        ("a) Xã Cao Kỳ", "2020", "02104"),
        ("Xã Cao Kì", "2020", "02104"),
        ("Phuong Linh", "2019", "01972"),  # a commune whose name starts like "Phường"
        ("Xã Qúy Phong", "2019", None),
        ("TX. Bắc Kạn", "2019", "058"),  # a thị xã until 2015
        ("Xã Huyền Tụng", "2019", "01846"),  # a xã until 2015
        ("Tỉnh Bắc Cạn", "2020", "06"),
    ],
)
def test_labels(label, vintage, code):
    if code is None:
        with pytest.raises(AreaResolutionError):
            resolve_area(label, vintage=vintage)
    else:
        assert resolve_area(label, vintage=vintage).code == code


def test_match_is_frozen_dataclass():
    m = resolve_area("Xã Bằng Thành", vintage="2020")
    assert m == AreaMatch("01858", "commune", "Xã Bằng Thành", "2020")
    with pytest.raises(AttributeError):
        m.code = "x"  # type: ignore[misc]


def test_bare_province_name_is_ambiguous_without_level():
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Bắc Kạn", vintage="2020")
    err = info.value
    assert isinstance(err, BkError)
    assert err.reason == "ambiguous"
    assert err.candidates == [("058", "Thành phố Bắc Kạn"), ("06", "Tỉnh Bắc Kạn")]
    assert err.name == "Bắc Kạn" and err.vintage == "2020"
    assert "058" in str(err) and "\n" not in str(err)
    assert resolve_area("Bắc Kạn", vintage="2020", level="province").code == "06"
    assert resolve_area("Bắc Kạn", vintage="2020", level="district").code == "058"
    assert resolve_area("Bắc Kạn", vintage="2025", level="commune").code == "01843"


def test_same_name_district_and_town_need_a_hint():
    # 2019: Huyện Chợ Mới (065) and its capital Thị trấn Chợ Mới (02086)
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Chợ Mới", vintage="2019")
    assert info.value.reason == "ambiguous"
    assert {c for c, _ in info.value.candidates} == {"065", "02086"}
    assert resolve_area("Chợ Mới", vintage="2019", level="commune").code == "02086"
    assert resolve_area("Chợ Mới", vintage="2019", district="065", level="commune").code == "02086"


def test_district_hint_filters_communes():
    assert resolve_area("Bằng Thành", vintage="2020", district="Huyện Pác Nặm").code == "01858"
    assert resolve_area("Bằng Thành", vintage="2020", district="060").code == "01858"
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Bằng Thành", vintage="2020", district="Ba Bể")
    assert info.value.candidates == [("01858", "Xã Bằng Thành")]
    # 2025 has no districts: the hint is read as the former (2020) district
    assert resolve_area("Xã Bằng Thành", vintage="2025", district="Pác Nặm").code == "01864"
    with pytest.raises(AreaResolutionError):
        resolve_area("Xã Bằng Thành", vintage="2025", district="Na Rì")


def test_not_in_vintage():
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Xã Cao Trĩ", vintage="2020")
    assert info.value.reason == "not_in_vintage"
    assert ("01903", "Xã Cao Trĩ (2019)") in info.value.candidates
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Huyện Ba Bể - Ba Be district", vintage="2025")
    assert info.value.reason == "not_in_vintage"
    assert ("061", "Huyện Ba Bể (2020)") in info.value.candidates


def test_unknown_gives_close_candidates():
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Xã Bằng Thàn", vintage="2020")
    assert info.value.reason == "unknown"
    assert ("01858", "Xã Bằng Thành") in info.value.candidates
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Cộng", vintage="2020")
    assert info.value.reason == "unknown"
    with pytest.raises(AreaResolutionError):
        resolve_area("   ", vintage="2020")


def test_wrong_type_prefix_is_not_accepted():
    # Phường Sông Cầu is a ward: "Xã Sông Cầu" is not silently read as it
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Xã Sông Cầu", vintage="2020")
    assert info.value.candidates == [("01837", "Phường Sông Cầu")]


def test_bad_arguments():
    with pytest.raises(ValueError, match="1999"):
        resolve_area("Ba Bể", vintage="1999")
    with pytest.raises(ValueError, match="village"):
        resolve_area("Ba Bể", vintage="2020", level="village")
    with pytest.raises(TypeError):
        resolve_area(None, vintage="2020")  # type: ignore[arg-type]


def test_normalise_name_keeps_d():
    assert normalise_name("Đồng Phúc") == "dong phuc"
    assert normalise_name(unicodedata.normalize("NFD", "ĐỒNG  PHÚC")) == "dong phuc"


def test_make_resolver_is_cached_and_consistent():
    r = make_resolver("2020", level="commune")
    assert r("Xã Bằng Thành") is r("Xã Bằng Thành")
    assert r("Bằng Thành", district="060").code == "01858"
    with pytest.raises(AreaResolutionError):
        r("Huyện Ba Bể")


def test_old_type_in_a_later_vintage_is_a_type_mismatch():
    with pytest.raises(AreaResolutionError) as info:
        resolve_area("Xã Xuất Hoá", vintage="2020")
    assert info.value.reason == "unknown"
    assert info.value.candidates == [("01855", "Phường Xuất Hóa")]


def test_tone_key_variants():
    from bkanalysis.admin.names import tone_key

    assert tone_key("Qúy") == tone_key("Quý")
    assert tone_key("Thuỷ") == tone_key(unicodedata.normalize("NFD", "Thủy"))
    assert tone_key("Kì") == tone_key("Kỳ")
    assert tone_key("Yên") != tone_key("Iên")  # only a syllable-final y after a consonant
