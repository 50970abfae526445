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


def test_an_index_that_only_numbers_rows_is_not_shown():
    """Row positions from a larger table are hidden: they change with unrelated rows."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    rows = pd.DataFrame({"area_name": ["Xã Bằng Thành", "Xã Nam Mẫu"], "value": [5.0, 7.0]})
    selected = rows.set_axis([2035, 2040])  # as when selected from the observations
    labelled = rows.set_axis(pd.Index([2019, 2020], name="year"))
    try:
        assert use_table_format()
        html, plain = (shell.display_formatter.formatters[k] for k in ("text/html", "text/plain"))
        assert "2035" not in html(selected) and "Xã Bằng Thành" in html(selected)
        assert html(selected) == html(rows.set_axis([0, 1]))  # the same rows, the same table
        assert "2035" not in plain(selected) and "Xã Nam Mẫu" in plain(selected)
        assert plain(selected) == rows.to_string(index=False)
        # a labelled index (years, a pivot's rows) is kept, in both views
        assert "2019" in html(labelled) and "year" in html(labelled)
        assert plain(labelled) == repr(labelled)
        # long tables are cut as pandas cuts them
        long = pd.DataFrame({"value": range(500)}).set_axis(range(1000, 1500))
        assert html(long).count("<tr>") == html(long.set_axis(range(500))).count("<tr>") < 100
    finally:
        for kind in ("text/html", "text/plain"):
            shell.display_formatter.formatters[kind].pop(pd.DataFrame, None)
        InteractiveShell.clear_instance()
