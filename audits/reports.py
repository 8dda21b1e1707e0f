"""An audit's report: the page as a tagged PDF (PDF/UA, as the plan PDF is), every table in one XLSX (openpyxl,
write-only) and each table as a CSV. Text cells are formula-safe (`neutralise`, as the finance exports are) and
numbers are numbers: pounds as Decimal with two places, never a float."""

import csv
import io
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from audits.selectors import audit_tables, figure_table, number
from brokerage.funds.exports import neutralise


def _value(value, unit: str):
    """A stored value as a spreadsheet number: pence as pounds to two places."""
    amount = number(value)
    if amount is None:
        return None
    if unit == "pence":
        return (amount / 100).quantize(Decimal("0.01"))
    return int(amount) if amount == amount.to_integral_value() and unit in ("count", "places", "nights") else amount


def _headers(table) -> list[str]:
    suffix = " (£)" if table.figure.unit == "pence" else " (days)" if table.figure.unit == "days" else ""
    labels = len(table.figure.breakdown)
    return [h if i < labels else h + suffix for i, h in enumerate(table.headers)]


def _about(run) -> list[list[str]]:
    return [
        ["Audit", str(run.partnership)],
        ["Period", f"{run.period_start:%d %B %Y} to {run.period_end:%d %B %Y}"],
        ["Definitions' version", run.definitions_version],
        ["Finished", f"{timezone.localtime(run.finished_at):%d %B %Y %H:%M}" if run.finished_at else ""],
    ]


def table_csv(run, figure) -> str:
    table = figure_table(figure)
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    for row in [*_about(run), ["Figure", figure.label], ["How we count this", figure.definition], []]:
        writer.writerow([neutralise(cell) for cell in row])
    writer.writerow([neutralise(h) for h in _headers(table)])
    labels = len(figure.breakdown)
    for row in table.rows:
        cells = [neutralise(c) for c in row[:labels]] + [_value(v, figure.unit) for v in row[labels:]]
        writer.writerow(["" if c is None else c for c in cells])
    total = ["Total"] + [""] * (labels - 1) if labels else ["Total"]
    total += [_value(figure.total, figure.unit)]
    if table.compares:
        total.append(_value(figure.total_year_before, figure.unit))
    writer.writerow(["" if c is None else c for c in total])
    return out.getvalue()


def report_xlsx(run) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def text(sheet, value, **style):
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.data_type = "s"  # a string cell, whatever the text: never a formula
        for name, setting in style.items():
            setattr(cell, name, setting)
        return cell

    def value(sheet, amount, unit):
        amount = _value(amount, unit)
        if amount is None:
            return None
        cell = WriteOnlyCell(sheet, value=amount)
        if unit == "pence":
            cell.number_format = "#,##0.00"
        return cell

    about = workbook.create_sheet("About")
    for row in _about(run):
        about.append([text(about, cell) for cell in row])
    about.append([])
    about.append([text(about, h, font=bold) for h in ("Figure", "Code", "Version", "How we count this")])
    for _, tables in audit_tables(run):
        for table in tables:
            f = table.figure
            about.append([text(about, f.label), text(about, f.code), f.version, text(about, f.definition)])
    number_of = 0
    for _, tables in audit_tables(run):
        for table in tables:
            number_of += 1
            f = table.figure
            sheet = workbook.create_sheet(f"{number_of:02d} {f.code}"[:31])
            sheet.append([text(sheet, f.label, font=bold)])
            sheet.append([text(sheet, f.definition)])
            sheet.append([text(sheet, h, font=bold) for h in _headers(table)])
            labels = len(f.breakdown)
            for row in table.rows:
                sheet.append([text(sheet, c) for c in row[:labels]] + [value(sheet, v, f.unit) for v in row[labels:]])
            total = [text(sheet, "Total", font=bold)] + [None] * max(labels - 1, 0) + [value(sheet, f.total, f.unit)]
            if table.compares:
                total.append(value(sheet, f.total_year_before, f.unit))
            sheet.append(total)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def report_pdf(run) -> bytes:
    from brokerage.plans.pdf import render_html

    html = render_to_string(
        "audits/pdf.html", {"run": run, "steps": audit_tables(run), "views": list(run.carer_views.all())}
    )
    return render_html(html)
