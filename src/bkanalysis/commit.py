"""Replace a set of output files together: all of the new set, or all of the previous one.

Each file is written to a hidden temporary file beside its target (``.<name>.<random>.tmp``)
and flushed to disk. Only then is a *commit record* (``.commit.json``, written atomically)
put beside them, listing the renames to do; the renames follow and the record is removed.

A process killed before the record exists leaves the previous files untouched (the
temporaries are removed by the next write). A process killed during the renames leaves the
record: :func:`finish_commit` — called by the next write and by the readers of the outputs
— completes the renames, since every new file was complete before the record was written.
So a reader never combines files of two builds.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["COMMIT_RECORD", "finish_commit", "write_together"]

#: Name of the commit record in the output folder.
COMMIT_RECORD = ".commit.json"


def _rename(src: Path, dst: Path) -> None:
    """Rename *src* onto *dst* (one place, so that tests can interrupt it)."""
    src.replace(dst)


def _fsync_dir(folder: Path) -> None:
    # NOTE: makes the renames durable on POSIX; directories cannot be opened on Windows
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def finish_commit(folder: str | os.PathLike) -> bool:
    """Complete the renames of a commit that was interrupted in *folder*.

    Returns
    -------
    bool
        True if there was an interrupted commit (now completed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> finish_commit(d)
    False
    """
    folder = Path(folder)
    record = folder / COMMIT_RECORD
    if not record.is_file():
        return False
    try:
        pairs = json.loads(record.read_text(encoding="utf-8"))["renames"]
    except (OSError, ValueError, KeyError, TypeError):
        pairs = []  # NOTE: the record is written atomically; an unreadable one is foreign
    for tmp_name, target_name in pairs:
        tmp = folder / Path(str(tmp_name)).name
        if tmp.is_file():
            with contextlib.suppress(FileNotFoundError):  # another reader finished it
                _rename(tmp, folder / Path(str(target_name)).name)
    _fsync_dir(folder)
    record.unlink(missing_ok=True)
    return True


def write_together(folder: str | os.PathLike, writers: dict[str, Callable[[Path], None]]) -> None:
    """Write the files of *writers* (name -> function writing that file) into *folder* together.

    Parameters
    ----------
    folder : path-like
        Output folder (created if needed).
    writers : dict
        File name -> function that writes the file at the path it is given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_together(d, {"a.txt": lambda p: p.write_text("1"), "b.txt": lambda p: p.write_text("2")})
    >>> sorted(p.name for p in d.iterdir()), (d / "b.txt").read_text()
    (['a.txt', 'b.txt'], '2')
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    finish_commit(folder)
    # NOTE: a process killed while writing leaves hidden temporaries; nothing reads them
    for name in [*writers, COMMIT_RECORD]:
        for stale in folder.glob(f".{name}.*.tmp"):
            stale.unlink(missing_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    tmps: dict[str, Path] = {}
    try:
        for name, write in writers.items():
            fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            os.close(fd)
            tmp = tmps[name] = Path(tmp_name)
            tmp.chmod(0o666 & ~umask)  # mkstemp makes 0600; outputs get the usual mode
            write(tmp)
        for tmp in tmps.values():
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        record = json.dumps({"renames": [[tmps[n].name, n] for n in writers]}, indent=1)
        fd, rec_tmp = tempfile.mkstemp(prefix=f"{COMMIT_RECORD}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(record)
            fh.flush()
            os.fsync(fh.fileno())
        _rename(Path(rec_tmp), folder / COMMIT_RECORD)
        _fsync_dir(folder)
    except BaseException:
        for tmp in tmps.values():
            tmp.unlink(missing_ok=True)
        raise
    # from here on the new set is committed: finish_commit completes it if we are killed
    finish_commit(folder)
