"""Cells of the CSV files and workbooks the site writes, made safe to open in a
spreadsheet (OWASP's "CSV injection").

A spreadsheet reads a cell starting with = + - @, a tab or a carriage return as
a formula: a volunteer named `=HYPERLINK("http://…","Xem")` would become a live
link, or worse, on the leader's computer. Every CSV writer passes its cells
through `csv_cell`, which puts a single quote in front of such text, as OWASP
recommends; the workbook writer makes them text cells (`workbook_cell`).

The quote is also put in front of text that already starts with one, so that
`undo_csv_cell` gives back exactly what was written: the procedures' CSV export
is read back by their import.
"""

from __future__ import annotations

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def starts_like_a_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def csv_cell(value):
    """`value` as a CSV cell: numbers as they are, text a spreadsheet would run quoted."""
    if isinstance(value, str) and (starts_like_a_formula(value) or value.startswith(QUOTE)):
        return QUOTE + value
    return value


def csv_row(values) -> list:
    return [csv_cell(value) for value in values]


def undo_csv_cell(value):
    """The text `csv_cell` was given: one leading quote taken off where it put one."""
    if isinstance(value, str) and value.startswith(QUOTE):
        rest = value[1:]
        if starts_like_a_formula(rest) or rest.startswith(QUOTE):
            return rest
    return value


def workbook_cell(sheet, value):
    """A write-only workbook cell: text that looks like a formula stays text.

    openpyxl stores a string starting with "=" as a formula; as a string cell
    with Excel's quote prefix it shows as typed and stays text when edited.
    """
    if not (isinstance(value, str) and starts_like_a_formula(value)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def workbook_row(sheet, values) -> list:
    return [workbook_cell(sheet, value) for value in values]
