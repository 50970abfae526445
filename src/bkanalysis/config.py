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

The report keeps one folder per language side by side, and this module is the one place
that says where (:func:`figures_dir`, :func:`notebooks_dir`):

* ``reports/<lang>/figures/`` -- figures exported by ``bkanalysis report`` in *lang*
  (``vi`` or ``en``) and their ``manifest.csv``;
* ``reports/<lang>/notebooks/`` -- the executed notebooks and their HTML;
* ``reports/scratch/<notebook>/<lang>/figures/`` -- figures of a notebook run by hand
  (JupyterLab, papermill): a hand run never writes into the report's folders
  (:func:`export_dir`).

Only the report sets ``BKANALYSIS_EXPORT_DIR`` (its private staging folder, from which a
notebook's outputs are swapped in when the notebook succeeds), ``BKANALYSIS_NOTEBOOK`` and
``BKANALYSIS_ASSESSMENT`` (the assessment it computed once for every notebook) for the
kernels it starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LANGS",
    "MANIFEST_COLUMNS",
    "Paths",
    "export_dir",
    "figures_dir",
    "get_paths",
    "notebook_name",
    "notebooks_dir",
    "project_root",
    "reuse_dir",
]

#: Languages of the report, each with its own folder under ``reports/``.
LANGS: tuple[str, ...] = ("vi", "en")
#: Columns of a figures folder's ``manifest.csv`` (``width_cm``: the width the figure is
#: drawn for, 16 cm full or 8 cm half; ``lang``: language of the figure files;
#: ``notebook``: the notebook that exported them, empty outside a notebook).
MANIFEST_COLUMNS: tuple[str, ...] = (
    "name",
    "title_vi",
    "title_en",
    "caption_vi",
    "caption_en",
    "sources",
    "synthetic",
    "files",
    "width_cm",
    "lang",
    "notebook",
)
#: Set by ``bkanalysis report`` for its kernels: the staging folder of the figures.
EXPORT_ENV = "BKANALYSIS_EXPORT_DIR"
#: Set by ``bkanalysis report`` for its kernels: the previous files of the notebook's
#: figures, checked against the hashes the report recorded (see :func:`reuse_dir`).
REUSE_ENV = "BKANALYSIS_REUSE_DIR"
#: Set by ``bkanalysis report`` for its kernels: the digest of what decides the notebook's
#: figures besides their own call (its code, parameters, the package, the boundaries),
#: part of each deferred figure's recipe (see :mod:`bkanalysis.plotting.recipe`).
RECIPE_ENV = "BKANALYSIS_RECIPE"
#: Set by ``bkanalysis report`` for its kernels: the stem of the notebook executed.
NOTEBOOK_ENV = "BKANALYSIS_NOTEBOOK"
#: Set by ``bkanalysis report`` for its kernels: the assessment it computed once for all
#: notebooks (see :func:`bkanalysis.notebook.assessment`).
ASSESSMENT_ENV = "BKANALYSIS_ASSESSMENT"
#: The image formats :func:`bkanalysis.plotting.save_figure` can write.
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
#: Set by ``bkanalysis report`` for its kernels (or by a user): the image formats
#: ``save_figure`` writes when not told, comma-separated (see :func:`figure_formats`).
FORMATS_ENV = "BKANALYSIS_FORMATS"


def figure_formats() -> tuple[str, ...]:
    """Image formats :func:`bkanalysis.plotting.save_figure` writes when not told.

    ``BKANALYSIS_FORMATS`` (comma-separated, ``all`` for every format) when set, else all
    of :data:`FIGURE_FORMATS`. ``bkanalysis report`` sets it for its kernels from its
    ``--formats`` option (default ``png``).

    Examples
    --------
    >>> import os
    >>> saved = os.environ.pop(FORMATS_ENV, None)
    >>> figure_formats()
    ('png', 'svg', 'pdf')
    >>> os.environ[FORMATS_ENV] = "png, pdf"
    >>> figure_formats()
    ('png', 'pdf')
    >>> _ = os.environ.pop(FORMATS_ENV) if saved is None else os.environ.update({FORMATS_ENV: saved})
    """
    return parse_formats(os.environ.get(FORMATS_ENV, "").strip() or "all")


