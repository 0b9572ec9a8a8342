from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget


class EndpointForm(FlaskForm):
    url = StringField(_l("Indirizzo (URL)"), validators=[DataRequired(), Length(max=2000)])
    description = StringField(_l("Descrizione"), validators=[Length(max=200)])
    events = SelectMultipleField(
        _l("Eventi"),
        validators=[DataRequired()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    secret = StringField(
        _l("Segreto di firma"),
        validators=[Length(max=200)],
        description=_l("Almeno 16 caratteri. Non viene più mostrato: lascia vuoto per non cambiarlo."),
    )
    active = BooleanField(_l("Attivo"), default=True)
