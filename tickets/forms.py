from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import FlaskForm
from app.labels import choices
from tickets.models import Priority, TicketStatus

PRIORITY_CHOICES = choices(Priority)
STATUS_CHOICES = choices(TicketStatus)
CHANNEL_CHOICES = [
    ("phone", _l("Telefono")),
    ("email", _l("Email")),
    ("pec", _l("PEC")),
    ("portal", _l("Portale")),
    ("sms", _l("SMS")),
    ("web", _l("Web")),
    ("api", _l("API")),
]


def coerce_int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class TicketForm(FlaskForm):
    """An operator opening a ticket on behalf of an ente (phone call, walk-in)."""

    once = True  # creates something: a double submit creates it once

    organization_id = SelectField(_l("Ente"), coerce=coerce_int_or_none, validators=[Optional()])
    requester_email = StringField(_l("Email del richiedente"), validators=[Optional(), Length(max=254)])
    subject = StringField(_l("Oggetto"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Descrizione"), validators=[DataRequired(), Length(max=50_000)])
    service_id = SelectField(_l("Servizio"), coerce=coerce_int_or_none, validators=[Optional()])
    channel = SelectField(_l("Canale"), choices=CHANNEL_CHOICES, default="phone")
    priority = SelectField(_l("Priorità"), choices=PRIORITY_CHOICES, default="normal")
    team_id = SelectField(_l("Gruppo"), coerce=coerce_int_or_none, validators=[Optional()])
    assignee_id = SelectField(_l("Assegnatario"), coerce=coerce_int_or_none, validators=[Optional()])
    tags = StringField(_l("Etichette (separate da virgola)"), validators=[Optional(), Length(max=500)])
    files = MultipleFileField(_l("Allegati"))


class PortalRequestForm(FlaskForm):
    """A referente opening a request."""

    once = True  # creates something: a double submit creates it once

    service_id = SelectField(_l("Servizio"), coerce=coerce_int_or_none, validators=[Optional()])
    subject = StringField(_l("Oggetto"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Descrivi il problema"), validators=[DataRequired(), Length(max=50_000)])
    priority = SelectField(_l("Urgenza"), choices=PRIORITY_CHOICES, default="normal")
    files = MultipleFileField(_l("Allegati"))


class ReplyForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    canned_id = SelectField(_l("Risposta predefinita"), coerce=coerce_int_or_none, validators=[Optional()])
    body = TextAreaField(_l("Messaggio"), validators=[Optional(), Length(max=50_000)])
    internal = BooleanField(_l("Nota interna (non visibile all'ente, non inviata per email)"))
    status = SelectField(_l("Dopo l'invio, stato"), choices=[("", _l("invariato"))] + STATUS_CHOICES, default="")
    files = MultipleFileField(_l("Allegati"))


class PortalReplyForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    body = TextAreaField(_l("Messaggio"), validators=[DataRequired(), Length(max=50_000)])
    files = MultipleFileField(_l("Allegati"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Stato"), choices=STATUS_CHOICES)


class AssignForm(FlaskForm):
    assignee_id = SelectField(_l("Assegnatario"), coerce=coerce_int_or_none, validators=[Optional()])
    team_id = SelectField(_l("Gruppo"), coerce=coerce_int_or_none, validators=[Optional()])


class PropertiesForm(FlaskForm):
    priority = SelectField(_l("Priorità"), choices=PRIORITY_CHOICES)
    service_id = SelectField(_l("Servizio"), coerce=coerce_int_or_none, validators=[Optional()])
    tags = StringField(_l("Etichette"), validators=[Optional(), Length(max=500)])


class NumberForm(FlaskForm):
    number = StringField(_l("Numero del ticket (es. AST-2026-000123)"), validators=[DataRequired(), Length(max=20)])


class AttachForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    file = FileField(_l("File"), validators=[DataRequired()])


class RatingForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    rating = SelectField(
        _l("Valutazione"),
        choices=[
            ("5", _l("5 — Ottimo")),
            ("4", _l("4 — Buono")),
            ("3", _l("3 — Sufficiente")),
            ("2", _l("2 — Scarso")),
            ("1", _l("1 — Pessimo")),
        ],
        default="5",
    )
    comment = TextAreaField(_l("Commento (facoltativo)"), validators=[Optional(), Length(max=2000)])


class CannedForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    title = StringField(_l("Titolo"), validators=[DataRequired(), Length(max=150)])
    body = TextAreaField(
        _l("Testo ({numero}, {oggetto}, {richiedente}, {ente}, {servizio}, {operatore})"),
        validators=[DataRequired(), Length(max=20_000)],
    )
    active = BooleanField(_l("Attiva"), default=True)


class TeamForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    name = StringField(_l("Nome del gruppo"), validators=[DataRequired(), Length(max=100)])
    email = StringField(_l("Email del gruppo"), validators=[Optional(), Length(max=254)])


class BulkForm(FlaskForm):
    ids = HiddenField()
    action = SelectField(
        _l("Azione sui selezionati"),
        choices=[
            ("assign_me", _l("Assegna a me")),
            ("assign", _l("Assegna a…")),
            ("unassign", _l("Togli l'assegnazione")),
            ("status", _l("Cambia stato")),
            ("macro", _l("Applica una macro")),
        ],
    )
    assignee_id = SelectField(_l("Operatore"), coerce=coerce_int_or_none, validators=[Optional()])
    status = SelectField(_l("Nuovo stato"), choices=STATUS_CHOICES, validators=[Optional()])
    macro_id = SelectField(_l("Macro"), coerce=coerce_int_or_none, validators=[Optional()])


ASSIGN_CHOICES = [
    ("keep", _l("non cambiare")),
    ("me", _l("a chi applica la macro")),
    ("user", _l("all'operatore indicato")),
    ("nobody", _l("a nessuno (togli l'assegnazione)")),
]


class MacroForm(FlaskForm):
    """A macro's actions; an empty choice leaves that property of the ticket as it is."""

    once = True  # creates something: a double submit creates it once

    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=100)])
    active = BooleanField(_l("Attiva"), default=True)
    status = SelectField(_l("Stato"), choices=[("", _l("non cambiare"))] + STATUS_CHOICES, default="")
    priority = SelectField(_l("Priorità"), choices=[("", _l("non cambiare"))] + PRIORITY_CHOICES, default="")
    assign = SelectField(_l("Assegna"), choices=ASSIGN_CHOICES, default="keep")
    assignee_id = SelectField(_l("Operatore"), coerce=coerce_int_or_none, validators=[Optional()])
    team_id = SelectField(_l("Gruppo"), coerce=coerce_int_or_none, validators=[Optional()])
    canned_id = SelectField(_l("Risposta predefinita da inserire"), coerce=coerce_int_or_none, validators=[Optional()])
    canned_internal = BooleanField(_l("Inseriscila come nota interna (non inviata all'ente)"))
    add_tags = StringField(
        _l("Etichette da aggiungere (separate da virgola)"), validators=[Optional(), Length(max=500)]
    )
    remove_tags = StringField(
        _l("Etichette da togliere (separate da virgola)"), validators=[Optional(), Length(max=500)]
    )


class ApplyMacroForm(FlaskForm):
    once = True  # may post a canned reply: a double click applies it once
    macro_id = SelectField(_l("Macro"), coerce=coerce_int_or_none, validators=[DataRequired()])


class WorkspaceForm(FlaskForm):
    """The ticket page's one properties panel (prefix ``prop``): saved together by ``save_properties``."""

    status = SelectField(_l("Stato"), choices=STATUS_CHOICES)
    priority = SelectField(_l("Priorità"), choices=PRIORITY_CHOICES)
    service_id = SelectField(_l("Servizio"), coerce=coerce_int_or_none, validators=[Optional()])
    assignee_id = SelectField(_l("Assegnatario"), coerce=coerce_int_or_none, validators=[Optional()])
    team_id = SelectField(_l("Gruppo"), coerce=coerce_int_or_none, validators=[Optional()])
    organization_id = IntegerField(_l("Ente"), validators=[Optional()])
    requester_contact_id = IntegerField(_l("Richiedente"), validators=[Optional()])
    tags = StringField(_l("Etichette (separate da virgola)"), validators=[Optional(), Length(max=500)])
