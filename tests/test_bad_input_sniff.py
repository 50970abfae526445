"""Unit tests of bkanalysis.ingest.sniff on the bad-input corpus (tests/data/bad/)."""

from __future__ import annotations

import builtins
import importlib
import io
import struct
import zipfile
from pathlib import Path

import pytest

from bkanalysis.errors import UnreadableFileError
from bkanalysis.ingest.sniff import sniff

# the module itself (bkanalysis.ingest may re-export the function under the same name)
sniff_mod = importlib.import_module("bkanalysis.ingest.sniff")

BAD = Path(__file__).parent / "data" / "bad"
REFERENCE_XLS = Path("/work/shared/reference/gso_commune_change_record_2019_2024.xls")

READABLE = {
    "empty_workbook.xlsx": "xlsx",
    "memo_sheet.xlsx": "xlsx",
    "error_cells.xlsx": "xlsx",
    "formula_no_cache.xlsx": "xlsx",
    "very_wide.xlsx": "xlsx",
    "very_long.xlsx": "xlsx",
    "html_table.xls": "html",
}

REFUSED = {
    "truncated.xlsx": "corrupt or truncated",
    "crc_corrupt.xlsx": "corrupt",
    "text_renamed.xlsx": "text file",
    "pdf_renamed.xlsx": "PDF",
    "not_a_workbook.xlsx": "Word document",
    "html_no_table.xls": "without a <table>",
    "encrypted.xlsx": "password-protected",
    "zip_bomb.xlsx": "zip bomb",
    "billion_laughs.xlsx": "DOCTYPE/ENTITY",
}


def test_corpus_is_complete_and_small():
    names = {p.name for p in BAD.iterdir() if p.suffix in {".xlsx", ".xls"}}
    assert names == set(READABLE) | set(REFUSED)
    assert sum((BAD / n).stat().st_size for n in names) < 2 * 1024 * 1024


@pytest.mark.parametrize(("name", "kind"), sorted(READABLE.items()))
def test_sniff_readable(name, kind):
    assert sniff(BAD / name) == kind


@pytest.mark.parametrize(("name", "reason"), sorted(REFUSED.items()))
def test_sniff_refuses_with_one_line_reason(name, reason):
    with pytest.raises(UnreadableFileError) as info:
        sniff(BAD / name)
    err = info.value
    message = str(err)
    assert "\n" not in message
    assert name in message
    assert err.path == str(BAD / name)
    assert reason in err.reason


def test_sniff_ignores_extension(tmp_path):
    html = tmp_path / "bang.xlsx"
    html.write_bytes((BAD / "html_table.xls").read_bytes())
    assert sniff(html) == "html"
    xlsx = tmp_path / "bang.xls"
    xlsx.write_bytes((BAD / "error_cells.xlsx").read_bytes())
    assert sniff(xlsx) == "xlsx"


def test_sniff_workbook_hands_over_the_xml_parts_it_checked():
    xlsx = sniff_mod.sniff_workbook(BAD / "error_cells.xlsx")
    assert xlsx.kind == "xlsx"
    assert "xl/workbook.xml" in xlsx.xml_parts
    assert all(name.endswith((".xml", ".rels", ".vml")) for name in xlsx.xml_parts)
    assert sniff_mod.sniff_workbook(BAD / "html_table.xls") == ("html", None)


@pytest.mark.skipif(not REFERENCE_XLS.exists(), reason=f"{REFERENCE_XLS} not available")
def test_sniff_legacy_xls():
    assert sniff(REFERENCE_XLS) == "xls"
    with REFERENCE_XLS.open("rb") as fh:
        assert "Workbook" in sniff_mod._cfb_stream_names(fh)


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableFileError, match="file not found"):
        sniff(tmp_path / "gone.xlsx")


def test_directory(tmp_path):
    (tmp_path / "dir.xlsx").mkdir()
    with pytest.raises(UnreadableFileError, match="not a regular file"):
        sniff(tmp_path / "dir.xlsx")


def test_empty_file(tmp_path):
    (tmp_path / "zero.xlsx").write_bytes(b"")
    with pytest.raises(UnreadableFileError, match=r"empty file \(0 bytes\)"):
        sniff(tmp_path / "zero.xlsx")


def test_permission_denied_on_open(tmp_path, monkeypatch):
    # tests run as root, where chmod 000 does not block reads: simulate the lock
    target = tmp_path / "locked.xlsx"
    target.write_bytes((BAD / "error_cells.xlsx").read_bytes())
    real_open = builtins.open

    def locked_open(file, *args, **kwargs):
        if Path(file) == target:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", locked_open)
    with pytest.raises(UnreadableFileError, match="permission denied") as info:
        sniff(target)
    assert "locked.xlsx" in str(info.value)


