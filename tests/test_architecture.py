"""Architecture checks: the package's modules import each other without cycles.

Every ``import`` and ``from ... import`` statement in ``src/bkanalysis`` is read
with :mod:`ast` -- at module level and inside functions alike, since a lazy
import is still a dependency -- and resolved to the ``bkanalysis.*`` module it
names (``from bkanalysis.admin import gazetteer`` names the submodule when one
exists, else the package ``bkanalysis.admin``).  The parent packages that
Python runs on the way to a submodule are not counted as imports of it: only
what the code names.  A cycle is a strongly
connected component of that graph with more than one module.

Cycles that exist today are listed in ``KNOWN_CYCLES``: a new cycle fails
:func:`test_no_new_import_cycle`; each known one is a strict ``xfail`` in
:func:`test_known_cycle_is_gone`, so the suite turns red the day it is removed
until the entry is deleted here too.  The list can only shrink.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "bkanalysis"

#: Import cycles present when this test was written, by name.  Delete an entry
#: once its cycle is broken (its xfail then passes and strict mode says so).
KNOWN_CYCLES: dict[str, frozenset[str]] = {}


def module_name(path: Path, root: Path) -> str:
    """Return the dotted module name of ``path`` inside the package at ``root``.

    Parameters
    ----------
    path : Path
        A ``.py`` file under ``root``.
    root : Path
        The package folder (its name is the top-level package).

    Returns
    -------
    str
        For example ``bkanalysis.admin`` for ``admin/__init__.py``.
    """
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Map each module of the package at ``root`` to the package modules it imports.

    Parameters
    ----------
    root : Path
        The package folder.

    Returns
    -------
    dict of str to set of str
        Edges ``module -> imported module``, self-imports left out.
    """
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                # ``from pkg import sub`` names the submodule when there is one.
                targets = [f"{source}.{alias.name}" for alias in node.names] or [source]
                targets = [t if t in files else source for t in targets]
            else:
                continue
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Return the strongly connected components of ``graph`` with two or more modules.

    Parameters
    ----------
    graph : dict of str to set of str
        Edges as returned by :func:`import_graph`.

    Returns
    -------
    list of frozenset of str
        One set of modules per cycle (Tarjan's algorithm, iterative).
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
    return found


def describe(component: frozenset[str], graph: dict[str, set[str]]) -> str:
    """Return the import edges inside ``component``, one ``a -> b`` per line."""
    return "\n".join(
        f"  {a} -> {b}" for a in sorted(component) for b in sorted(graph[a] & component)
    )


def test_walker_finds_a_cycle_and_lazy_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import g\n")
    (pkg / "c.py").write_text("import pkg.a\nfrom . import d\n")
    (pkg / "d.py").write_text("import os\n")
    graph = import_graph(pkg)
    assert graph["pkg.sub.b"] == {"pkg.a"}
    assert graph["pkg.c"] == {"pkg.a", "pkg.d"}
    assert cycles(graph) == [frozenset({"pkg.a", "pkg.sub.b"})]


def test_no_new_import_cycle() -> None:
    graph = import_graph(PACKAGE_ROOT)
    assert "bkanalysis.pipeline" in graph
    known = set(KNOWN_CYCLES.values())
    new = [c for c in cycles(graph) if c not in known]
    assert not new, "import cycles:\n" + "\n\n".join(describe(c, graph) for c in new)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="known cycle"))
        for n in KNOWN_CYCLES
    ],
)
def test_known_cycle_is_gone(name: str) -> None:
    assert KNOWN_CYCLES[name] not in cycles(import_graph(PACKAGE_ROOT))


#: Modules every layer may use, left out of the map's arrows (they import no module
#: outside this set): errors, settings, atomic writes, the schema and the catalogs.
FOUNDATION = frozenset(
    {
        "_gc",
        "catalog",
        "commit",
        "config",
        "digests",
        "errors",
        "io",
        "mdtable",
        "provenance",
        "reject_reasons",
        "schema",
    }
)


def module_map(graph: dict[str, set[str]]) -> str:
    """Return the mermaid diagram of ``graph`` with each subpackage drawn as one box.

    ``docs/architecture.md`` holds this text; :func:`test_architecture_doc_map_is_current`
    keeps it in step with the code (print it with ``python tests/test_architecture.py``).
    """

    def box(module: str) -> str:
        parts = module.split(".")[1:]
        return parts[0] if parts else "bkanalysis"

    edges = sorted(
        (box(a), box(b))
        for a, targets in graph.items()
        for b in targets
        if box(b) not in FOUNDATION and box(b) != "bkanalysis"
    )
    edges = sorted(set(edges))
    lines = ["```mermaid", "flowchart TD"]
    lines += [f"    {a} --> {b}" for a, b in edges if a != b]
    lines.append("```")
    return "\n".join(lines)


def test_foundation_imports_only_foundation() -> None:
    graph = import_graph(PACKAGE_ROOT)
    for module, targets in graph.items():
        if module.split(".")[1:2] and module.split(".")[1] in FOUNDATION:
            above = {t for t in targets if t.split(".")[1:2] and t.split(".")[1] not in FOUNDATION}
            assert not above, f"{module} (foundation) imports {sorted(above)}"


def test_architecture_doc_map_is_current() -> None:
    doc = (PACKAGE_ROOT.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert module_map(import_graph(PACKAGE_ROOT)) in doc, (
        "docs/architecture.md: the module map is out of date; "
        "replace it with the output of `python tests/test_architecture.py`"
    )


if __name__ == "__main__":
    print(module_map(import_graph(PACKAGE_ROOT)))


def test_every_module_imports_on_its_own():
    """Each module imports first, alone, in a fresh interpreter state.

    The graph above reads only the names the code imports; Python also runs every parent
    package's ``__init__`` on the way to a submodule, and a cycle through such an
    ``__init__`` (``progress.output`` -> ``plotting._common`` runs ``plotting/__init__``,
    which imports ``charts``, which imports ``progress``) fails only at run time, and only
    when that module is the first one imported. So: forget every ``bkanalysis`` module,
    import one, repeat for all (the third-party libraries stay loaded, so this is quick).
    """
    import subprocess
    import sys

    # ``__main__`` runs the command line when imported: it is not a library module.
    names = sorted(
        module_name(p, PACKAGE_ROOT) for p in PACKAGE_ROOT.rglob("*.py") if p.stem != "__main__"
    )
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'bkanalysis']:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as exc:\n"
        "        failed.append(f'{name}: {exc}')\n"
        "print('\\n'.join(failed))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "", f"modules that fail when imported first:\n{out}"
