from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import FlaskForm, MoneyField


class RunForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    year = IntegerField(_l("Anno da fatturare"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])


class PaymentForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    amount = MoneyField(_l("Importo (€)"), validators=[DataRequired()])
    paid_on = DateField(_l("Data del pagamento"), validators=[DataRequired()], default=dt.date.today)
    method = SelectField(
        _l("Metodo"),
        choices=[
            ("pagopa", _l("pagoPA")),
            ("bonifico", _l("Bonifico")),
            ("girofondi", _l("Girofondi (Tesoreria Unica)")),
            ("altro", _l("Altro")),
        ],
    )
    reference = StringField(_l("Riferimento (CRO, TRN, provvisorio)"), validators=[Optional(), Length(max=200)])


class CreditNoteForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    reason = TextAreaField(_l("Motivo dello storno"), validators=[DataRequired(), Length(max=500)])


class LineForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    description = StringField(_l("Descrizione"), validators=[DataRequired(), Length(max=1000)])
    quantity = MoneyField(_l("Quantità"), validators=[DataRequired(), NumberRange(min=0.01)], places=2, default=1)
    unit_price = MoneyField(_l("Prezzo unitario (€)"), validators=[DataRequired(), NumberRange(min=0.01)], places=2)


class ImportForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    file = FileField(_l("File CSV di riconciliazione (banca o pagoPA)"), validators=[FileRequired()])


class AssignForm(FlaskForm):
    invoice = StringField(_l("Numero documento o codice avviso"), validators=[DataRequired(), Length(max=60)])


class SettingsForm(FlaskForm):
    reminder_days = StringField(
        _l("Giorni dalla scadenza per i solleciti (es. 15,45)"), validators=[DataRequired(), Length(max=40)]
    )
    payment_days = IntegerField(
        _l("Giorni per il pagamento dalla data di emissione"), validators=[NumberRange(min=0, max=365)]
    )
    vat_rate = MoneyField(
        _l("Aliquota IVA ordinaria (%)"), validators=[NumberRange(min=0, max=100)], places=2, max_value=1000
    )
