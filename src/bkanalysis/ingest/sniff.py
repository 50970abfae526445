"""Tell what a raw file really is, from its content, and refuse hostile or broken files.

Researchers drop whatever they receive into ``data/raw/``: ``.xls`` files that are HTML
pages saved by a government website, password-protected workbooks, truncated downloads,
CSV or PDF files renamed ``.xlsx``. :func:`sniff` looks at the bytes (never at the
extension) and returns the reader to use, or raises
:class:`~bkanalysis.errors.UnreadableFileError` with a one-line reason that names the file.

It also guards the readers against zip bombs (limits on declared and actual uncompressed
size, compression ratio and member count) and XML entity attacks (any XML part declaring
a ``<!DOCTYPE`` or ``<!ENTITY`` is refused before a parser sees it).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

from bkanalysis.errors import UnreadableFileError

from .textfiles import looks_like_px

__all__ = [
    "KINDS",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED",
    "Sniffed",
    "open_or_raise",
    "sniff",
    "sniff_workbook",
]

#: What :func:`sniff` can return.
KINDS = ("xlsx", "xls", "html", "ods", "csv", "px")

#: Refuse a zip whose members expand to more than this many bytes in total.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Refuse a zip member that expands more than this many times (when it is large).
MAX_RATIO = 100
#: A member smaller than this (uncompressed) is never refused for its ratio alone.
RATIO_MIN_SIZE = 10 * 1024 * 1024
#: Refuse a zip with more members than this (a workbook has a few dozen).
MAX_MEMBERS = 10_000
#: Zip files up to this size are read into memory once for the member checks.
MAX_IN_MEMORY = 256 * 1024 * 1024
#: Read at most this much of an HTML file when looking for a table.
MAX_HTML_BYTES = 64 * 1024 * 1024

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 1 << 20
_DANGEROUS_XML = (b"<!DOCTYPE", b"<!ENTITY")
_DANGEROUS_XML_ALL = _DANGEROUS_XML + tuple(
    m.decode("ascii").encode(enc) for m in _DANGEROUS_XML for enc in ("utf-16-le", "utf-16-be")
)
_TABLE_RE = re.compile(rb"<\s*table[\s>/]", re.IGNORECASE)
_HTML_RE = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|table|meta|style|div)[\s>/]", re.I)


class Sniffed(NamedTuple):
    """What :func:`sniff_workbook` found: the kind of file and the parts it decompressed."""

    kind: str
    #: An xlsx's XML parts (member name -> bytes), decompressed and checked while sniffing:
    #: the cells loader reads them instead of decompressing the zip a second time.
    xml_parts: dict[str, bytes] | None = None


def sniff(path: str | os.PathLike) -> str:
    r"""Return the kind of spreadsheet at *path*, judged by content: ``'xlsx'``, ``'xls'``, ``'html'``, ``'ods'``, ``'csv'`` or ``'px'``.

    Parameters
    ----------
    path
        A file (its extension is ignored).

    Returns
    -------
    str
        ``'xlsx'`` (Office Open XML workbook, also ``.xlsm``), ``'xls'`` (BIFF workbook in
        an OLE container), ``'html'`` (an HTML page holding at least one ``<table>``, as
        saved by many websites under an ``.xls`` name), ``'ods'`` (OpenDocument), ``'csv'``
        (a text file named ``.csv``/``.tsv``) or ``'px'`` (PC-Axis text named ``.px``).

    Raises
    ------
    UnreadableFileError
        With a one-line reason when the file is missing, unreadable (permission denied or
        locked), empty, a truncated or corrupt zip, a zip that is not a workbook, a text,
        CSV or PDF file, an encrypted (password-protected) workbook, a zip bomb, an XML
        part with a ``<!DOCTYPE``/``<!ENTITY`` declaration, or an HTML page without a table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "table.xls"
    >>> _ = p.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    >>> sniff(p)
    'html'
    >>> _ = p.write_text("area,year,value\nBa Be,2020,1.5\n")
    >>> sniff(p)
    Traceback (most recent call last):
    ...
    bkanalysis.errors.UnreadableFileError: ...table.xls: a text file (CSV?), not a spreadsheet; open it in Excel and save it as .xlsx
    """
    return sniff_workbook(path).kind


def sniff_workbook(path: str | os.PathLike) -> Sniffed:
    """Like :func:`sniff`, and return the XML parts of an xlsx decompressed on the way.

    Raises
    ------
    UnreadableFileError
        As :func:`sniff`.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise UnreadableFileError(
            path, "file not found (missing, or removed during the build)"
        ) from None
    except PermissionError:
        raise UnreadableFileError(
            path, "permission denied (the file is locked or not readable)"
        ) from None
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot access the file ({_os_reason(exc)})") from None
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFileError(path, "not a regular file")
    if st.st_size == 0:
        raise UnreadableFileError(path, "empty file (0 bytes)")
    with open_or_raise(path) as fh:
        head = fh.read(8192)

    if head.startswith(_ZIP_MAGICS):
        return _sniff_zip(path, st.st_size)
    if head.startswith(_CFB_MAGIC):
        return Sniffed(_sniff_cfb(path))
    return Sniffed(_sniff_other(path, head))


