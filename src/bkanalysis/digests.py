"""Content digests: of a file, of a folder's files, of a JSON-able value, of the package.

What the report and the build use to tell whether their inputs changed since they last
ran (:mod:`bkanalysis.report`, :mod:`bkanalysis.read_cache`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import __version__

__all__ = ["digest", "is_hidden", "package_digest", "sha256_file", "tree_hashes"]

_SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints"}


def sha256_file(path: Path) -> str:
    """Return the SHA-256 of the file at *path* (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_hidden(rel: Path) -> bool:
    """Whether *rel* is no input: an Excel lock file (``~$book.xlsx``), a backup, a dot-file."""
    return any(
        part.startswith((".", "~$")) or part in _SKIP_NAMES or part.endswith(("~", ".pyc"))
        for part in rel.parts
    )


def tree_hashes(folder: Path) -> dict[str, str]:
    """Return ``{relative posix path: sha256}`` of every visible file under *folder*."""
    if not folder.is_dir():
        return {}
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not is_hidden(rel):
            out[rel.as_posix()] = sha256_file(path)
    return out


def digest(obj: object) -> str:
    """Return the SHA-256 of *obj* written as JSON (keys sorted; other types as ``str``)."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_digest() -> str:
    """Hash of the installed ``bkanalysis`` package (code and package data) and its version."""
    return digest({"version": __version__, "files": tree_hashes(Path(__file__).parent)})
