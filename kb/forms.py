"""Flask-WTF forms of the knowledge-base pages: they collect input, kb.services validates it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

STATUS_CHOICES = [("draft", _l("Bozza")), ("published", _l("Pubblicato")), ("archived", _l("Archiviato"))]
VISIBILITY_CHOICES = [
    ("public", _l("Pubblico (tutti)")),
    ("referenti", _l("Referenti degli enti")),
    ("internal", _l("Interno (solo operatori)")),
]
LANGUAGE_CHOICES = [("it", _l("Italiano")), ("en", _l("Inglese"))]


class ArticleForm(FlaskForm):
    title = StringField(_l("Titolo"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Sommario"), validators=[Optional(), Length(max=500)])
    body = TextAreaField(_l("Testo (HTML: paragrafi, elenchi, link, tabelle)"), validators=[Length(max=200_000)])
    service_id = SelectField(_l("Servizio (categoria)"), coerce=lambda v: int(v) if v else None, validate_choice=False)
    tags = StringField(_l("Etichette (separate da virgole)"), validators=[Optional(), Length(max=500)])
    status = SelectField(_l("Stato"), choices=STATUS_CHOICES)
    visibility = SelectField(_l("Visibilità"), choices=VISIBILITY_CHOICES)
    language = SelectField(_l("Lingua"), choices=LANGUAGE_CHOICES)
    note = StringField(_l("Nota sulla modifica"), validators=[Optional(), Length(max=300)])


class FeedbackForm(FlaskForm):
    comment = TextAreaField(_l("Vuoi aggiungere un commento? (facoltativo)"), validators=[Optional(), Length(max=2000)])
