"""Italian first, English too: locale choice and it_IT formatting of dates and euro amounts."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return str(asked)
    if getattr(current_user, "is_authenticated", False) and getattr(current_user, "locale", None) in languages:
        return str(current_user.locale)
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def _locale() -> str:
    loc = get_locale()
    return str(loc) if loc else "it"


def local_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(local_tz())


def fmt_datetime(value: dt.datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return format_datetime(to_local(value), format=fmt, tzinfo=local_tz(), locale=_locale())


def fmt_date(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    return format_date(value, format=fmt, locale=_locale())


def fmt_money(value: Any) -> str:
    if value is None or value == "":
        return ""
    return format_currency(decimal.Decimal(str(value)), "EUR", locale=_locale())


def fmt_number(value: Any, digits: int | None = None) -> str:
    if value is None:
        return ""
    if digits is not None:
        return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=_locale())
    return format_decimal(value, locale=_locale())


def compile_catalogs(directories: str) -> None:
    """Compile each English catalog whose .mo is missing or older than its .po (``make run`` and
    ``make test`` compile too; this keeps a fresh checkout or a plain ``pytest`` from showing Italian
    to English readers). A read-only install simply keeps what it has."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for folder in directories.split(";"):
        for po in Path(folder).glob("*/LC_MESSAGES/messages.po"):
            mo = po.with_suffix(".mo")
            try:
                if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                    continue
                with po.open("rb") as fh:
                    catalog = read_po(fh, locale=po.parent.parent.name)
                tmp = mo.with_suffix(".mo.tmp")
                with tmp.open("wb") as fh:
                    write_mo(fh, catalog)
                tmp.replace(mo)
            except OSError:
                continue


def init_app(app: Flask) -> None:
    compile_catalogs(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters.update(datetime=fmt_datetime, date=fmt_date, money=fmt_money, number=fmt_number)

    @app.context_processor
    def _i18n_context() -> dict[str, Any]:
        return {"current_locale": _locale(), "languages": app.config["LANGUAGES"]}
