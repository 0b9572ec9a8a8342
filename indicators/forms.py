"""Flask-WTF forms of the indicator pages: they carry the CSRF token and read the input; the rules (codes,
kinds and targets, enti of a survey, evidence files) are in indicators.services / surveys / evidence."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.forms import FlaskForm
from indicators.models import Kind

KIND_LABELS = {
    Kind.BOOLEAN: _l("sì / no"),
    Kind.PERCENT: _l("percentuale"),
    Kind.NUMBER: _l("numero"),
    Kind.DATE: _l("data"),
    Kind.CHOICE: _l("scelta da un elenco"),
}


class SurveyAnswerForm(FlaskForm):
    """The answers are fields ``v-<indicator id>`` (and evidence files ``f-<indicator id>``), one per
    indicator of the survey (read in the view)."""


class OpportunityForm(FlaskForm):
    """One click (CSRF only): open a CRM interaction about an opportunity, remind a survey's pending enti."""


class IndicatorForm(FlaskForm):
    once = True
    code = StringField(_l("Codice"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Descrizione"), validators=[Optional(), Length(max=5000)])
    measure = StringField(_l("Misura (es. PNRR M1C1 1.4.3)"), validators=[Optional(), Length(max=60)])
    kind = SelectField(_l("Tipo di valore"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    unit = StringField(_l("Unità"), validators=[Optional(), Length(max=20)])
    choices = TextAreaField(
        _l("Scelte (una per riga, per il tipo «scelta»)"), validators=[Optional(), Length(max=5000)]
    )
    target = StringField(
        _l("Obiettivo (sì/no, un numero minimo, una data AAAA-MM-GG o una scelta)"),
        validators=[Optional(), Length(max=200)],
    )
    deadline = DateField(_l("Scadenza"), validators=[Optional()])
    service_ids = SelectMultipleField(_l("Servizi del centro che aiutano"), coerce=int, validate_choice=False)
    active = BooleanField(_l("Attivo"), default=True)

    def service_data(self) -> dict:
        return {
            "code": self.code.data or "",
            "name": self.name.data or "",
            "description": self.description.data or "",
            "measure": self.measure.data or "",
            "kind": self.kind.data,
            "unit": self.unit.data or "",
            "choices": [c.strip() for c in (self.choices.data or "").splitlines() if c.strip()],
            "target": (self.target.data or "").strip() or None,
            "deadline": self.deadline.data,
            "service_ids": list(self.service_ids.data or []),
            "active": bool(self.active.data),
        }


class SurveyForm(FlaskForm):
    once = True
    title = StringField(_l("Titolo"), validators=[DataRequired(), Length(max=200)])
    due_date = DateField(_l("Da compilare entro il"), validators=[DataRequired()])
    indicator_ids = SelectMultipleField(_l("Indicatori"), coerce=int, validate_choice=False)
    province = SelectField(_l("Tutti i comuni della provincia"), choices=[], validate_choice=False)
    organization_ids = SelectMultipleField(_l("Oppure gli enti scelti"), coerce=int, validate_choice=False)


class ValueForm(FlaskForm):
    once = True
    value = StringField(_l("Valore"), validators=[Optional(), Length(max=200)])
    as_of = DateField(_l("Alla data"), validators=[Optional()])
    note = TextAreaField(_l("Nota"), validators=[Optional(), Length(max=2000)])
    evidence_url = URLField(_l("Evidenza: link"), validators=[Optional(), Length(max=500)])
    evidence_file = FileField(_l("oppure un file (PDF o immagine)"))