def parse_formats(text: str) -> tuple[str, ...]:
    """Return the image formats a comma-separated list names (``all``: every format).

    Raises ValueError naming an unknown format.

    Examples
    --------
    >>> parse_formats("svg,png"), parse_formats("all")
    (('png', 'svg'), ('png', 'svg', 'pdf'))
    """
    names = {f.strip().lower() for f in text.split(",") if f.strip()}
    if "all" in names:
        return FIGURE_FORMATS
    unknown = sorted(names - set(FIGURE_FORMATS))
    if unknown or not names:
        raise ValueError(
            f"unknown figure format {', '.join(unknown) or repr(text)}; "
            f"choose among {', '.join(FIGURE_FORMATS)} or all"
        )
    return tuple(f for f in FIGURE_FORMATS if f in names)


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        from .errors import BkError

        raise BkError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


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
        """The report's Vietnamese figures (``figures_dir("vi")``)."""
        return self.figures_dir("vi")

    def report_dir(self, lang: str) -> Path:
        """Folder of the report in *lang*: ``reports/<lang>``."""
        return self.reports / _check_lang(lang)

    def figures_dir(self, lang: str = "vi") -> Path:
        """Return the folder of the figures of the report in *lang*, with ``manifest.csv``."""
        return self.report_dir(lang) / "figures"

    def notebooks_dir(self, lang: str = "vi") -> Path:
        """Return the folder of the executed notebooks (``.ipynb``, ``.html``) in *lang*."""
        return self.report_dir(lang) / "notebooks"

    @property
    def scratch(self) -> Path:
        """Outputs of hand runs (``reports/scratch``); never read by the report."""
        return self.reports / "scratch"

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


def figures_dir(lang: str = "vi", paths: Paths | None = None) -> Path:
    """Return the folder of the report's figures in *lang* (``reports/<lang>/figures``).

    This is where ``bkanalysis report`` publishes figures (and ``manifest.csv``) and where
    other commands (e.g. a policy brief) read them from.

    Examples
    --------
    >>> figures_dir("en").parts[-3:]
    ('reports', 'en', 'figures')
    """
    return (paths or get_paths()).figures_dir(lang)


def notebooks_dir(lang: str = "vi", paths: Paths | None = None) -> Path:
    """Return the folder of the report's executed notebooks in *lang*."""
    return (paths or get_paths()).notebooks_dir(lang)


def notebook_name() -> str:
    """Name of the notebook being run: set by the report, else by Jupyter, else ``""``.

    ``BKANALYSIS_NOTEBOOK`` is set by ``bkanalysis report``; JupyterLab sets
    ``JPY_SESSION_NAME`` (the notebook's path) in the kernels it starts.
    """
    name = os.environ.get(NOTEBOOK_ENV, "").strip()
    if name:
        return name
    session = os.environ.get("JPY_SESSION_NAME", "").strip()
    return Path(session).stem if session else ""


def reuse_dir() -> Path | None:
    """Folder of figure files the report made last time and checked, or None.

    Set only by ``bkanalysis report`` (``BKANALYSIS_REUSE_DIR``): when a figure's recipe
    or fingerprint is the one recorded with its files there,
    :func:`bkanalysis.plotting.save_figure` copies them instead of drawing them again.
    A hand run has none and draws everything.
    """
    env = os.environ.get(REUSE_ENV, "").strip()
    return Path(env) if env else None


def export_dir(lang: str = "vi", paths: Paths | None = None) -> Path:
    """Folder where :func:`bkanalysis.plotting.save_figure` writes when not told.

    Inside ``bkanalysis report`` this is the report's staging folder of the notebook
    (``BKANALYSIS_EXPORT_DIR``); the report moves the files into :func:`figures_dir` only
    when the whole notebook succeeded. Anywhere else (a notebook opened in JupyterLab, run
    with papermill or from a script) it is ``reports/scratch/<notebook>/<lang>/figures``,
    where ``<notebook>`` is the notebook's name when Jupyter tells it, else
    ``interactive``: a hand run never mixes into the report's figures.

    Examples
    --------
    >>> import os
    >>> saved = {k: os.environ.pop(k, None) for k in (EXPORT_ENV, NOTEBOOK_ENV, "JPY_SESSION_NAME")}
    >>> export_dir("en").parts[-4:]
    ('scratch', 'interactive', 'en', 'figures')
    >>> os.environ.update({k: v for k, v in saved.items() if v is not None})
    """
    env = os.environ.get(EXPORT_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    lang = _check_lang(lang)
    return (paths or get_paths()).scratch / (notebook_name() or "interactive") / lang / "figures"
