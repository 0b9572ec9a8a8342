from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from gdpr.retention import MAX_DAYS, MIN_DAYS


class RetentionForm(FlaskForm):
    ticket_attachments = IntegerField(
        _l("Allegati e registrazioni delle richieste chiuse (giorni)"),
        validators=[InputRequired(), NumberRange(MIN_DAYS, MAX_DAYS)],
    )
    raw_emails = IntegerField(
        _l("Email originali ricevute (giorni)"), validators=[InputRequired(), NumberRange(MIN_DAYS, MAX_DAYS)]
    )
    call_recordings = IntegerField(
        _l("Registrazioni delle chiamate (giorni)"), validators=[InputRequired(), NumberRange(MIN_DAYS, MAX_DAYS)]
    )
    audit_entries = IntegerField(
        _l("Registro delle modifiche (giorni)"), validators=[InputRequired(), NumberRange(MIN_DAYS, MAX_DAYS)]
    )