# --------------------------------------------------------------------------- helpers


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def open_or_raise(path: Path):
    """Open *path* for binary reading, or raise :class:`UnreadableFileError` saying why not."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise UnreadableFileError(path, "file not found (removed during the build)") from None
    except PermissionError:
        raise UnreadableFileError(
            path, "permission denied (the file is locked or not readable)"
        ) from None
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot read the file ({_os_reason(exc)})") from None


# --------------------------------------------------------------------------- zip


def _sniff_zip(path: Path, size: int) -> Sniffed:
    with open_or_raise(path) as fh:
        try:
            zf = zipfile.ZipFile(fh)
        except zipfile.BadZipFile as exc:
            raise UnreadableFileError(path, f"corrupt or truncated zip/xlsx file ({exc})") from None
        except (OSError, EOFError, ValueError) as exc:
            raise UnreadableFileError(path, f"corrupt or truncated zip/xlsx file ({exc})") from None
        with zf:
            infos = zf.infolist()
            _check_bomb_declared(path, infos)
            names = {i.filename for i in infos}
            kind = _zip_kind(path, zf, names)
            data = None
            if size <= MAX_IN_MEMORY:
                fh.seek(0)
                data = fh.read()
            parts: dict[str, bytes] | None = {} if kind == "xlsx" else None
            _check_members(path, zf, infos, data, parts)
    return Sniffed(kind, parts)


def _check_bomb_declared(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise UnreadableFileError(
            path, f"refused: zip holds {len(infos)} members (limit {MAX_MEMBERS}; zip bomb?)"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if total > MAX_UNCOMPRESSED:
            raise UnreadableFileError(
                path,
                f"refused: zip expands to more than {MAX_UNCOMPRESSED // 2**20} MB "
                "(zip bomb or oversized workbook)",
            )
        if info.file_size >= RATIO_MIN_SIZE:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise UnreadableFileError(
                    path,
                    f"refused: member {info.filename} is compressed {ratio:.0f}:1 "
                    f"(limit {MAX_RATIO}:1; zip bomb?)",
                )


def _zip_kind(path: Path, zf: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        try:
            mimetype = zf.read("mimetype")[:200].decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise UnreadableFileError(path, f"corrupt or truncated zip file ({exc})") from None
        if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
            return "ods"
        raise UnreadableFileError(
            path, f"an OpenDocument file of type {mimetype!r}, not a spreadsheet"
        )
    if "[Content_Types].xml" not in names:
        raise UnreadableFileError(
            path, "a zip archive that is not an Excel workbook (no [Content_Types].xml)"
        )
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise UnreadableFileError(
            path, "a binary .xlsb workbook, which is not supported; save it as .xlsx"
        )
    if "word/document.xml" in names:
        what = "a Word document"
    elif "ppt/presentation.xml" in names:
        what = "a PowerPoint presentation"
    else:
        what = "an Office file"
    raise UnreadableFileError(path, f"{what}, not an Excel workbook (no xl/workbook.xml)")


def _check_members(
    path: Path,
    zf: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    data: bytes | None,
    parts: dict[str, bytes] | None = None,
) -> None:
    """Decompress every member once: CRC, actual size against declared, entity declarations.

    Deflated and stored members are decompressed straight from the file's bytes (*data*,
    read once) with :mod:`zlib`, output bounded by the declared size, which is several
    times faster than :meth:`zipfile.ZipFile.open` on a workbook's many small parts.
    The XML parts are kept in *parts* (member name -> bytes) when it is given.
    """
    try:
        for info in infos:
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise UnreadableFileError(path, f"encrypted zip member {info.filename}")
            lower = info.filename.lower()
            is_xml = lower.endswith((".xml", ".rels", ".vml"))
            if not is_xml and lower.startswith(("xl/media/", "docprops/thumbnail")):
                continue  # images: never parsed by a reader, not worth decompressing
            if data is not None and info.compress_type in (
                zipfile.ZIP_STORED,
                zipfile.ZIP_DEFLATED,
            ):
                chunks = _raw_member_chunks(path, info, data)
            else:
                chunks = _zipfile_member_chunks(path, zf, info)
            keep = parts is not None and is_xml
            content = _check_member(path, info, chunks, is_xml=is_xml, keep=keep)
            if keep:
                parts[info.filename] = content
    except UnreadableFileError:
        raise
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError(path, f"corrupt zip/xlsx file: {exc}") from None
    except (OSError, EOFError, zlib.error, NotImplementedError, ValueError, struct.error) as exc:
        raise UnreadableFileError(path, f"corrupt or truncated zip/xlsx file: {exc}") from None


def _check_member(path: Path, info: zipfile.ZipInfo, chunks, *, is_xml: bool, keep: bool) -> bytes:
    """Check one member's decompressed *chunks*; return its bytes when *keep* (else b"")."""
    kept = []
    tail = b""  # the end of the previous chunk: a declaration may straddle two chunks
    crc = 0
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if keep:
            kept.append(chunk)
        if size > info.file_size:
            raise UnreadableFileError(
                path,
                f"refused: member {info.filename} expands beyond its declared size "
                "(zip bomb or corrupt file)",
            )
        crc = zlib.crc32(chunk, crc)
        if is_xml and _declares_entity(chunk, tail):
            raise UnreadableFileError(
                path, f"refused: {info.filename} declares a DOCTYPE/ENTITY (XML entity attack?)"
            )
        if is_xml:
            tail = chunk[-32:]
    if size != info.file_size:
        raise UnreadableFileError(
            path,
            f"corrupt or truncated zip/xlsx file: member {info.filename} has {size} "
            f"bytes, {info.file_size} declared",
        )
    if crc != info.CRC:
        raise UnreadableFileError(
            path, f"corrupt zip/xlsx file: bad CRC-32 for member {info.filename}"
        )
    return b"".join(kept)


