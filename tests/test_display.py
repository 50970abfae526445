"""Notebook tables for reading: bkanalysis.display."""

import pandas as pd

from bkanalysis.display import readable_table, use_table_format


def test_years_integers_missing_dash_numbers_rounded():
    df = pd.DataFrame(
        {
            "target_id": ["a", "b", "c"],
            "deadline": pd.array([2020, 2030, None], dtype="Int64"),
            "latest_year": [2019.0, None, 2024.0],
            "latest_value": [72.34567, 0.0345, 123456.78],
            "gap": [None, 1.0, -0.5],
        }
    )
    out = readable_table(df)
    assert out["deadline"].tolist() == ["2020", "2030", "–"]
    assert out["latest_year"].tolist() == ["2019", "–", "2024"]
    assert out["latest_value"].tolist() == ["72.3", "0.03", "123,457"]
    assert out["gap"].tolist() == ["–", "1", "-0.50"]
    assert df["latest_value"].iloc[0] == 72.34567  # the data are untouched


def test_year_index_of_a_pivot_table():
    pivot = pd.DataFrame({"value": [1.5, 2.25]}, index=pd.Index([2019.0, 2020.0], name="year"))
    assert readable_table(pivot).index.tolist() == ["2019", "2020"]


def test_use_table_format_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        assert use_table_format()
        html = shell.display_formatter.formatters["text/html"](
            pd.DataFrame({"latest_year": [2020.0, None], "v": [1.23456, None]})
        )
        assert "2020" in html and "2020.0" not in html and "–" in html and "1.23" in html
        assert "1.23456" not in html and "NaN" not in html
    finally:
        shell.display_formatter.formatters["text/html"].pop(pd.DataFrame, None)
        InteractiveShell.clear_instance()
