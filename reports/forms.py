"""Forms of the report pages (scheduled reports and threshold alerts, admin)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class ScheduleForm(FlaskForm):
    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=150)])
    kind = SelectField(
        _l("Report"),
        choices=[("overview", _l("Panoramica al capo del centro")), ("rendiconto", _l("Rendiconto ai referenti"))],
    )
    frequency = SelectField(
        _l("Frequenza"),
        choices=[("monthly", _l("Mensile")), ("quarterly", _l("Trimestrale")), ("yearly", _l("Annuale"))],
    )
    recipients = StringField(_l("Destinatari (email, separati da virgola)"), validators=[Length(max=2000)])
    organization_id = IntegerField(_l("Solo l'ente (id)"), validators=[Optional(), NumberRange(min=1)])
    submit_schedule = SubmitField(_l("Pianifica"))


class AlertForm(FlaskForm):
    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=150)])
    metric = SelectField(
        _l("Misura"),
        choices=[
            ("team_backlog", _l("Arretrato di un gruppo sopra N")),
            ("month_csat", _l("Soddisfazione del mese sotto X")),
        ],
    )
    threshold = DecimalField(_l("Soglia"), validators=[DataRequired(), NumberRange(min=0, max=999999)])
    team_id = SelectField(_l("Gruppo"), coerce=str, choices=[])
    recipients = StringField(
        _l("Destinatari (email, separati da virgola)"), validators=[DataRequired(), Length(max=2000)]
    )
    submit_alert = SubmitField(_l("Aggiungi la soglia"))