def test_vanishes_between_stat_and_open(tmp_path, monkeypatch):
    target = tmp_path / "vanishing.xlsx"
    target.write_bytes((BAD / "error_cells.xlsx").read_bytes())
    real_open = builtins.open

    def vanishing_open(file, *args, **kwargs):
        if Path(file) == target:
            target.unlink(missing_ok=True)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", vanishing_open)
    with pytest.raises(UnreadableFileError, match="removed during the build"):
        sniff(target)


def _zip(parts: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


XLSX_SKELETON = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
    "xl/workbook.xml": b'<?xml version="1.0"?><workbook/>',
}


def test_entity_declaration_in_a_sheet(tmp_path):
    sheet = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet>&a;</worksheet>'
    p = tmp_path / "xxe.xlsx"
    p.write_bytes(_zip({**XLSX_SKELETON, "xl/worksheets/sheet1.xml": sheet}))
    with pytest.raises(UnreadableFileError, match=r"xl/worksheets/sheet1\.xml declares"):
        sniff(p)


def test_entity_declaration_in_utf16_part(tmp_path):
    sheet = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><worksheet/>'.encode("utf-16")
    p = tmp_path / "xxe16.xlsx"
    p.write_bytes(_zip({**XLSX_SKELETON, "xl/worksheets/sheet1.xml": sheet}))
    with pytest.raises(UnreadableFileError, match="DOCTYPE"):
        sniff(p)


def test_bad_crc_of_stored_member(tmp_path):
    data = bytearray(_zip({**XLSX_SKELETON, "xl/sharedStrings.xml": b"<sst>ABCDEF</sst>"},
                          method=zipfile.ZIP_STORED))  # fmt: skip
    pos = data.index(b"ABCDEF")
    data[pos] = ord("Z")
    p = tmp_path / "crc.xlsx"
    p.write_bytes(bytes(data))
    with pytest.raises(UnreadableFileError, match=r"(?i)crc"):
        sniff(p)


def test_too_many_members(tmp_path, monkeypatch):
    monkeypatch.setattr(sniff_mod, "MAX_MEMBERS", 3)
    parts = {**XLSX_SKELETON, **{f"xl/media/{i}.bin": b"x" for i in range(5)}}
    p = tmp_path / "many.xlsx"
    p.write_bytes(_zip(parts))
    with pytest.raises(UnreadableFileError, match="7 members"):
        sniff(p)


def test_high_compression_ratio(tmp_path, monkeypatch):
    monkeypatch.setattr(sniff_mod, "RATIO_MIN_SIZE", 1024)
    p = tmp_path / "ratio.xlsx"
    p.write_bytes(_zip({**XLSX_SKELETON, "xl/worksheets/sheet1.xml": b" " * 200_000}))
    with pytest.raises(UnreadableFileError, match=r"compressed \d+:1"):
        sniff(p)


def test_declared_limit_on_total_size(tmp_path, monkeypatch):
    monkeypatch.setattr(sniff_mod, "MAX_UNCOMPRESSED", 50_000)
    data = _zip({**XLSX_SKELETON, "xl/worksheets/sheet1.xml": b"<a/>" + b" " * 60_000})
    p = tmp_path / "big.xlsx"
    p.write_bytes(data)
    with pytest.raises(UnreadableFileError, match="zip bomb"):
        sniff(p)


def test_member_expanding_beyond_its_declared_size(tmp_path):
    # a hostile header declares 100 bytes for a part that expands to 200,000
    data = bytearray(_zip({**XLSX_SKELETON, "xl/worksheets/sheet1.xml": b" " * 200_000}))
    name = b"xl/worksheets/sheet1.xml"
    local = data.index(b"PK\x03\x04" + data[4:6])  # first local header
    while data[local + 30 : local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", data, local + 22, 100)
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 100)
    p = tmp_path / "liar.xlsx"
    p.write_bytes(bytes(data))
    with pytest.raises(UnreadableFileError, match="beyond its declared size"):
        sniff(p)