def _declares_entity(chunk: bytes, tail: bytes) -> bool:
    """Tell whether an XML chunk (after *tail*, the previous one's end) holds a DOCTYPE/ENTITY."""
    if not (b"<!" in chunk or b"<\x00!" in chunk or tail):
        return False  # the byte search first: most chunks hold no "<!" at all
    window = tail + chunk[:64] if tail else chunk
    return any(
        marker in window or (window is not chunk and marker in chunk)
        for marker in _DANGEROUS_XML_ALL
    )


def _raw_member_chunks(path: Path, info: zipfile.ZipInfo, data: bytes):
    off = info.header_offset
    if data[off : off + 4] != b"PK\x03\x04":
        raise UnreadableFileError(
            path, f"corrupt or truncated zip/xlsx file: no local header for {info.filename}"
        )
    name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + name_len + extra_len
    comp = data[start : start + info.compress_size]
    if len(comp) < info.compress_size:
        raise UnreadableFileError(
            path, f"corrupt or truncated zip/xlsx file: member {info.filename} is cut short"
        )
    if info.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(comp), _CHUNK):
            yield comp[i : i + _CHUNK]
        return
    d = zlib.decompressobj(-15)
    buf = comp
    limit = info.file_size + 1
    produced = 0
    while True:
        out = d.decompress(buf, _CHUNK)
        produced += len(out)
        if out:
            yield out
        if produced >= limit or d.eof:
            break
        buf = d.unconsumed_tail
        if not buf:
            out = d.flush()
            if out:
                yield out
            if not d.eof:
                raise UnreadableFileError(
                    path, f"corrupt or truncated zip/xlsx file: member {info.filename} is cut short"
                )
            break


