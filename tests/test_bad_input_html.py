"""Tests of the HTML-table reader (bkanalysis.ingest.html_tables) used for '.xls' web pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bkanalysis.errors import UnreadableFileError
from bkanalysis.ingest.html_tables import decode_html, parse_html_tables, read_html_grids

BAD = Path(__file__).parent / "data" / "bad"


def test_corpus_html_table_becomes_one_grid():
    grids = read_html_grids(BAD / "html_table.xls")
    assert len(grids) == 1
    g = grids[0]
    assert g.name == "Table 1"
    assert (g.max_row, g.max_col) == (13, 5)
    assert g.value(0, 0) == "Diện tích rừng phân theo huyện - Forest area by district"
    assert g.value(2, 1) == "2019"
    assert (g.value(2, 4), g.value(3, 4)) == ("Sơ bộ", "Prel. 2022")
    assert g.value(4, 0) == "TỔNG SỐ - TOTAL"
    assert g.value(7, 2) == "50.402,6"  # Ba Bể 2020, Vietnamese number text kept as text
    assert (2, 1, 3, 1) in g.merged and (0, 0, 0, 4) in g.merged
    assert g.get(3, 1) is None  # covered by the rowspan


def test_no_table_is_refused():
    with pytest.raises(UnreadableFileError, match="without a <table>"):
        read_html_grids(BAD / "html_no_table.xls")


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableFileError, match="file not found"):
        read_html_grids(tmp_path / "nope.xls")


def test_spans_overlapping_and_ragged_rows():
    html = (
        "<table>"
        "<tr><td rowspan=3>A</td><td colspan=2>B</td><td>C</td></tr>"
        "<tr><td>D</td><td rowspan=2 colspan=2>E</td></tr>"
        "<tr><td>F</td></tr>"
        "<tr><td>G</td></tr>"
        "</table>"
    )
    t = parse_html_tables(html)[0]
    assert t.rows == [
        ["A", "B", None, "C"],
        [None, "D", "E", None],
        [None, "F", None, None],
        ["G", None, None, None],
    ]
    assert t.merged == [(0, 0, 2, 0), (0, 1, 0, 2), (1, 2, 2, 3)]


def test_rowspan_beyond_table_is_clipped_and_hostile_colspan_capped():
    t = parse_html_tables("<table><tr><td rowspan=999>A</td><td colspan=99999>B</td></tr></table>")[
        0
    ]
    assert t.merged == [(0, 1, 0, 1000)]
    assert len(t.rows) == 1 and len(t.rows[0]) == 1001


def test_text_cleanup_breaks_entities_nfd_and_scripts():
    html = (
        "<html><head><title>x</title><style>td{}</style></head><body>"
        "<table><caption>Bảng 1</caption>"
        "<tr><td>  Huye\u0302\u0323n&nbsp;Ba  Be\u0302\u0309<br>Ba Be district </td>"
        "<td x:num='1234.5'>1.234,5</td><td x:num>7</td><td><script>var a=1;</script></td></tr>"
        "</table></body></html>"
    )
    t = parse_html_tables(html)[0]
    assert t.caption == "Bảng 1"
    assert t.rows == [["Huyện Ba Bể\nBa Be district", 1234.5, "7", None]]


def test_nested_and_multiple_tables_keep_document_order():
    html = (
        "<table><tr><td>outer<table><tr><td>inner</td></tr></table></td></tr></table>"
        "<table><tr><td>second</td></tr></table>"
    )
    tables = parse_html_tables(html)
    assert [t.rows for t in tables] == [[["outer"]], [["inner"]], [["second"]]]


def test_unclosed_markup():
    tables = parse_html_tables("<table><tr><td>1<td>2<tr><td>3")
    assert tables[0].rows == [["1", "2"], ["3", None]]


def test_decode_html_charsets():
    text = "<meta charset='windows-1258'><td>Ba Be\u0301</td>"
    assert "Ba Bé" in decode_html(text.encode("cp1258")).replace("e\u0301", "é")
    assert decode_html("\ufeffBắc Kạn".encode()) == "Bắc Kạn"
    assert decode_html("Bắc Kạn".encode("utf-16")) == "Bắc Kạn"
    assert decode_html(b"caf\xe9") == "caf\xe9"  # not UTF-8: Windows-1258 fallback