def test_ods_and_xlsb_and_other_zip(tmp_path):
    ods = tmp_path / "a.ods"
    ods.write_bytes(_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"},
                         method=zipfile.ZIP_STORED))  # fmt: skip
    assert sniff(ods) == "ods"
    odt = tmp_path / "a.xls"
    odt.write_bytes(_zip({"mimetype": b"application/vnd.oasis.opendocument.text"}))
    with pytest.raises(UnreadableFileError, match=r"opendocument\.text"):
        sniff(odt)
    xlsb = tmp_path / "b.xlsx"
    xlsb.write_bytes(_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00"}))
    with pytest.raises(UnreadableFileError, match="xlsb"):
        sniff(xlsb)


def _cfb(stream_names: list[str]) -> bytes:
    """A minimal valid Compound File Binary with empty streams of the given names."""
    ssize = 512
    entries = [("Root Entry", 5)] + [(n, 2) for n in stream_names]
    n_dir_sectors = -(-len(entries) // 4)
    # sector 0: FAT; sectors 1..n: directory
    fat = [0xFFFFFFFD] + [i + 2 for i in range(n_dir_sectors - 1)] + [0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (ssize // 4 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<H", header, 32, 6)
    struct.pack_into("<I", header, 44, 1)  # number of FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)
    struct.pack_into("<III", header, 60, 0xFFFFFFFE, 0, 0xFFFFFFFE)
    struct.pack_into("<I", header, 72, 0)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 76, *difat)
    directory = bytearray(n_dir_sectors * ssize)
    for i, (name, kind) in enumerate(entries):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        off = i * 128
        directory[off : off + len(raw)] = raw
        struct.pack_into("<HBB", directory, off + 64, len(raw), kind, 1)
        struct.pack_into("<III", directory, off + 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        struct.pack_into("<II", directory, off + 116, 0xFFFFFFFE, 0)
    if len(entries) > 1:  # root's child: first stream (the tree shape does not matter here)
        struct.pack_into("<I", directory, 76, 1)
    return bytes(header) + struct.pack(f"<{ssize // 4}I", *fat) + bytes(directory)


@pytest.mark.parametrize(
    ("streams", "expected"),
    [
        (["Workbook"], "xls"),
        (["Book"], "xls"),
        (["EncryptionInfo", "EncryptedPackage"], "password-protected"),
        (["WordDocument"], "Word .doc"),
        (["Contents"], "without a Workbook stream"),
        (["A", "B", "C", "D", "E", "Workbook"], "xls"),  # directory over two sectors
    ],
)
def test_cfb_containers(tmp_path, streams, expected):
    p = tmp_path / "ole.xls"
    p.write_bytes(_cfb(streams))
    if expected == "xls":
        assert sniff(p) == "xls"
    else:
        with pytest.raises(UnreadableFileError, match=expected):
            sniff(p)


def test_corrupt_cfb(tmp_path):
    p = tmp_path / "broken.xls"
    p.write_bytes(_cfb(["Workbook"])[:600])
    with pytest.raises(UnreadableFileError, match="corrupt OLE"):
        sniff(p)


def test_html_variants(tmp_path):
    utf16 = tmp_path / "u16.xls"
    utf16.write_bytes("<html><body><TABLE><tr><td>1</td></tr></TABLE>".encode("utf-16"))
    assert sniff(utf16) == "html"
    late = tmp_path / "late.xls"  # the table starts far beyond the first read
    late.write_bytes(
        b"<html><body>" + b"<p>x</p>\n" * 300_000 + b"<table><tr><td>1</td></tr></table>"
    )
    assert sniff(late) == "html"
    mhtml = tmp_path / "page.xls"
    mhtml.write_bytes(b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="x"\r\n')
    with pytest.raises(UnreadableFileError, match="MHTML"):
        sniff(mhtml)
    xml2003 = tmp_path / "x2003.xls"
    xml2003.write_bytes(
        b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
    )
    with pytest.raises(UnreadableFileError, match="Excel 2003 XML"):
        sniff(xml2003)


def test_binary_garbage(tmp_path):
    p = tmp_path / "noise.xlsx"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UnreadableFileError, match="unrecognised content"):
        sniff(p)


def test_legacy_vietnamese_text_is_text(tmp_path):
    p = tmp_path / "tcvn.xls"
    p.write_bytes(b"Huy\xea\xf2n Ba B\xea\xde;2020;50402,6\n" * 50)  # cp1258 bytes
    with pytest.raises(UnreadableFileError, match="text file"):
        sniff(p)


def test_zip_bomb_is_refused_before_decompressing(monkeypatch):
    # the declared size alone refuses the corpus bomb: no member is ever opened
    def fail(*args, **kwargs):
        raise AssertionError("a member was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", fail)
    with pytest.raises(UnreadableFileError, match="200 MB"):
        sniff(BAD / "zip_bomb.xlsx")
