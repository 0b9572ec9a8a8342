"""The payment form: Italian amounts through the one parser, impossible amounts refused with the field
named (never a 500), and a double click records one payment."""

from __future__ import annotations

import decimal
import re

import sqlalchemy as sa

from billing.models import Payment

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ONCE = re.compile(r'name="form_once" value="([^"]+)"')


def _form(client, invoice, amount):
    html = client.get(f"/ragioneria/fatture/{invoice.id}").get_data(as_text=True)
    return {
        "csrf_token": CSRF.search(html).group(1),
        "form_once": ONCE.search(html).group(1),
        "amount": amount,
        "paid_on": "2026-03-01",
        "method": "bonifico",
        "reference": "CRO 123",
    }


def payments(db):
    return list(db.session.scalars(sa.select(Payment.amount)))


def test_an_italian_amount_double_clicked_is_one_payment(db, issued, login_as, client):
    invoice = issued()
    login_as("finance")
    data = _form(client, invoice, "1.000,50" if invoice.balance > 1000 else "10,50")
    url = f"/ragioneria/fatture/{invoice.id}/incasso"
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    assert first.status_code == 302 and second.status_code == 303
    expected = decimal.Decimal("1000.50") if invoice.balance > 1000 else decimal.Decimal("10.50")
    assert payments(db) == [expected]


def test_impossible_amounts_are_refused_with_the_field_named(db, issued, login_as, client):
    invoice = issued()
    login_as("finance")
    url = f"/ragioneria/fatture/{invoice.id}/incasso"
    for amount in ["1e1000", "NaN", "9" * 40, "12,345", "-inf"]:
        resp = client.post(url, data=_form(client, invoice, amount), follow_redirects=True)
        assert resp.status_code == 200, amount
        assert "Importo" in resp.get_data(as_text=True) and "Incasso non valido" in resp.get_data(as_text=True)
    resp = client.post(url, data={**_form(client, invoice, "10,00"), "reference": "CRO\x00"}, follow_redirects=True)
    assert "U+0000" in resp.get_data(as_text=True)
    assert payments(db) == []
