from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import FlaskForm

WEEKDAY_LABELS = (
    _l("Lunedì"),
    _l("Martedì"),
    _l("Mercoledì"),
    _l("Giovedì"),
    _l("Venerdì"),
    _l("Sabato"),
    _l("Domenica"),
)
PRIORITY_CHOICES = [
    ("", _l("Qualsiasi priorità")),
    ("urgent", _l("Urgente")),
    ("high", _l("Alta")),
    ("normal", _l("Normale")),
    ("low", _l("Bassa")),
]


class PolicyForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=100)])
    priority = SelectField(_l("Priorità"), choices=PRIORITY_CHOICES, validators=[Optional()])
    tier = StringField(_l("Livello della convenzione (vuoto: qualsiasi)"), validators=[Optional(), Length(max=20)])
    first_response_minutes = IntegerField(
        _l("Prima risposta entro (minuti lavorativi)"), validators=[DataRequired(), NumberRange(min=1)]
    )
    resolution_minutes = IntegerField(
        _l("Risoluzione entro (minuti lavorativi)"), validators=[DataRequired(), NumberRange(min=1)]
    )
    calendar_id = SelectField(_l("Calendario"), coerce=str, validators=[Optional()])
    escalation_email = StringField(
        _l("Email di escalation in caso di violazione"), validators=[Optional(), Length(max=254)]
    )
    active = BooleanField(_l("Attiva"), default=True)


class CalendarForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=100)])
    timezone = StringField(_l("Fuso orario"), default="Europe/Rome", validators=[DataRequired(), Length(max=50)])
    holiday_subdiv = StringField(
        _l("Provincia o città del santo patrono (es. BA)"), validators=[Optional(), Length(max=20)]
    )
    national_holidays = BooleanField(_l("Chiuso nelle festività nazionali"), default=True)
    is_default = BooleanField(_l("Calendario predefinito del centro"))
    hours_0 = StringField(WEEKDAY_LABELS[0], validators=[Optional(), Length(max=200)])
    hours_1 = StringField(WEEKDAY_LABELS[1], validators=[Optional(), Length(max=200)])
    hours_2 = StringField(WEEKDAY_LABELS[2], validators=[Optional(), Length(max=200)])
    hours_3 = StringField(WEEKDAY_LABELS[3], validators=[Optional(), Length(max=200)])
    hours_4 = StringField(WEEKDAY_LABELS[4], validators=[Optional(), Length(max=200)])
    hours_5 = StringField(WEEKDAY_LABELS[5], validators=[Optional(), Length(max=200)])
    hours_6 = StringField(WEEKDAY_LABELS[6], validators=[Optional(), Length(max=200)])


class ClosureForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    day = DateField(_l("Giorno"), validators=[DataRequired()])
    name = StringField(_l("Motivo (es. San Nicola, patrono)"), validators=[Optional(), Length(max=150)])
    yearly = BooleanField(_l("Ogni anno"))


class TimeEntryForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    minutes = IntegerField(_l("Minuti"), validators=[DataRequired(), NumberRange(min=1, max=1440)])
    work_date = DateField(_l("Data"), validators=[Optional()])
    billable = BooleanField(_l("Fatturabile"), default=True)
    note = TextAreaField(_l("Nota"), validators=[Optional(), Length(max=2000)])


class EmptyForm(FlaskForm):
    pass
