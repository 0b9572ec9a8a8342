"""What the CRM's web pages share: the blueprint, calling a service from a form, choices, paging."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from wtforms import Form

from app.errors import DomainError
from app.extensions import db
from crm import services
from crm.models import Organization

bp = Blueprint("crm", __name__, url_prefix="/crm")


PAGE_SIZE = 50


def submit(form: Form, func: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a service; on a domain error put its messages on the named fields and return None."""
    try:
        return func(**kwargs)
    except DomainError as exc:
        placed = False
        for field, messages in (exc.fields or {}).items():
            target = getattr(form, field, None)
            if target is not None and hasattr(target, "errors"):
                errors = list(target.errors) if not isinstance(target.errors, list) else target.errors
                errors.extend(messages)
                target.errors = errors
                placed = True
        if not placed:
            flash(exc.message, "error")
        else:
            flash(_("Controlla i campi evidenziati."), "error")
        return None


def form_data(form: Form, fields: list[str]) -> dict[str, Any]:
    return {f: getattr(form, f).data for f in fields if getattr(form, f, None) is not None}


def org_choices(kind: str | None = None) -> list[tuple[int, str]]:
    stmt = sa.select(Organization.id, Organization.name).where(Organization.active.is_(True))
    if kind:
        stmt = stmt.where(Organization.kind == kind)
    return [(i, n) for i, n in db.session.execute(stmt.order_by(Organization.name))]


PICKER_FROM = 100  # a select longer than this becomes a typeahead


def org_picker(field: Any, blank: str | None = None) -> None:
    """An ente select with every active ente (it works without JavaScript), after an empty choice
    worded ``blank`` when given; a long one combobox.js turns into a typeahead searching name and codes."""
    from app.forms import lookup_attrs

    field.choices = [*([("", blank)] if blank else []), *org_choices()]
    if len(field.choices) > PICKER_FROM:
        field.render_kw = lookup_attrs(url_for("crm.lookup_organizations"))


def service_choices() -> list[tuple[int, str]]:
    return [(s.id, s.name) for s in services.list_services()]


def next_url(cursor: str | None) -> str | None:
    if not cursor:
        return None
    args: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {}), "cursor": cursor}
    return url_for(request.endpoint or "crm.organization_list", **args)


def orgs_by_id(org_ids: Iterable[int]) -> dict[int, Organization]:
    """The enti a list page names, in one query."""
    wanted = set(org_ids)
    if not wanted:
        return {}
    return {o.id: o for o in db.session.scalars(sa.select(Organization).where(Organization.id.in_(wanted)))}
