"""Billing exports are safe to open: a bank file line beginning with ``@SUM`` (or any formula) comes
out as text in CSV (a leading ') and XLSX (a string cell), while amounts stay numbers."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from app.db import local_today
from billing import collections

BANK_FILE = (
    "data;importo;causale;pagatore;id_transazione\n"
    "{today};50,00;@SUM(1+1)*cmd|' /C calc'!A0;=HYPERLINK(\"http://x\");TRN-1\n"
    "{today};-10,00;storno;+cmd;TRN-2\n"
)


def test_a_bank_line_starting_with_a_formula_is_text_in_csv_and_xlsx(issued, finance, login_as, client):
    today = local_today().strftime("%d/%m/%Y")
    collections.import_payments(data=BANK_FILE.format(today=today).encode(), filename="banca.csv", actor=finance)
    login_as("finance")
    body = client.get("/ragioneria/esporta/non-abbinati.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["data", "importo", "metodo", "riferimento", "pagatore"]
    cells = [c for row in rows[1:] for c in row]
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells and '\'=HYPERLINK("http://x")' in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert "50.00" in cells

    xlsx = client.get("/ragioneria/esporta/non-abbinati.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.data)).active
    formula_cells = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formula_cells == []
    reference = ws.cell(row=2, column=4)
    assert reference.value == "@SUM(1+1)*cmd|' /C calc'!A0" and reference.data_type == "s"
    assert ws.cell(row=2, column=5).data_type == "s"
    assert float(ws.cell(row=2, column=2).value) == 50.0 and ws.cell(row=2, column=2).data_type == "n"


def test_a_payment_reference_like_a_formula_is_text_in_the_payments_export(issued, finance, login_as, client):
    invoice = issued()
    collections.register_payment(
        invoice_id=invoice.id, amount="10.00", paid_on="2026-03-01", method="bonifico", actor=finance,
        reference='=HYPERLINK("http://x")',
    )  # fmt: skip
    login_as("finance")
    body = client.get("/ragioneria/esporta/incassi.csv").get_data(as_text=True)
    assert '\'=HYPERLINK(""http://x"")' in body
    ws = load_workbook(io.BytesIO(client.get("/ragioneria/esporta/incassi.xlsx").data)).active
    assert ws.cell(row=2, column=6).data_type == "s" and ws.cell(row=2, column=6).value.startswith("=HYPERLINK")
