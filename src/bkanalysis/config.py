"""Where bkanalysis reads and writes.

Every directory can be overridden by an environment variable, so the same code runs
from a checkout, a notebook or CI:

=========================  ===============================  =========================
variable                   default                          holds
=========================  ===============================  =========================
``BKANALYSIS_ROOT``        the checkout (folder of           everything below
                           ``pyproject.toml``) or the cwd
``BKANALYSIS_RAW``         ``<root>/data/raw``              workbooks as received
``BKANALYSIS_PROCESSED``   ``<root>/data/processed``        tidy outputs of ``build``
``BKANALYSIS_EXTERNAL``    ``<root>/data/external``         reference data not in git
``BKANALYSIS_BOUNDARIES``  ``<external>/boundaries``        commune boundaries
``BKANALYSIS_GEO_MIRROR``  ``<root>/../shared/geo``         local mirror of boundaries
``BKANALYSIS_REPORTS``     ``<root>/reports``               figures, tables, notebooks
=========================  ===============================  =========================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Paths", "get_paths", "project_root"]


def project_root(start: Path | None = None) -> Path:
    """Return the project root.

    ``BKANALYSIS_ROOT`` wins; otherwise the nearest parent of *start* (default: the
    current directory, then this file) holding a ``pyproject.toml`` with a ``data``
    folder; otherwise the current directory.
    """
    env = os.environ.get("BKANALYSIS_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    candidates = [Path(start) if start else Path.cwd(), Path(__file__).resolve()]
    for base in candidates:
        for parent in [base, *base.parents]:
            if (parent / "pyproject.toml").is_file() and (parent / "data").is_dir():
                return parent
    return Path.cwd()


@dataclass(frozen=True)
class Paths:
    """The directories bkanalysis uses (see the module docstring)."""

    root: Path
    raw: Path
    processed: Path
    external: Path
    boundaries: Path
    geo_mirror: Path
    reports: Path

    @property
    def figures(self) -> Path:
        """Folder of exported figures and their manifest."""
        return self.reports / "figures"

    @property
    def notebooks(self) -> Path:
        """Folder of the notebooks shipped with the project."""
        return self.root / "notebooks"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def get_paths(root: Path | None = None) -> Paths:
    """Resolve every project directory, applying environment overrides.

    Examples
    --------
    >>> p = get_paths()
    >>> p.raw.name, p.processed.name
    ('raw', 'processed')
    """
    root = Path(root).resolve() if root else project_root()
    external = _env_path("BKANALYSIS_EXTERNAL", root / "data" / "external")
    return Paths(
        root=root,
        raw=_env_path("BKANALYSIS_RAW", root / "data" / "raw"),
        processed=_env_path("BKANALYSIS_PROCESSED", root / "data" / "processed"),
        external=external,
        boundaries=_env_path("BKANALYSIS_BOUNDARIES", external / "boundaries"),
        geo_mirror=_env_path("BKANALYSIS_GEO_MIRROR", root.parent / "shared" / "geo"),
        reports=_env_path("BKANALYSIS_REPORTS", root / "reports"),
    )
