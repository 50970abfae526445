"""Command-line interface: ``bkanalysis build | status | report | targets | review | boundaries | brief``.

The parser lives here; the commands live in :mod:`bkanalysis.commands`, which imports
the library a command needs only when that command runs, so ``bkanalysis --help`` is
instant. A command returns an exit status; a :class:`~bkanalysis.errors.BkError`
becomes a one-line message on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from . import __version__, commands
from .errors import BkError

# command -> the function that runs it: it takes the parsed arguments and returns an
# exit status.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "build": commands.build_command,
    "status": commands.status_command,
    "report": commands.report_command,
    "targets": commands.targets_command,
    "boundaries": commands.boundaries_command,
    "review": commands.review_command,
    "brief": commands.brief_command,
}


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``bkanalysis`` command."""
    parser = argparse.ArgumentParser(
        prog="bkanalysis",
        description="Track Bắc Kạn's Green Growth Action Plan (Decision 1635/QĐ-UBND) "
        "against the province's indicator workbooks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (_build, _status, _report, _review, _targets, _boundaries, _brief):
        add(sub)
    return parser


def _build(sub) -> None:
    p = sub.add_parser(
        "build", help="read data/raw into tidy observations, rejects and a validation report"
    )
    p.add_argument("--raw", default=None, help="folder of raw workbooks (default: data/raw)")
    p.add_argument("--out", default=None, help="output folder (default: data/processed)")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit non-zero on what needs review: rejected cells other than sub-totals, "
        "derived/remarks columns and missing markers; conflicts without a winner; "
        "SOURCES.yml warnings",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")


def _status(sub) -> None:
    p = sub.add_parser("status", help="progress of every target, in the terminal")
    _add_year(p)
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.add_argument("--processed", default=None, help="folder of the built observations")
    p.add_argument(
        "--method",
        default=None,
        help="progress method: plan (default: met/missed at the deadline), opensdg "
        "(Open SDG's published measure), escap",
    )
    p.add_argument(
        "--count-reading",
        default=None,
        help="NTM 2030 target set for 110 xã: share (default: share of each year's xã) "
        "or count (as reported)",
    )


def _add_year(p) -> None:
    p.add_argument(
        "--year", type=int, default=None, help="assess as of this year (default: latest data)"
    )


def _report(sub) -> None:
    p = sub.add_parser("report", help="build, execute every notebook, export figures and tables")
    p.add_argument(
        "--lang",
        choices=["vi", "en", "all"],
        default="vi",
        help="language of the figures (all: both, in reports/vi and reports/en)",
    )
    p.add_argument(
        "--force", action="store_true", help="redo every step even if its inputs are unchanged"
    )
    p.add_argument(
        "--explain", action="store_true", help="say for each notebook whether it reran and why"
    )
    p.add_argument(
        "--formats",
        default=None,
        help="image formats of the figures besides their CSV: png (default, 300 dpi), "
        "or a comma-separated list of png, svg, pdf, or all (the vector formats for print "
        "take about twice as long)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")


def _review(sub) -> None:
    p = sub.add_parser(
        "review", help="rejected labels with suggested indicators → data/raw/aliases.csv"
    )
    p.add_argument(
        "--accept",
        default=None,
        metavar="all|1,3,…",
        help="write these suggestions (all, or by number) into data/raw/aliases.csv",
    )
    p.add_argument("--processed", default=None, help="folder of the built rejects.csv")
    p.add_argument("--raw", default=None, help="folder of raw workbooks (default: data/raw)")


def _targets(sub) -> None:
    p = sub.add_parser("targets", help="print the targets registry")
    p.add_argument("--lang", choices=["vi", "en"], default="vi")


def _boundaries(sub) -> None:
    p = sub.add_parser("boundaries", help="put commune boundaries into data/external/boundaries")
    p.add_argument("--mirror", default=None, help="local folder holding the boundary files")
    p.add_argument(
        "--download", action="store_true", help="download GADM 4.1 when no mirror is present"
    )
    p.add_argument("--quiet", action="store_true")


def _brief(sub) -> None:
    p = sub.add_parser("brief", help="an editable Word policy-brief draft (reports/brief_*.docx)")
    _add_year(p)
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.add_argument(
        "--theme",
        choices=["all", "emissions", "waste", "rural_development", "forest_water"],
        default="all",
        help="limit the brief to one theme (default: all)",
    )
    p.add_argument(
        "--out", default=None, help="output file (default: reports/brief_<lang>_<year>.docx)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(COMMANDS[args.command](args) or 0)
    except BkError as exc:
        print(f"bkanalysis {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # NOTE: `bkanalysis targets | head` closes the pipe early; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"bkanalysis {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
