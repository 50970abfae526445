"""Atomic, deterministic writers for every output of bkanalysis.

Outputs are written to a temporary file beside the target and renamed into place, so
an interrupted run leaves the previous output intact and readers never see half a file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "atomic_path",
    "write_bytes_atomic",
    "write_csv_atomic",
    "write_parquet_atomic",
    "write_text_atomic",
]


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, *, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside *target*; rename it onto *target* on success.

    On an exception the temporary file is removed and *target* is left untouched. With
    *durable* (the default) the file is flushed to disk before the rename, so that a
    power cut never leaves *target* empty; a cache that checks what it reads can skip it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "out.txt") as tmp:
    ...     _ = tmp.write_text("hello", encoding="utf-8")
    >>> (d / "out.txt").read_text(encoding="utf-8")
    'hello'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    # NOTE: mkstemp creates files with mode 0600; outputs should get the usual
    # permissions (0666 less the umask), like any file the user writes.
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        tmp.replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_bytes_atomic(target: str | os.PathLike, data: bytes, *, durable: bool = True) -> Path:
    """Write *data* to *target* atomically and return the target path (see :func:`atomic_path`)."""
    with atomic_path(target, durable=durable) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | os.PathLike, text: str) -> Path:
    r"""Write UTF-8 *text* (newline ``\\n``) to *target* atomically."""
    return write_bytes_atomic(target, text.encode("utf-8"))


def write_csv_atomic(df: pd.DataFrame, target: str | os.PathLike, *, bom: bool = True) -> Path:
    r"""Write *df* as CSV (UTF-8 with BOM by default, so Excel shows diacritics), atomically.

    Floats are written with ``repr`` precision and rows end in ``\\n``, so identical
    frames give byte-identical files.
    """
    text = df.to_csv(index=False, lineterminator="\n")
    data = ("\ufeff" if bom else "").encode("utf-8") + text.encode("utf-8")
    return write_bytes_atomic(target, data)


def write_parquet_atomic(df: pd.DataFrame, target: str | os.PathLike) -> Path:
    """Write *df* as Parquet atomically (no index; pyarrow engine)."""
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow")
    return Path(target)
