"""The one base of every web form: hostile text, out-of-range numbers, Italian money and double submits.

Every Flask-WTF form of Presidio derives from ``app.forms.FlaskForm`` (a test walks them all), so these
rules hold in one place instead of in each view:

- a text field holding a NUL byte, an unpaired surrogate or another control character fails with a
  message on that field (``app.text.unsafe_char``); a one-line field (``StringField`` and friends, not
  ``TextAreaField`` or passwords) never keeps a line break (``app.text.header_safe``): its value may
  become an e-mail subject or another header;
- an integer (``IntegerField``, a select coerced to ``int``) outside the range of the database column
  fails on the field instead of reaching PostgreSQL;
- a POST that re-renders a form with errors answers 422 (``init_app``'s ``after_request``), whatever
  the view returned, so a client can tell a refused form from a page;
- ``DecimalField`` is ``MoneyField``: Italian formats through Babel (``parse_money``), finite and bounded;
- a form with ``once = True`` (every form that creates something) carries a one-time token next to its
  CSRF token; the second submit of the same token creates nothing and goes where the first went.
"""

from __future__ import annotations

import decimal
import secrets
from collections.abc import Iterable
from typing import Any, ClassVar

import flask_wtf
from babel.numbers import NumberFormatError, parse_decimal
from flask import Flask, abort, flash, g, has_request_context, redirect, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import _FlaskFormCSRF
from markupsafe import Markup, escape
from wtforms import DecimalField as _DecimalField
from wtforms import Field, FileField, IntegerField, PasswordField, SelectFieldBase, StringField, TextAreaField
from wtforms.csrf.core import CSRFTokenField

from app.text import header_safe, strip_unsafe, unsafe_char

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL ``integer``: ids and every integer column of a form
ONCE_FIELD = "form_once"


# --- money -----------------------------------------------------------------------------------------


def parse_money(text: Any, *, places: int = 2, max_value: decimal.Decimal | None = None, locale: Any = None):
    """A user's amount as a Decimal, read the way the user's locale writes it (Babel).

    ``1.500,00``, ``1500,00``, ``1500`` and ``€ 1.500`` are 1500.00 in Italian. Raises ``ValueError``
    with a sentence for the user when the text is not an amount, is not finite (``NaN``, ``1e1000``),
    has more than ``places`` decimals or reaches ``max_value`` (default: what ``Numeric(12, places)``
    holds).
    """
    if isinstance(text, decimal.Decimal):
        value = text
    else:
        raw = str(text if text is not None else "").replace("€", "").replace("\u00a0", " ").strip().replace(" ", "")
        if not raw:
            raise ValueError(_("Inserisci un importo."))
        if any(c.isalpha() for c in raw):  # 1e1000, NaN, Infinity: never an amount a person types
            raise ValueError(_("Importo non valido."))
        try:
            value = parse_decimal(raw, locale=str(locale or _locale()), strict=True)
        except NumberFormatError as exc:
            suggestion = getattr(exc, "suggestions", None)
            if suggestion:
                raise ValueError(_("Importo non valido: intendevi %(s)s?", s=suggestion[0])) from exc
            raise ValueError(_("Importo non valido.")) from exc
        except (decimal.InvalidOperation, ValueError) as exc:
            raise ValueError(_("Importo non valido.")) from exc
    if not value.is_finite():
        raise ValueError(_("Importo non valido."))
    limit = max_value if max_value is not None else decimal.Decimal(10) ** (12 - places)
    if abs(value) >= limit:
        raise ValueError(_("Importo troppo grande."))
    quantum = decimal.Decimal(1).scaleb(-places)
    if value != value.quantize(quantum):
        raise ValueError(_("Al massimo %(n)d decimali.", n=places))
    return value.quantize(quantum)


def _locale() -> str:
    try:
        return str(get_locale() or "it")
    except Exception:  # noqa: BLE001 - outside a request (CLI, tests of the parser)
        return "it"


class MoneyField(_DecimalField):
    """A decimal field read with ``parse_money``: Italian formats in, a bounded finite Decimal out."""

    data: Any

    def __init__(self, label=None, validators=None, places: int = 2, max_value: Any = None, **kwargs: Any):
        super().__init__(label, validators, places=places, **kwargs)
        self.max_value = decimal.Decimal(max_value) if max_value is not None else None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = valuelist[0]
        if raw is None or str(raw).strip() == "":
            self.data = None
            return
        try:
            self.data = parse_money(raw, places=self.places or 2, max_value=self.max_value)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from exc

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        from babel.numbers import format_decimal

        pattern = "#,##0." + "0" * (self.places or 2)
        return format_decimal(self.data, format=pattern, locale=_locale())


# Every ``DecimalField`` of the app is a MoneyField: the forms import it from here.
DecimalField = MoneyField


# --- one-time token -----------------------------------------------------------------------------


class _OnceTokenField(CSRFTokenField):
    """The CSRF field; on a ``once`` form it also renders the one-time token, so every template that
    renders ``form.csrf_token`` or ``form.hidden_tag()`` carries it."""

    def __call__(self, *args: Any, **kwargs: Any) -> Markup:
        html = super().__call__(*args, **kwargs)
        form = getattr(self, "_presidio_form", None)
        if form is None or not getattr(form, "once", False):
            return html
        name = f"{form._prefix}{ONCE_FIELD}"
        return html + Markup('<input type="hidden" name="{}" value="{}">').format(escape(name), escape(form.once_token))


class _OnceCSRF(_FlaskFormCSRF):
    field_class = _OnceTokenField


# --- the base form -----------------------------------------------------------------------------------


