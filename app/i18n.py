"""Italian first, English too: locale choice and it_IT formatting of dates and euro amounts."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_datetime,
    get_date_format,
    get_datetime_format,
    get_time_format,
    parse_pattern,
    tokenize_pattern,
)
from babel.numbers import NumberPattern, format_currency
from babel.numbers import parse_pattern as parse_number_pattern
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel
from app.labels import label


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a job or a command: the platform's language
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
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


# --- fast date formatting ---------------------------------------------------------------------------
# A list page formats two dates per row; babel's format_datetime parses the locale and the CLDR pattern
# on every call. The compiled formatters below are built once per (pattern, locale): numeric fields
# are plain integer formatting, any other field is delegated to babel's own field formatter, so the
# output is babel's (tests compare them over every hour of a year).

_Part = str | Callable[[Any], str]
_WIDTHS = ("full", "long", "medium", "short")


def _two(get: Callable[[Any], int]) -> Callable[[Any], str]:
    return lambda v: f"{get(v):02d}"


def _one(get: Callable[[Any], int]) -> Callable[[Any], str]:
    return lambda v: str(get(v))


_NUMERIC: dict[str, Callable[[Any], int]] = {
    "d": lambda v: v.day,
    "M": lambda v: v.month,
    "H": lambda v: v.hour,
    "h": lambda v: v.hour % 12 or 12,
    "m": lambda v: v.minute,
    "s": lambda v: v.second,
}


def _numeric_field(char: str, width: int) -> Callable[[Any], str] | None:
    if char == "y":
        if width == 2:
            return lambda v: f"{v.year % 100:02d}"
        return lambda v: str(v.year).rjust(width, "0")
    get = _NUMERIC.get(char)
    if get is None or width > 2:
        return None
    return _two(get) if width == 2 else _one(get)


def _compile(pattern: str, locale: Locale) -> Callable[[Any], str]:
    parts: list[_Part] = []
    slow = parse_pattern(pattern)
    for kind, value in tokenize_pattern(pattern):
        if kind == "chars":
            parts.append(str(value))
            continue
        field: Any = value
        char, width = field
        fast = _numeric_field(str(char), int(width))
        if fast is None:  # names, eras, zones, periods: babel's own formatting of the whole pattern
            return lambda v: slow.apply(v, locale)
        parts.append(fast)
    return lambda v: "".join(p if isinstance(p, str) else p(v) for p in parts)


@functools.cache
def _datetime_formatter(fmt: str, locale_name: str) -> Callable[[dt.datetime], str]:
    locale = Locale.parse(locale_name)
    if fmt not in _WIDTHS:
        return _compile(fmt, locale)
    width: Any = fmt
    time_pattern = get_time_format(width, locale=locale).pattern
    if any(kind == "field" and str(value[0]) in "zZvVOxX" for kind, value in tokenize_pattern(time_pattern)):
        # zone names need babel's time-zone lookup with the reference date
        return lambda v: format_datetime(v, format=width, tzinfo=v.tzinfo, locale=locale)
    frame = str(get_datetime_format(width, locale=locale)).replace("'", "")
    time_part = _compile(time_pattern, locale)
    date_part = _compile(get_date_format(width, locale=locale).pattern, locale)
    return lambda v: frame.replace("{0}", time_part(v.timetz())).replace("{1}", date_part(v.date()))


@functools.cache
def _date_formatter(fmt: str, locale_name: str) -> Callable[[dt.date], str]:
    locale = Locale.parse(locale_name)
    width: Any = fmt
    return _compile(get_date_format(width, locale=locale).pattern if fmt in _WIDTHS else fmt, locale)


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(local_tz())


def fmt_datetime(value: dt.datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    return _datetime_formatter(fmt, _locale())(to_local(value))


def fmt_date(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    return _date_formatter(fmt, _locale())(value)


def fmt_money(value: Any, locale: str | None = None) -> str:
    """Euro in the reader's style ("1.500,00 €"); ``locale="it"`` for text that is Italian anyway (mails)."""
    if value is None or value == "":
        return ""
    return format_currency(decimal.Decimal(str(value)), "EUR", locale=locale or _locale())


@functools.lru_cache(maxsize=64)
def _number_pattern(fmt: str | None, locale_name: str) -> tuple[NumberPattern, Locale]:
    locale = Locale.parse(locale_name)
    return parse_number_pattern(fmt if fmt is not None else locale.decimal_formats[None]), locale


def fmt_number(value: Any, digits: int | None = None) -> str:
    """``babel.numbers.format_decimal`` with the locale and the pattern parsed once (a report page
    formats hundreds of figures)."""
    if value is None:
        return ""
    fmt = ("#,##0." + "0" * digits if digits else "#,##0") if digits is not None else None
    pattern, locale = _number_pattern(fmt, _locale())
    return pattern.apply(value, locale)


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
    app.jinja_env.filters.update(datetime=fmt_datetime, date=fmt_date, money=fmt_money, number=fmt_number, label=label)

    @app.context_processor
    def _i18n_context() -> dict[str, Any]:
        return {"current_locale": _locale(), "languages": app.config["LANGUAGES"]}
