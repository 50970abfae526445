"""What each workbook gave when last read, so that a build reads again only what changed.

``bkanalysis build`` turns every workbook under ``data/raw`` into records
(observations, rejects, sheets). A workbook's records depend on its bytes, on its name
under the raw folder (the ``source_file`` of every record), on the sheet specs and the
aliases kept beside the data (``specs/``, ``aliases.csv``), on the bkanalysis package
(code and catalogues) and on the libraries that parse the files. The digest of all of
these names a file in ``<processed>/.read-cache/`` holding the records; a build uses that
file instead of reading the workbook only when the whole digest matches. So a build with
the cache gives the same outputs as one that reads every workbook (a new workbook among
a thousand is read alone; everything after reading -- conflicts, which value wins, the
validation report -- is done on all the records every time).

A cache file that cannot be read is ignored (the workbook is read). An unreadable
workbook is never cached: it is tried again each time. Files no build used are removed
when a build ends, so the cache holds one entry per workbook of the last build.
``make clean`` removes it with the other processed outputs.
"""

from __future__ import annotations

import contextlib
import pickle
from importlib import metadata
from pathlib import Path

from .digests import digest, package_digest, sha256_file, tree_hashes
from .io import write_bytes_atomic

__all__ = ["CACHE_DIR", "ReadCache"]

#: The cache's folder inside the processed folder.
CACHE_DIR = ".read-cache"
#: Libraries whose version can change what a workbook gives.
_READING_LIBRARIES = (
    "python-calamine", "openpyxl", "xlrd", "defusedxml", "pyyaml", "rapidfuzz",
    "vietnamadminunits", "pandas", "numpy",
)  # fmt: skip
#: The files beside the workbooks that the reader reads (specs, aliases).
_READER_INPUTS = ("specs", "aliases.csv")
_SUFFIX = ".pickle"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def _reader_inputs(raw: Path) -> dict[str, str]:
    out = {}
    for name in _READER_INPUTS:
        path = raw / name
        if path.is_dir():
            out |= {f"{name}/{rel}": h for rel, h in tree_hashes(path).items()}
        elif path.is_file():
            out[name] = sha256_file(path)
    return out


class ReadCache:
    """The records of the workbooks of *raw* as last read, in *folder*.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "raw").mkdir(); _ = (d / "raw" / "a.csv").write_text("x")
    >>> cache = ReadCache(d / "out" / CACHE_DIR, d / "raw")
    >>> cache.get(d / "raw" / "a.csv") is None
    True
    >>> cache.put(d / "raw" / "a.csv", ([("obs",)], [], []))  # what the reader gave
    >>> cache.get(d / "raw" / "a.csv")
    ([('obs',)], [], [])
    >>> _ = (d / "raw" / "a.csv").write_text("y")  # another content: read again
    >>> cache.get(d / "raw" / "a.csv") is None
    True
    """

    def __init__(self, folder: Path, raw: Path) -> None:
        self.folder = Path(folder)
        self.raw = Path(raw)
        self._context = digest({
            "package": package_digest(),
            "libraries": {name: _version(name) for name in _READING_LIBRARIES},
            "reader_inputs": _reader_inputs(self.raw),
            "format": pickle.HIGHEST_PROTOCOL,
        })  # fmt: skip
        self._keys: dict[Path, str | None] = {}
        self._used: set[str] = set()

    def _key(self, path: Path) -> str | None:
        """Return the entry's name; None if the file cannot be read (the reader says why)."""
        rel = path.relative_to(self.raw).as_posix()
        try:
            return digest([self._context, rel, sha256_file(path)])
        except OSError:
            return None

    def get(self, path: Path):
        """Return the records of the workbook at *path* as last read, or None."""
        key = self._keys[path] = self._key(path)
        if key is None:
            return None
        self._used.add(key)
        try:
            records = pickle.loads((self.folder / f"{key}{_SUFFIX}").read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                IndexError, TypeError, ValueError):  # fmt: skip
            return None  # damaged or written by another layout: read the workbook
        shape_ok = isinstance(records, tuple) and len(records) == 3
        return records if shape_ok and all(isinstance(r, list) for r in records) else None

    def put(self, path: Path, records) -> None:
        """Keep the *records* read from the workbook at *path*.

        Not kept if the file changed since :meth:`get` looked it up (saved while it was
        being read): the records may be of either content.
        """
        key = self._key(path)
        if key is None or self._keys.get(path, key) != key:
            return
        self._used.add(key)
        data = pickle.dumps(records, pickle.HIGHEST_PROTOCOL)
        # NOTE: not flushed to disk: an entry a power cut damaged does not unpickle to
        # three lists, and the workbook is then read (get)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_bytes_atomic(self.folder / f"{key}{_SUFFIX}", data, durable=False)

    def prune(self) -> None:
        """Remove the entries this build did not use."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if entry.name.removesuffix(_SUFFIX) not in self._used:
                with contextlib.suppress(OSError):
                    entry.unlink()
