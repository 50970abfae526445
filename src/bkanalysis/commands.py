"""The commands of ``bkanalysis``: each takes the parsed arguments and returns an exit status.

:mod:`bkanalysis.cli` parses the command line and calls the function named in its
``COMMANDS`` table. A command only reads its arguments, calls the library and prints;
the work is done by the modules it calls (``build`` by :mod:`bkanalysis.pipeline`,
``status`` by :mod:`bkanalysis.progress`, ``report`` by :mod:`bkanalysis.report`, ...).

NOTE: each command imports the library modules it uses when it runs, not at the top of
this module: the command line should pay only for the command it runs. Measured: pandas
and the build's modules take about 0.6 s to import, and ``bkanalysis report`` with
nothing changed must answer in well under a second without them (it imports neither
pandas nor matplotlib); the assessment and the brief load matplotlib (about 1–2 s),
which ``bkanalysis build`` and ``bkanalysis targets`` never need.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import get_paths
from .errors import BkError

__all__ = [
    "boundaries_command",
    "brief_command",
    "build_command",
    "report_command",
    "review_command",
    "status_command",
    "targets_command",
]


def _written(lang: str, path) -> str:
    return ("Đã ghi" if lang == "vi" else "Written") + f": {path}"


# --------------------------------------------------------------------------- build
def build_command(args: argparse.Namespace) -> int:
    """``bkanalysis build [--raw DIR] [--out DIR] [--strict] [--quiet]``.

    Returns 1 when a file could not be read, 2 under ``--strict`` when something needs
    review (:func:`bkanalysis.build_summary.strict_problems`), else 0.
    """
    from .build_summary import NeedsReviewError
    from .pipeline import build

    try:
        res = build(
            getattr(args, "raw", None),
            getattr(args, "out", None),
            strict=bool(getattr(args, "strict", False)),
            progress=not getattr(args, "quiet", False),
        )
    except NeedsReviewError as exc:
        res, problems = exc.result, exc.problems
    else:
        problems = []
    if res.failed:
        print(
            f"bkanalysis build: {res.failed} file(s) could not be read (see validation.md)",
            file=sys.stderr,
        )
        return 1
    if problems:
        print("bkanalysis build --strict: needs review:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return 2
    return 0


# --------------------------------------------------------------------------- status
def status_command(args: argparse.Namespace) -> int:
    """``bkanalysis status [--year Y] [--lang vi|en] [--processed DIR] [--method M] [--count-reading R]``.

    Prints the table of every target and writes ``reports/progress.xlsx``; emission
    messages (no BAU data) are printed too.
    """
    from .emissions import emissions_vs_bau
    from .observations import load_observations
    from .progress import (
        COUNT_READINGS,
        METHODS,
        assess,
        format_assessment,
        write_progress_workbook,
    )

    paths = get_paths()
    lang = getattr(args, "lang", None) or "vi"
    method = getattr(args, "method", None) or "plan"
    if method not in METHODS:
        raise BkError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    reading = getattr(args, "count_reading", None) or "share"
    if reading not in COUNT_READINGS:
        raise BkError(f"unknown count reading {reading!r}: choose {' or '.join(COUNT_READINGS)}")
    processed = Path(getattr(args, "processed", None) or paths.processed)
    observations = load_observations(processed)
    assessment = assess(
        observations, as_of=getattr(args, "year", None), method=method, count_reading=reading
    )
    print(format_assessment(assessment, lang))
    emissions = emissions_vs_bau(observations)
    if emissions.empty and "message" in emissions.attrs:
        print()
        print(emissions.attrs[f"message_{lang}"])
    out = write_progress_workbook(
        assessment,
        Path(paths.reports) / "progress.xlsx",
        source_files=observations["source_file"].dropna().unique(),
    )
    print()
    print(_written(lang, out))
    return 0


# --------------------------------------------------------------------------- targets
def targets_command(args: argparse.Namespace) -> int:
    """Print the registry (``bkanalysis targets [--lang vi|en]``); return 0."""
    from .targets import format_targets, load_targets

    lang = getattr(args, "lang", None) or "vi"
    print(format_targets(load_targets(), lang))
    return 0


# --------------------------------------------------------------------------- review
def review_command(args: argparse.Namespace) -> int:
    """Run ``bkanalysis review [--accept all|1,3]``; return the exit status."""
    import pandas as pd

    from .review import accept, rejected_labels

    paths = get_paths()
    processed = Path(args.processed) if getattr(args, "processed", None) else paths.processed
    raw = Path(args.raw) if getattr(args, "raw", None) else paths.raw
    path = processed / "rejects.csv"
    if not path.is_file():
        raise BkError(f"{path} not found: run `bkanalysis build` first")
    rejects = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    items = rejected_labels(rejects)
    out = sys.stdout
    if not items:
        print("Không có nhãn nào bị từ chối — no rejected labels.", file=out)
        return 0
    print(f"{len(items)} nhãn bị từ chối / rejected labels (most cells first):", file=out)
    for n, i in enumerate(items, 1):
        if i.suggestion:
            sug = f"{i.suggestion} (score {i.score:g})"
        elif i.close:
            named = " or ".join(f"{ind} ({sc:g})" for ind, sc in i.close)
            sug = (
                f"no suggestion: {named}, too close to choose; add the row "
                "'label,indicator_id' you mean to data/raw/aliases.csv"
            )
        else:
            sug = "no suggestion"
        files = ", ".join(i.files[:3]) + (" …" if len(i.files) > 3 else "")
        print(f"{n:>3}. {i.label!r}: {i.cells} cell(s) in {files}", file=out)
        print(f"     → {sug}", file=out)
    if getattr(args, "accept", None):
        done = accept(items, args.accept, raw)
        print(
            f"wrote {len(done)} alias(es) to {raw / 'aliases.csv'}; "
            "run `bkanalysis build` to read them",
            file=out,
        )
    else:
        print(
            "Check the suggestions, then `bkanalysis review --accept all` (or --accept 1,3) "
            "writes them into data/raw/aliases.csv.",
            file=out,
        )
    return 0


# --------------------------------------------------------------------------- boundaries
def boundaries_command(args: argparse.Namespace) -> int:
    """``bkanalysis boundaries [--mirror DIR] [--download] [--quiet]``.

    Copies the boundary files from the mirror folder (default ``get_paths().geo_mirror``,
    i.e. ``../shared/geo``) into ``get_paths().boundaries``, skipping identical files;
    with ``--download`` and no mirror, fetches GADM 4.1 level 3. Otherwise prints how to
    obtain the boundaries and returns 1.
    """
    from .admin.boundaries import HOW_TO_OBTAIN, copy_from_mirror, download_gadm

    paths = get_paths()
    target = paths.boundaries
    quiet = bool(getattr(args, "quiet", False))
    mirror = Path(args.mirror).expanduser() if getattr(args, "mirror", None) else paths.geo_mirror
    if mirror.is_dir():
        done = copy_from_mirror(mirror, target)
        if not quiet:
            for name, action in done:
                print(f"{action:9} {target / name}")
        return 0
    if getattr(args, "download", False):
        written = download_gadm(target)
        if not quiet:
            for name in written:
                print(f"downloaded {target / name} (GADM 4.1; other vintages: use a mirror)")
        return 0
    print(f"no boundary mirror at {mirror}.", file=sys.stderr)
    print(HOW_TO_OBTAIN.format(folder=target), file=sys.stderr)
    return 1


# --------------------------------------------------------------------------- brief
def brief_command(args: argparse.Namespace) -> int:
    """``bkanalysis brief [--year Y] [--lang vi|en] [--theme T] [--out PATH]``.

    Writes the brief; when the figures are missing (``bkanalysis report`` not run) the
    text parts are still written and one line says how to add the figures.
    """
    from .brief import write_brief

    lang = getattr(args, "lang", None) or "vi"
    out, notes = write_brief(
        getattr(args, "out", None),
        year=getattr(args, "year", None),
        lang=lang,
        theme=getattr(args, "theme", None) or "all",
    )
    for note in dict.fromkeys(notes):
        print(f"bkanalysis brief: {note}", file=sys.stderr)
    print(_written(lang, out))
    return 0


# --------------------------------------------------------------------------- report
def report_command(args: argparse.Namespace) -> int:
    """Run ``bkanalysis report`` from parsed arguments; return the exit status.

    Exit status 1 if any notebook failed (one line per failure on stderr, saying that
    its previous outputs were kept), else 0. ``--explain`` prints, for each notebook,
    whether it reran and why.
    """
    from .report import REPORT_FORMATS, report, skip_slow_optional_imports

    skip_slow_optional_imports()
    result = report(
        lang=getattr(args, "lang", "vi"),
        force=bool(getattr(args, "force", False)),
        progress=not getattr(args, "quiet", False),
        year=getattr(args, "year", None),
        explain=bool(getattr(args, "explain", False)),
        formats=getattr(args, "formats", None) or REPORT_FORMATS,
    )
    if result.workbook_error:
        print(
            f"bkanalysis report: progress workbook failed: {result.workbook_error}", file=sys.stderr
        )
    for run in result.failed:
        where = (
            f"the failed run is in {run.failed_notebook}"
            if run.failed_notebook is not None
            else "no executed notebook was written"
        )
        print(
            f"bkanalysis report: notebook {run.name} ({run.lang}) failed: {run.error}; "
            f"its previous outputs are kept, {where}",
            file=sys.stderr,
        )
    if not getattr(args, "quiet", False):
        folders = ", ".join(str(get_paths().figures_dir(lg)) for lg in result.langs)
        print(
            f"bkanalysis report: {len(result.executed)} notebooks executed, "
            f"{len(result.skipped)} skipped, {len(result.failed)} failed, "
            f"{len(result.figures)} figure files in {folders} "
            f"({result.seconds:.1f} s)",
            file=sys.stderr,
        )
    return 0 if result.ok else 1
