"""Tests of bkanalysis.provenance (the reader of data/raw/SOURCES.yml)."""

from __future__ import annotations

import hashlib
import textwrap

import pandas as pd
import pytest

from bkanalysis.errors import BkError
from bkanalysis.provenance import (
    describe_sources,
    is_synthetic,
    load_sources,
    parse_sources,
    verify_hashes,
)

SHA = "a" * 64


def _yaml(entries: str) -> str:
    return "files:\n" + textwrap.indent(textwrap.dedent(entries), "  ")


PUBLISHED = f"""\
- path: published/bac_kan_forest_published.xlsx
  title: "Diện tích rừng và tỷ lệ che phủ rừng"
  publisher: "Cục Thống kê tỉnh Bắc Kạn"
  kind: published
  received: 2026-11-24
  sha256: "{SHA}"
  sources: ["https://example.org/nien-giam-2023", "Niên giám thống kê 2023, bảng 5"]
  note: "Compiled from the yearbook"
"""
SYNTHETIC = f"""\
- path: synthetic/communes_ntm_2021.xlsx
  title: "Bảng xã NTM (tổng hợp)"
  kind: synthetic
  received: "2026-11-24"
  sha256: "{SHA.upper()}"
  sources: []
  generator: "scripts/make_example_data.py --seed 1635"
"""


def test_parse_sources_valid():
    df = parse_sources(_yaml(PUBLISHED + SYNTHETIC))
    assert df["path"].tolist() == [
        "published/bac_kan_forest_published.xlsx",
        "synthetic/communes_ntm_2021.xlsx",
    ]
    pub = df.iloc[0]
    assert pub["kind"] == "published"
    assert pub["received"] == "2026-11-24"
    assert pub["sources"] == (
        "https://example.org/nien-giam-2023",
        "Niên giám thống kê 2023, bảng 5",
    )
    syn = df.iloc[1]
    assert syn["sha256"] == SHA  # normalised to lower case
    assert syn["sources"] == ()
    assert syn["generator"].startswith("scripts/make_example_data.py")


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (("kind: published", "kind: real"), "'kind'"),
        (('sha256: "' + SHA + '"', 'sha256: "abc"'), "'sha256'"),
        (("received: 2026-11-24", "received: 24/11/2026"), "'received'"),
        (('  publisher: "Cục Thống kê tỉnh Bắc Kạn"\n', ""), "publisher"),
        (
            (
                'sources: ["https://example.org/nien-giam-2023", "Niên giám thống kê 2023, bảng 5"]',
                "sources: []",
            ),
            "citation",
        ),
        (
            (
                'sources: ["https://example.org/nien-giam-2023", "Niên giám thống kê 2023, bảng 5"]',
                "sources: https://x",
            ),
            "'sources'",
        ),
        (("path: published/bac_kan_forest_published.xlsx", "path: ../outside.xlsx"), "relative"),
        (("note: ", "licence: x\n  note: "), "unknown key"),
    ],
)
def test_parse_sources_names_the_bad_entry(mutation, message):
    old, new = mutation
    assert old in PUBLISHED
    text = _yaml(PUBLISHED.replace(old, new))
    with pytest.raises(BkError, match=message) as err:
        parse_sources(text)
    assert "bac_kan_forest_published.xlsx" in str(err.value) or "outside" in str(err.value)


def test_parse_sources_rejects_synthetic_without_generator_and_duplicates():
    with pytest.raises(BkError, match=r"communes_ntm_2021\.xlsx.*generator"):
        parse_sources(
            _yaml(SYNTHETIC.replace('generator: "scripts/make_example_data.py --seed 1635"', ""))
        )
    with pytest.raises(BkError, match="listed twice"):
        parse_sources(_yaml(PUBLISHED + PUBLISHED))
    with pytest.raises(BkError, match="'files'"):
        parse_sources("sources: []")
    with pytest.raises(BkError, match="not valid YAML"):
        parse_sources("files: [unclosed")


