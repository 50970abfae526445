"""Markdown tables for the build's ``validation.md`` and its conflicts section."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["md_rows", "md_table"]


def md_table(df: pd.DataFrame) -> str:
    r"""Return *df* as a Markdown table (``_none_`` when empty).

    Examples
    --------
    >>> import pandas as pd
    >>> print(md_table(pd.DataFrame({"a": [1], "b": ["x|y"]})), end="")
    | a | b |
    |---|---|
    | 1 | x\|y |
    """
    if df.empty:
        return "_none_\n"
    return md_rows(list(df.columns), [df[c].tolist() for c in df.columns])


def md_rows(cols: list[str], columns: list[list]) -> str:
    """Return a Markdown table of *columns* (lists of values) under the headers *cols*."""
    if not columns or not columns[0]:
        return "_none_\n"
    texts = []
    for values in columns:
        col = list(map(str, values))
        joined = "".join(col)
        if "|" in joined or "\n" in joined:
            col = [_md_cell(t) for t in col]
        texts.append(col)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines.extend(["| " + x + " |" for x in map(" | ".join, zip(*texts, strict=True))])
    return "\n".join(lines) + "\n"


def _md_cell(v) -> str:
    t = str(v)
    if "|" in t or "\n" in t:
        t = t.replace("|", "\\|").replace("\n", " ")
    return t
