from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import FlaskForm

OUTCOMES = [
    ("answered", _l("Risposta")),
    ("missed", _l("Persa")),
    ("voicemail", _l("Segreteria")),
    ("failed", _l("Non riuscita")),
    ("pending", _l("In corso")),
]
PRIORITIES = [("normal", _l("Normale")), ("low", _l("Bassa")), ("high", _l("Alta")), ("urgent", _l("Urgente"))]


def coerce_optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class CallNotesForm(FlaskForm):
    organization_id = SelectField(_l("Ente"), coerce=coerce_optional_int, validators=[Optional()])
    contact_id = SelectField(_l("Contatto"), coerce=coerce_optional_int, validators=[Optional()])
    outcome = SelectField(_l("Esito"), choices=OUTCOMES)
    notes = TextAreaField(_l("Note della chiamata"), validators=[Optional(), Length(max=10000)])


class TicketFromCallForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    subject = StringField(_l("Oggetto della richiesta"), validators=[DataRequired(), Length(max=300)])
    service_id = SelectField(_l("Servizio"), coerce=coerce_optional_int, validators=[Optional()])
    priority = SelectField(_l("Priorità"), choices=PRIORITIES)
    notes = TextAreaField(_l("Note della chiamata"), validators=[Optional(), Length(max=10000)])


class AttachCallForm(FlaskForm):
    ticket_id = SelectField(_l("Richiesta aperta"), coerce=coerce_optional_int, validators=[DataRequired()])
    notes = TextAreaField(_l("Note della chiamata"), validators=[Optional(), Length(max=10000)])
    public = BooleanField(_l("Visibile al richiedente (altrimenti nota interna)"))


class ManualCallForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    number = StringField(_l("Numero di telefono"), validators=[Optional(), Length(max=40)])
    direction = SelectField(_l("Direzione"), choices=[("inbound", _l("Ricevuta")), ("outbound", _l("Effettuata"))])
    started_at = DateTimeLocalField(_l("Data e ora"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    duration_minutes = IntegerField(_l("Durata (minuti)"), validators=[Optional(), NumberRange(min=0, max=1440)])
    outcome = SelectField(_l("Esito"), choices=OUTCOMES[:4])
    organization_id = SelectField(_l("Ente"), coerce=coerce_optional_int, validators=[Optional()])
    notes = TextAreaField(_l("Note della chiamata"), validators=[Optional(), Length(max=10000)])


class SmsForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    ticket_id = IntegerField(_l("Richiesta (id)"), validators=[Optional()])
    to = StringField(_l("Numero del destinatario"), validators=[Optional(), Length(max=40)])
    body = TextAreaField(_l("Testo"), validators=[DataRequired(), Length(max=1600)])


class ClickToCallForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    to = StringField(_l("Numero da chiamare"), validators=[DataRequired(), Length(max=40)])
    contact_id = IntegerField(_l("Contatto"), validators=[Optional()])
    ticket_id = IntegerField(_l("Richiesta"), validators=[Optional()])


class MenuOptionForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    digit = SelectField(_l("Tasto"), choices=[(str(d), str(d)) for d in range(1, 10)])
    label = StringField(_l("Voce letta al chiamante"), validators=[DataRequired(), Length(max=120)])
    service_id = SelectField(_l("Servizio"), coerce=coerce_optional_int, validators=[Optional()])
    active = BooleanField(_l("Attiva"), default=True)


class CallFilterForm(FlaskForm):
    class Meta:
        csrf = False

    number = StringField(_l("Numero"), validators=[Optional(), Length(max=40)])
    organization_id = SelectField(_l("Ente"), coerce=coerce_optional_int, validators=[Optional()])
    outcome = SelectField(_l("Esito"), choices=[("", _l("Tutti"))] + OUTCOMES, validators=[Optional()])
    direction = SelectField(
        _l("Direzione"),
        choices=[("", _l("Tutte")), ("inbound", _l("Ricevute")), ("outbound", _l("Effettuate"))],
        validators=[Optional()],
    )
    since = DateField(_l("Dal giorno"), validators=[Optional()])
    until = DateField(_l("Al giorno"), validators=[Optional()])
    callback = BooleanField(_l("Solo da richiamare"))