def _zipfile_member_chunks(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    with zf.open(info) as member:
        while True:
            chunk = member.read(_CHUNK)
            if not chunk:
                return
            yield chunk


# --------------------------------------------------------------------------- OLE / CFB


def _sniff_cfb(path: Path) -> str:
    try:
        with open_or_raise(path) as fh:
            names = _cfb_stream_names(fh)
    except UnreadableFileError:
        raise
    except (ValueError, struct.error, OSError, EOFError, IndexError) as exc:
        raise UnreadableFileError(path, f"corrupt OLE (legacy Office) file ({exc})") from None
    if {"EncryptionInfo", "EncryptedPackage"} & names:
        raise UnreadableFileError(
            path,
            "encrypted (password-protected) workbook; remove the password in Excel and save again",
        )
    if {"Workbook", "Book"} & names:
        return "xls"
    if "WordDocument" in names:
        raise UnreadableFileError(path, "a Word .doc document, not an Excel workbook")
    if "PowerPoint Document" in names:
        raise UnreadableFileError(path, "a PowerPoint document, not an Excel workbook")
    raise UnreadableFileError(
        path, "an OLE (legacy Office) file without a Workbook stream, not an Excel workbook"
    )


_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE


def _cfb_stream_names(fh) -> set[str]:
    """Names of the storages and streams of a Compound File Binary container (MS-CFB)."""
    cfb = _Cfb(fh)
    names = cfb.directory_names(cfb.fat())
    if "Root Entry" not in names:
        raise ValueError("no root entry")
    return names


class _Cfb:
    """Just enough of an MS-CFB container to list its directory; ValueError when broken."""

    def __init__(self, fh):
        self.fh = fh
        fh.seek(0, os.SEEK_END)
        file_size = fh.tell()
        fh.seek(0)
        self.header = header = fh.read(512)
        if len(header) < 512:
            raise ValueError("header truncated")
        sector_shift = struct.unpack_from("<H", header, 30)[0]
        if sector_shift not in (9, 12):
            raise ValueError(f"bad sector size 2**{sector_shift}")
        self.ssize = 1 << sector_shift
        self.n_fat = struct.unpack_from("<I", header, 44)[0]
        self.first_dir = struct.unpack_from("<I", header, 48)[0]
        self.first_difat = struct.unpack_from("<I", header, 68)[0]
        self.n_difat = struct.unpack_from("<I", header, 72)[0]
        self.max_sectors = max(file_size // self.ssize, 1)
        if self.n_fat > self.max_sectors or self.n_difat > self.max_sectors:
            raise ValueError("header sector counts exceed the file size")

    def sector(self, i: int) -> bytes:
        """Return sector *i* (raise ValueError beyond the end of the file)."""
        if i >= self.max_sectors:
            raise ValueError(f"sector {i} beyond end of file")
        self.fh.seek((i + 1) * self.ssize)
        data = self.fh.read(self.ssize)
        if len(data) < self.ssize:
            raise ValueError(f"sector {i} truncated")
        return data

    def fat(self) -> list[int]:
        """Return the file allocation table (the header's and the DIFAT chain's sectors)."""
        fat_sectors = [s for s in struct.unpack_from("<109I", self.header, 76) if s != _FREESECT]
        nxt, seen = self.first_difat, 0
        per = self.ssize // 4 - 1
        while nxt not in (_ENDOFCHAIN, _FREESECT) and seen < self.n_difat:
            vals = struct.unpack(f"<{per + 1}I", self.sector(nxt))
            fat_sectors.extend(v for v in vals[:per] if v != _FREESECT)
            nxt = vals[per]
            seen += 1
        fat: list[int] = []
        for s in fat_sectors[: self.n_fat]:
            fat.extend(struct.unpack(f"<{self.ssize // 4}I", self.sector(s)))
        return fat

    def directory_names(self, fat: list[int]) -> set[str]:
        """Return the names of the directory's storages and streams (following *fat*)."""
        names: set[str] = set()
        sector, steps = self.first_dir, 0
        while sector not in (_ENDOFCHAIN, _FREESECT):
            steps += 1
            if steps > self.max_sectors or sector >= len(fat):
                raise ValueError("broken directory chain")
            data = self.sector(sector)
            for off in range(0, self.ssize, 128):
                entry = data[off : off + 128]
                name_len = struct.unpack_from("<H", entry, 64)[0]
                if entry[66] in (1, 2, 5) and 2 <= name_len <= 64:  # storage, stream, root
                    names.add(entry[: name_len - 2].decode("utf-16-le", "replace"))
            sector = fat[sector]
        return names


# --------------------------------------------------------------------------- other


def _sniff_other(path: Path, head: bytes) -> str:
    if head.startswith(b"%PDF"):
        raise UnreadableFileError(path, "a PDF document, not a spreadsheet; ask for the Excel file")
    if head.startswith(b"{\\rtf"):
        raise UnreadableFileError(path, "an RTF document, not a spreadsheet")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise UnreadableFileError(path, "an image, not a spreadsheet")
    text = _decode_head(head)
    if text is None:
        raise UnreadableFileError(
            path, f"not a spreadsheet (unrecognised content starting {head[:8].hex(' ')})"
        )
    probe = text.lstrip().lower()
    if probe.startswith("mime-version:") or "multipart/related" in probe[:2000]:
        raise UnreadableFileError(
            path, "a single-file web page (MHTML), not supported; save it as .xlsx"
        )
    if "urn:schemas-microsoft-com:office:spreadsheet" in probe and "<workbook" in probe:
        raise UnreadableFileError(
            path, "an Excel 2003 XML spreadsheet, not supported; open it in Excel and save as .xlsx"
        )
    ascii_head = _ascii_view(head)
    if _HTML_RE.search(ascii_head) or _TABLE_RE.search(ascii_head):
        if _has_table(path):
            return "html"
        raise UnreadableFileError(path, "an HTML page without a <table>, not a spreadsheet")
    kind = _text_table_kind(path, head)
    if kind is not None:
        return kind
    raise UnreadableFileError(
        path, "a text file (CSV?), not a spreadsheet; open it in Excel and save it as .xlsx"
    )


def _text_table_kind(path: Path, head: bytes) -> str | None:
    """``'csv'``/``'px'`` for a text table whose name says so, else None.

    A text file is read as a table only under a ``.csv``/``.tsv``/``.px`` name (a text file
    renamed ``.xlsx`` is still refused), and a ``.px`` file must hold PC-Axis keywords.
    """
    suffix = path.suffix.lower()
    if suffix == ".px":
        return "px" if looks_like_px(head) else None
    if suffix in (".csv", ".tsv"):
        return "csv"
    return None


def _decode_head(head: bytes) -> str | None:
    """Decode the start of a text file, or None when it looks binary."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):  # fmt: skip
        if head.startswith(bom):
            return head[len(bom) :].decode(enc, "replace")
    if b"\x00" in head:
        return None
    text = head.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    if bad > max(8, len(text) // 20):
        # a legacy 8-bit encoding (cp1258, TCVN3) is still text when control bytes are rare
        controls = sum(1 for b in head if b < 9 or 13 < b < 32)
        if controls > len(head) // 100:
            return None
        return head.decode("latin-1")
    return text


def _ascii_view(data: bytes) -> bytes:
    """Bytes with UTF-16 zero bytes dropped, so tag searches work on UTF-16 pages too."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[:200].count(0) > 50:
        return data.replace(b"\x00", b"")
    return data


def _has_table(path: Path) -> bool:
    tail = b""
    read = 0
    with open_or_raise(path) as fh:
        while read < MAX_HTML_BYTES:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return False
            read += len(chunk)
            window = _ascii_view(tail + chunk)
            if _TABLE_RE.search(window):
                return True
            tail = chunk[-64:]
    return False