def test_load_sources_reads_raw_dir(tmp_path, monkeypatch):
    with pytest.raises(BkError, match="no provenance file"):
        load_sources(tmp_path)
    assert load_sources(tmp_path, missing_ok=True).empty
    (tmp_path / "SOURCES.yml").write_text(_yaml(PUBLISHED + SYNTHETIC), encoding="utf-8")
    assert len(load_sources(tmp_path)) == 2
    monkeypatch.setenv("BKANALYSIS_RAW", str(tmp_path))
    assert len(load_sources()) == 2


def test_is_synthetic_is_conservative():
    src = parse_sources(_yaml(PUBLISHED + SYNTHETIC))
    pub = "published/bac_kan_forest_published.xlsx"
    syn = "synthetic/communes_ntm_2021.xlsx"
    assert is_synthetic([pub], src) is False
    assert is_synthetic(pub, src) is False
    assert is_synthetic(["./" + pub], src) is False  # normalised paths
    assert is_synthetic([pub, syn], src) is True
    assert is_synthetic([pub, "unknown/file.xlsx"], src) is True
    assert is_synthetic([], src) is True
    assert is_synthetic(pd.Series([pub, None]), src) is True


def test_is_synthetic_without_sources_file_is_true(tmp_path, monkeypatch):
    monkeypatch.setenv("BKANALYSIS_RAW", str(tmp_path))
    assert is_synthetic(["published/a.xlsx"]) is True


def test_describe_sources_lines():
    src = parse_sources(_yaml(PUBLISHED + SYNTHETIC))
    files = [
        "synthetic/communes_ntm_2021.xlsx",
        "published/bac_kan_forest_published.xlsx",
        "published/bac_kan_forest_published.xlsx",
        "x/unknown.xlsx",
    ]
    vi = describe_sources(files, src, lang="vi")
    assert vi[0] == "Diện tích rừng và tỷ lệ che phủ rừng, Cục Thống kê tỉnh Bắc Kạn"
    assert "tổng hợp minh hoạ" in vi[1] and "--seed 1635" in vi[1]
    assert vi[2] == "x/unknown.xlsx: không rõ nguồn (chưa có trong SOURCES.yml)"
    cited = describe_sources(files, src, lang="vi", citations=True)
    assert cited[0].endswith(
        "(https://example.org/nien-giam-2023; Niên giám thống kê 2023, bảng 5)"
    )
    en = describe_sources(files, src, lang="en")
    assert "synthetic illustrative data" in en[1]
    assert "source unknown" in en[2]
    with pytest.raises(ValueError, match="lang"):
        describe_sources(files, src, lang="fr")


def test_describe_sources_groups_synthetic_and_unknown_files():
    more = SYNTHETIC.replace("communes_ntm_2021", "communes_ntm_2022")
    src = parse_sources(_yaml(SYNTHETIC + more))
    files = [
        "synthetic/communes_ntm_2021.xlsx",
        "synthetic/communes_ntm_2022.xlsx",
        "a.xlsx",
        "b.xlsx",
    ]
    assert describe_sources(files, src, lang="en") == [
        "2 files of synthetic illustrative data (scripts/make_example_data.py --seed 1635)",
        "a.xlsx, b.xlsx: source unknown (not in SOURCES.yml)",
    ]


def test_verify_hashes(tmp_path):
    (tmp_path / "published").mkdir()
    good = tmp_path / "published" / "a.xlsx"
    good.write_bytes(b"workbook")
    bad = tmp_path / "published" / "b.xlsx"
    bad.write_bytes(b"edited")
    (tmp_path / "extra.csv").write_bytes(b"x\n")
    (tmp_path / "~$lock.xlsx").write_bytes(b"")  # Excel lock file: ignored
    entries = ""
    for name, content in [("a.xlsx", b"workbook"), ("b.xlsx", b"original"), ("gone.xlsx", b"")]:
        sha = hashlib.sha256(content).hexdigest()
        entries += (
            f"- path: published/{name}\n  title: T\n  publisher: P\n  kind: published\n"
            f"  received: 2026-11-24\n  sha256: {sha}\n  sources: [cite]\n"
        )
    (tmp_path / "SOURCES.yml").write_text(_yaml(entries), encoding="utf-8")
    problems = verify_hashes(tmp_path).set_index("path")["problem"].to_dict()
    assert problems == {
        "published/b.xlsx": "mismatch",
        "published/gone.xlsx": "missing",
        "extra.csv": "unlisted",
    }
