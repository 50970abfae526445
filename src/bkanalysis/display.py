"""Tables in notebooks, made for reading: years as integers, missing as ``–``, numbers rounded.

:func:`readable_table` returns a copy of a frame as display text; :func:`use_table_format`
makes every DataFrame of a Jupyter session render through it in HTML (the executed
notebooks of ``bkanalysis report``). The data themselves are never changed: this is the
view only, and ``print(df)`` stays pandas' own.

A frame whose index only numbers its rows (unnamed integers, e.g. the rows of the
observations a table was selected from) is shown without that index, in HTML and in the
notebook's plain-text view alike. Those numbers are positions in a larger table: they
mean nothing to a reader ("2035" beside a commune reads like a year), and they change
whenever a workbook the notebook does not read adds rows before them, which would make
the executed notebook of a report that skipped it differ from a full run.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["readable_table", "use_table_format"]

MISSING = "–"
_YEAR_NAME = re.compile(r"(^|_)(year|years|deadline|as_of|năm)($|_)|^năm", re.IGNORECASE)


def _is_year_column(name, values) -> bool:
    """Return True for a column of years: named so, or whole numbers in 1900–2100 only."""
    if _YEAR_NAME.search(str(name)):
        return True
    real = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return bool(real) and all(
        isinstance(v, (int, float)) and float(v).is_integer() and 1900 <= v <= 2100 for v in real
    )


def _number(x: float) -> str:
    if float(x).is_integer():
        return f"{x:,.0f}"
    size = abs(x)
    digits = 0 if size >= 1000 else 1 if size >= 10 else 2
    return f"{x:,.{digits}f}"


def _cell(value, year: bool) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        if year and number.is_integer():
            return str(int(number))
        return _number(number)
    return str(value)


def readable_table(df: pd.DataFrame) -> pd.DataFrame:
    """Return *df* as display text: years as integers, missing as ``–``, numbers rounded.

    Whole numbers show no decimals (years without a thousands separator); other numbers
    2 decimals below 10, 1 below 1,000, none above.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"latest_year": [2020.0, None], "latest_value": [72.4567, 1234.5],
    ...                    "gap": [0.123456, None], "note": ["a", None]})
    >>> readable_table(df).values.tolist()
    [['2020', '72.5', '0.12', 'a'], ['–', '1,234', '–', '–']]
    """
    import pandas as pd

    out = {}
    for col in df.columns:
        values = df[col].tolist()
        year = _is_year_column(col, values)
        out[col] = [_cell(v, year) for v in values]
    index = df.index
    if not isinstance(index, pd.MultiIndex) and index.dtype.kind == "f":
        year = _is_year_column(index.name, index.tolist())
        index = pd.Index([_cell(v, year) for v in index], name=index.name)
    return pd.DataFrame(out, index=index, columns=df.columns)


def _positional(index: pd.Index) -> bool:
    """Whether *index* only numbers rows: unnamed integers, not a labelled axis."""
    import pandas as pd

    return not isinstance(index, pd.MultiIndex) and index.name is None and index.dtype.kind in "iu"


def _shown_rows(n: int) -> int | None:
    """Rows pandas shows of an *n*-row frame: all up to ``max_rows``, else ``min_rows``."""
    import pandas as pd

    most = pd.get_option("display.max_rows")
    if most is not None and n > most:
        return min(pd.get_option("display.min_rows") or most, most)
    return most


def _html(df: pd.DataFrame) -> str:
    table = readable_table(df)
    if not _positional(df.index):
        return table._repr_html_()
    import pandas as pd

    # NOTE: to_html(notebook=True) with these options is what _repr_html_ writes
    return table.to_html(
        index=False, notebook=True, max_rows=_shown_rows(len(table)),
        max_cols=pd.get_option("display.max_columns"),
        show_dimensions=pd.get_option("display.show_dimensions"),
    )  # fmt: skip


def _plain(df: pd.DataFrame, printer, cycle: bool) -> None:
    """IPython's plain-text view of *df*: pandas' own, without an index that numbers rows."""
    if not _positional(df.index):
        printer.text(repr(df))
        return
    from pandas.io.formats.format import get_dataframe_repr_params

    # the parameters of repr(df) (pandas documents this use), the index left out
    printer.text(df.to_string(**get_dataframe_repr_params(), index=False))


def use_table_format() -> bool:
    """Render every DataFrame of this IPython session with :func:`readable_table`.

    A frame whose index only numbers its rows is shown without it (see the module
    docstring). Returns False (and does nothing) outside IPython/Jupyter.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the notebook extras
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import pandas as pd

    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _html)
    shell.display_formatter.formatters["text/plain"].for_type(pd.DataFrame, _plain)
    return True
