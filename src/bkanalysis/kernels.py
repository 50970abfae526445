"""Warm notebook kernels for ``bkanalysis report``.

A fresh kernel for each notebook costs its start and the notebook's imports (pandas,
matplotlib, geopandas, bkanalysis) every time. Instead, each of the report's worker
processes starts one ``python3`` kernel and runs its notebooks in it one after another.
Before every notebook -- the first one too, so that all start alike -- the kernel is put
back in the state of a freshly started one (:func:`reset_kernel`): empty namespace, no
open figure, matplotlib's settings and the warning filters as they were at start, the
report's variables of that notebook in ``os.environ`` and the notebook's folder as the
working directory. What stays is what a fresh kernel would load again in the same way:
imported modules and the package's caches (catalogs, boundaries).
"""

from __future__ import annotations

import os
from multiprocessing.util import Finalize

from .config import ASSESSMENT_ENV, EXPORT_ENV, NOTEBOOK_ENV, RECIPE_ENV, REUSE_ENV
from .errors import BkError

__all__ = [
    "KERNEL_ARGUMENTS",
    "NOTEBOOK_VARIABLES",
    "PRELOAD",
    "has_kernel",
    "preload",
    "prepare",
    "reset_kernel",
    "shutdown",
    "warm_kernel",
]

#: The report's variables that differ from notebook to notebook (set again before each).
NOTEBOOK_VARIABLES: tuple[str, ...] = (
    EXPORT_ENV, NOTEBOOK_ENV, REUSE_ENV, ASSESSMENT_ENV, RECIPE_ENV,
)  # fmt: skip
#: What the report notebooks import (with what their first cells load), imported by a
#: worker's kernel while the report builds the data.
PRELOAD: tuple[str, ...] = (
    "matplotlib.pyplot", "pandas", "pyarrow.parquet", "seaborn", "bkanalysis.notebook",
    "bkanalysis.plotting",
)  # fmt: skip
#: The kernel's own log (e.g. ipykernel's TCP warning) is noise in a report.
KERNEL_ARGUMENTS: tuple[str, ...] = ("--IPKernelApp.log_level=CRITICAL",)

_KERNELS: dict[str, object] = {}  # kernel name -> this process's warm kernel manager
_FRESH: dict[str, object] = {}  # inside a kernel: its state before the first notebook


def warm_kernel(kernel_name: str):
    """Return this process's kernel manager of *kernel_name*, started on first use.

    The kernel inherits ``os.environ`` as it is when it starts, and is shut down when
    the process exits (a report's worker, or the report itself).
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = _KERNELS.get(kernel_name)
    if km is not None and run_sync(km.is_alive)():
        return km
    km = AsyncKernelManager(kernel_name=kernel_name)
    run_sync(km.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS))
    _KERNELS[kernel_name] = km
    # NOTE: a worker of a process pool does not run atexit handlers, but runs these
    Finalize(km, run_sync(km.shutdown_kernel), kwargs={"now": True}, exitpriority=10)
    return km


def has_kernel(kernel_name: str) -> bool:
    """Whether this process has a running kernel of *kernel_name* (:func:`warm_kernel`)."""
    from jupyter_core.utils import run_sync

    km = _KERNELS.get(kernel_name)
    return km is not None and run_sync(km.is_alive)()


def shutdown() -> None:
    """Shut down this process's warm kernels (at the end of a report run in-process)."""
    from jupyter_core.utils import run_sync

    while _KERNELS:
        _name, km = _KERNELS.popitem()
        run_sync(km.shutdown_kernel)(now=True)


def prepare(km, cwd: str, timeout: float = 120.0) -> None:
    """Reset the kernel of *km* for the next notebook (:func:`reset_kernel`).

    The notebook's variables (:data:`NOTEBOOK_VARIABLES`) are taken from ``os.environ``
    of this process, where the report has set them for the notebook.
    """
    env = {key: os.environ.get(key) for key in NOTEBOOK_VARIABLES}
    code = f"__import__('bkanalysis.kernels').kernels.reset_kernel({env!r}, {cwd!r})"
    _execute(km, code, "reset the notebook kernel", timeout)


def preload(km, modules: tuple[str, ...], timeout: float = 120.0) -> None:
    """Have the kernel of *km* import *modules* (before its first notebook); do not wait.

    A warm kernel keeps the modules its notebooks imported (:func:`reset_kernel`);
    importing them before the first notebook, while the report builds the data, only
    moves that work earlier. Nothing is bound in the notebook's namespace. Returns once
    the kernel has started on it: the kernel runs one request at a time, so the first
    notebook's (:func:`prepare`) waits for the imports to end. An import that fails
    fails again, and is reported, in the notebook.
    """
    from jupyter_core.utils import run_sync

    code = "".join(f"__import__({name!r})\n" for name in modules)

    async def run() -> None:
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=timeout)
            msg_id = kc.execute(code, silent=True, store_history=False)
            while True:  # the kernel's "busy" with this request: it has the request
                msg = await kc.get_iopub_msg(timeout=timeout)
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return
        finally:
            kc.stop_channels()

    run_sync(run)()


def _execute(km, code: str, what: str, timeout: float) -> None:
    """Run *code* silently in the kernel of *km*; raise BkError naming *what* on failure."""
    from jupyter_core.utils import run_sync

    async def run() -> dict:
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=timeout)
            return await kc.execute_interactive(
                code, silent=True, store_history=False, timeout=timeout,
                output_hook=lambda msg: None,
            )  # fmt: skip
        finally:
            kc.stop_channels()

    content = run_sync(run)()["content"]
    if content.get("status") != "ok":
        raise BkError(f"could not {what}: {content.get('ename')}: {content.get('evalue')}")


def reset_kernel(env: dict[str, str | None], cwd: str) -> None:
    """Inside a kernel, before a notebook: the state of a freshly started kernel.

    The first call records matplotlib's settings (with pyplot imported, which installs
    the inline backend as the notebook's own import would) and the warning filters; each
    later call empties the namespace and restarts the execution count (IPython's
    ``reset``), closes every figure and restores them. Sets *env* in ``os.environ`` (None: unset) and changes to *cwd*.
    """
    import warnings

    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    # like %reset -f, and the execution count back to 1 (the numbers shown as In [n])
    get_ipython().reset(new_session=True)
    plt.close("all")
    if not _FRESH:
        # NOTE: the backend and interactive mode are set when the inline backend loads
        # (in the first notebook), not by a notebook: restoring them would undo that
        _FRESH["rc"] = {
            k: v for k, v in mpl.rcParams.items() if k not in {"backend", "interactive"}
        }
        _FRESH["warnings"] = list(warnings.filters)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated settings are restored silently
            mpl.rcParams.update(_FRESH["rc"])
        # NOTE: resetwarnings also forgets which warnings were already shown once
        warnings.resetwarnings()
        warnings.filters[:] = _FRESH["warnings"]
    for key, value in env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    os.chdir(cwd)
