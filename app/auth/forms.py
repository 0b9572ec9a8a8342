from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.forms import FlaskForm


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Ricordami su questo dispositivo"))


class TokenForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    name = StringField(_l("Nome del token"), validators=[Optional(), Length(max=100)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Password attuale"), validators=[DataRequired()])
    new = PasswordField(_l("Nuova password"), validators=[DataRequired(), Length(min=10)])


class UserForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    name = StringField(_l("Nome e cognome"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Ruolo"),
        choices=[
            ("operator", _l("Operatore")),
            ("finance", _l("Ragioneria")),
            ("admin", _l("Amministratore")),
            ("referente", _l("Referente dell'ente")),
        ],
    )
    organization_id = StringField(_l("Ente (id, codice ISTAT o Belfiore)"), validators=[Optional()])
    fiscal_code = StringField(_l("Codice fiscale (accesso con SPID/CIE)"), validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Password iniziale"), validators=[Optional(), Length(min=10)])


class UserEditForm(FlaskForm):
    """What an admin may change on an account (the email is the login and stays)."""

    name = StringField(_l("Nome e cognome"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Ruolo"), choices=UserForm.role.kwargs["choices"])
    organization_id = StringField(_l("Ente (id, codice ISTAT o Belfiore)"), validators=[Optional()])
    fiscal_code = StringField(_l("Codice fiscale (accesso con SPID/CIE)"), validators=[Optional(), Length(max=30)])
    active = BooleanField(_l("Account attivo"))
    password = PasswordField(
        _l("Nuova password (lascia vuoto per non cambiarla)"), validators=[Optional(), Length(min=10)]
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons."""
