"""Web forms of the contact center (Flask-WTF: every one carries its CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from app.forms import FlaskForm

PRIORITIES = [("low", _l("Bassa")), ("normal", _l("Normale")), ("high", _l("Alta")), ("urgent", _l("Urgente"))]
NONE_CHOICE = (0, _l("— nessuno —"))


def _coerce_int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return -1


class TicketFromItemForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    organization_id = SelectField(_l("Ente"), coerce=_coerce_int, validators=[DataRequired(_l("Scegli l'ente."))])
    service_id = SelectField(_l("Servizio"), coerce=_coerce_int, validators=[Optional()])
    team_id = SelectField(_l("Gruppo"), coerce=_coerce_int, validators=[Optional()])
    priority = SelectField(_l("Priorità"), choices=PRIORITIES, default="normal")
    subject = StringField(_l("Oggetto"), validators=[Optional(), Length(max=300)])


class AttachForm(FlaskForm):
    ticket = StringField(
        _l("Numero della richiesta"), validators=[DataRequired(), Length(max=20)], description="AST-2026-000123"
    )


class AssignForm(FlaskForm):
    organization_id = SelectField(_l("Ente"), coerce=_coerce_int, validators=[DataRequired(_l("Scegli l'ente."))])
    contact_id = IntegerField(_l("Id del contatto (facoltativo)"), validators=[Optional(), NumberRange(min=1)])


class BulkForm(FlaskForm):
    action = SelectField(
        _l("Azione sui selezionati"),
        choices=[
            ("claim", _l("Prendi in carico")),
            ("ticket", _l("Crea richieste (enti riconosciuti)")),
            ("spam", _l("Segna come spam")),
        ],
    )


ENV_NAME = Regexp(r"^[A-Z_][A-Z0-9_]{0,99}$", message=_l("Nome di variabile d'ambiente (MAIUSCOLE, cifre, _)."))
SECURITY = [("ssl", _l("SSL/TLS")), ("starttls", _l("STARTTLS")), ("none", _l("Nessuna (solo server locale)"))]


class MailboxForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Tipo"), choices=[("email", _l("Email ordinaria")), ("pec", _l("PEC"))])
    address = EmailField(_l("Indirizzo"), validators=[DataRequired(), Email(), Length(max=254)])
    active = BooleanField(_l("Attiva"), default=True)
    imap_host = StringField(_l("Server IMAP"), validators=[DataRequired(), Length(max=200)])
    imap_port = IntegerField(_l("Porta IMAP"), default=993, validators=[DataRequired(), NumberRange(1, 65535)])
    imap_security = SelectField(_l("Sicurezza IMAP"), choices=SECURITY, default="ssl")
    imap_user = StringField(_l("Utente IMAP"), validators=[DataRequired(), Length(max=254)])
    imap_folder = StringField(_l("Cartella da leggere"), default="INBOX", validators=[DataRequired(), Length(max=200)])
    processed_folder = StringField(_l("Sposta i messaggi letti in"), validators=[Optional(), Length(max=200)])
    smtp_host = StringField(_l("Server SMTP per le risposte"), validators=[Optional(), Length(max=200)])
    smtp_port = IntegerField(_l("Porta SMTP"), default=465, validators=[DataRequired(), NumberRange(1, 65535)])
    smtp_security = SelectField(_l("Sicurezza SMTP"), choices=SECURITY, default="ssl")
    smtp_user = StringField(_l("Utente SMTP (se diverso)"), validators=[Optional(), Length(max=254)])
    password_env = StringField(
        _l("Variabile d'ambiente con la password"),
        validators=[DataRequired(), ENV_NAME],
        description=_l("La password non viene salvata: indica il nome della variabile che la contiene."),
    )
    default_service_id = SelectField(_l("Servizio predefinito"), coerce=_coerce_int, validators=[Optional()])
    default_team_id = SelectField(_l("Gruppo predefinito"), coerce=_coerce_int, validators=[Optional()])


class RuleForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(
        _l("Condizione"),
        choices=[
            ("sender", _l("Mittente (indirizzo esatto)")),
            ("domain", _l("Dominio del mittente")),
            ("keyword", _l("Parola nell'oggetto o nel testo")),
            ("mailbox", _l("Casella di arrivo")),
        ],
    )
    pattern = StringField(_l("Valore"), validators=[Optional(), Length(max=254)])
    mailbox_id = SelectField(_l("Casella"), coerce=_coerce_int, validators=[Optional()])
    action = SelectField(
        _l("Azione"),
        choices=[("route", _l("Instrada")), ("quarantine", _l("Metti in quarantena")), ("spam", _l("Segna come spam"))],
    )
    organization_id = SelectField(_l("Ente"), coerce=_coerce_int, validators=[Optional()])
    service_id = SelectField(_l("Servizio"), coerce=_coerce_int, validators=[Optional()])
    team_id = SelectField(_l("Gruppo"), coerce=_coerce_int, validators=[Optional()])
    priority = SelectField(_l("Priorità"), choices=[("", _l("— invariata —")), *PRIORITIES], validators=[Optional()])
    position = IntegerField(_l("Ordine"), default=100, validators=[DataRequired(), NumberRange(0, 100000)])
    active = BooleanField(_l("Attiva"), default=True)


class WebRequestForm(FlaskForm):
    """The public form. ``website`` is a honeypot: people never see it, bots fill it."""

    organization_id = SelectField(_l("Ente"), coerce=_coerce_int, validators=[DataRequired(_l("Scegli il tuo ente."))])
    name = StringField(_l("Nome e cognome"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(
        _l("Telefono"),
        validators=[
            Optional(),
            Length(max=30),
            Regexp(r"^[0-9+ ()./-]*$", message=_l("Numero di telefono non valido.")),
        ],
    )
    service_id = SelectField(_l("Servizio"), coerce=_coerce_int, validators=[Optional()])
    subject = StringField(_l("Oggetto"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Descrizione"), validators=[DataRequired(), Length(min=10, max=20000)])
    attachments = MultipleFileField(_l("Allegati (facoltativi)"))
    website = StringField(_l("Lascia vuoto questo campo"), validators=[Optional()])
    nonce = HiddenField()
    privacy = BooleanField(
        _l("Ho letto l'informativa sul trattamento dei dati personali"),
        validators=[DataRequired(_l("Serve il consenso."))],
    )

    def validate_attachments(self, field):
        from contact_center.webform import check_uploads

        problem = check_uploads(field.data or [])
        if problem:
            raise ValidationError(problem)
