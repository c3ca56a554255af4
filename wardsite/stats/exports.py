"""The report's tables as CSV files and as one Excel workbook, headers in Vietnamese
whatever language the screen is in: these go to the city."""

from __future__ import annotations

import csv
import io

from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from wardsite.spreadsheets import csv_row, workbook_row
from wardsite.stats.reports import Breakdown, Report


def _headers(breakdown: Breakdown) -> list[str]:
    return [column.header for column in breakdown.columns]


def _cells(row: tuple) -> list:
    """Numbers stay numbers; labels (some are lazy msgids) become Vietnamese text."""
    with force_locale("vi"):
        return [value if isinstance(value, (int, float)) else str(value) for value in row]


def breakdown_csv(breakdown: Breakdown) -> str:
    buffer = io.StringIO()
    # The byte-order mark makes Excel read the accents right.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(csv_row(_headers(breakdown)))
    writer.writerows(csv_row(_cells(row)) for row in breakdown.rows)
    return buffer.getvalue()


def _summary_rows(report: Report) -> list[tuple[str, object]]:
    totals = report.totals
    return [
        ("Từ ngày", report.start.strftime("%d/%m/%Y")),
        ("Đến ngày", report.end.strftime("%d/%m/%Y")),
        ("Lượt người được hướng dẫn", totals.all_people_guided),
        ("Hồ sơ trực tuyến đã nộp", totals.all_dossiers_filed),
        ("Lượt hướng dẫn tại quầy và điểm hỗ trợ", totals.sessions),
        ("Lượt hướng dẫn lưu động đã thực hiện", totals.visits_done),
        ("Lượt hẹn vắng mặt", totals.visits_no_show),
        ("Số lượt đánh giá", totals.ratings),
        ("Mức hài lòng trung bình (1–5)", totals.satisfaction if totals.satisfaction is not None else ""),
        ("Giờ tình nguyện (theo điểm danh)", totals.volunteer_hours),
    ]


def report_workbook(report: Report, ward_name: str = "") -> bytes:
    """One sheet with the totals, then one sheet per breakdown."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    summary = book.create_sheet("Tổng hợp")
    summary.column_dimensions["A"].width = 45
    summary.column_dimensions["B"].width = 16
    if ward_name:
        summary.append(workbook_row(summary, [ward_name]))
    summary.append(["Báo cáo kết quả hướng dẫn dịch vụ công trực tuyến"])
    for label, value in _summary_rows(report):
        summary.append([label, value])

    for breakdown in report.breakdowns:
        sheet = book.create_sheet(breakdown.sheet)
        sheet.column_dimensions["A"].width = 40
        headers = _headers(breakdown)
        for letter in "BCDEF"[: max(len(headers) - 1, 0)]:
            sheet.column_dimensions[letter].width = 18
        sheet.freeze_panes = "A2"
        header_cells = []
        for text in headers:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in breakdown.rows:
            sheet.append(workbook_row(sheet, _cells(row)))
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