class FlaskForm(flask_wtf.FlaskForm):
    """Presidio's Flask-WTF form (see the module docstring)."""

    once: ClassVar[bool] = False

    class Meta(flask_wtf.FlaskForm.Meta):
        csrf_class = _OnceCSRF

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        csrf_field = getattr(self, "csrf_token", None) if getattr(self.meta, "csrf", False) else None
        if csrf_field is not None:
            csrf_field._presidio_form = self
        submitted = request.form.get(f"{self._prefix}{ONCE_FIELD}", "") if has_request_context() else ""
        # Re-rendered after an error, the form keeps the token the user sent (it was released).
        valid = 16 <= len(submitted) <= 64 and submitted.replace("-", "").replace("_", "").isalnum()
        self.once_token = submitted if valid else secrets.token_urlsafe(18)
        self._once_sent = submitted if valid else None

    def validate(self, extra_validators: Any = None) -> bool:
        _clean_single_lines(self)
        ok = super().validate(extra_validators)
        ok = _refuse_hostile(self) and ok
        if not ok:
            if has_request_context():
                g.form_refused = True
            return False
        if self.once and self._once_sent and has_request_context():
            _claim_once(self._once_sent)
            self.once_token = secrets.token_urlsafe(18)  # a page rendered after this submit gets a new one
        return True


def error_summary(form: Any) -> str:
    """The form's field errors in one line (``Importo: Importo troppo grande.``), for a view that
    answers a refused form with a redirect and a message instead of the form again."""
    return "; ".join(f"{field.label.text}: {' '.join(map(str, field.errors))}" for field in form if field.errors)


def _text_fields(form: Any) -> Iterable[Field]:
    for field in form:
        if isinstance(field, FileField | CSRFTokenField):
            continue
        yield field


def _single_line(field: Field) -> bool:
    return isinstance(field, StringField) and not isinstance(field, TextAreaField | PasswordField)


def _clean_single_lines(form: Any) -> None:
    for field in _text_fields(form):
        if _single_line(field) and isinstance(field.data, str) and unsafe_char(field.data) is None:
            field.data = header_safe(field.data)


def _refuse_hostile(form: Any) -> bool:
    ok = True
    for field in _text_fields(form):
        for raw in field.raw_data or []:
            bad = unsafe_char(raw) if isinstance(raw, str) else None
            if bad is not None:
                field.errors = [_("Il testo contiene un carattere non ammesso (%(char)s).", char=bad)]
                # The form comes back with what was typed, less what a page cannot show (a surrogate
                # cannot even be encoded): the message says what went.
                field.raw_data = [strip_unsafe(r) if isinstance(r, str) else r for r in field.raw_data]
                if isinstance(field.data, str):
                    field.data = strip_unsafe(field.data)
                ok = False
                break
        else:
            if not _in_range(field):
                field.errors = [*field.errors, _("Numero fuori dall'intervallo ammesso.")]
                ok = False
    return ok


def _in_range(field: Field) -> bool:
    if not isinstance(field, IntegerField | SelectFieldBase):
        return True
    values = field.data if isinstance(field.data, list | tuple) else [field.data]
    return all(not isinstance(v, int) or isinstance(v, bool) or INT_MIN <= v <= INT_MAX for v in values)


def _claim_once(token: str) -> None:
    """Claim the token for this request; a token already used sends the user where its first submit
    went (with a message), one still being processed is refused with 409."""
    from flask_login import current_user

    from app import submissions

    user_id = current_user.id if current_user.is_authenticated else None
    outcome = submissions.claim(token=token, user_id=user_id)
    if outcome.claimed:
        g.once_token = token
        return
    if outcome.result_url is None:
        abort(409, description=_("Questo modulo è già stato inviato ed è in elaborazione."))
    flash(_("Questo modulo era già stato inviato: nessun duplicato è stato creato."), "info")
    abort(redirect(outcome.result_url, 303))


# --- hooks -------------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    from app import submissions

    app.jinja_env.globals["lookup_attrs"] = lookup_attrs  # {{ lookup_attrs(url)|xmlattr }} in hand-written fields

    @app.after_request
    def _form_outcome(response):
        if g.get("form_refused") and request.method == "POST" and response.status_code == 200:
            response.status_code = 422
        token = g.pop("once_token", None)
        if token is not None:
            # A redirect is what a creating POST answers once it created something (post/redirect/get);
            # anything else (the form again after a refused save, an error) frees the token.
            if 300 <= response.status_code < 400:
                submissions.finish(token=token, result_url=response.headers.get("Location") or request.path)
            else:
                submissions.release(token=token)
        return response

    @app.teardown_request
    def _release_once(exc: BaseException | None) -> None:
        token = g.pop("once_token", None) if exc is not None else None
        if token is not None:
            submissions.release(token=token)


__all__ = ["DecimalField", "FlaskForm", "MoneyField", "parse_money", "INT_MAX", "INT_MIN", "_l"]


def lookup_attrs(url: str, *, label: str | None = None, with_: str | None = None) -> dict[str, str]:
    """The attributes that make a field a typeahead picker (``app/static/js/combobox.js``): set them
    as a field's ``render_kw``. The field keeps working without JavaScript (a select, or an id/code
    typed). ``label``: what an <input>'s current value is called; ``with_``: "param=field-name"."""
    attrs = {
        "data-lookup": url,
        "data-lookup-none": _("Nessun risultato"),
        "data-lookup-count": _("%(n)s risultati: frecce per scegliere, Invio per confermare", n="%n"),
    }
    if label is not None:
        attrs["data-lookup-label"] = label
    if with_:
        attrs["data-lookup-with"] = with_
    return attrs
