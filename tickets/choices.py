"""The pick lists of the ticket pages (operators, teams, services, enti), kept per process.

The queue shows them on every page as filters, and its rows need their names; they change rarely.
One aggregate statement (row count, highest id and last update of each table) tells whether the
copy is still current, instead of four list queries, thousands of ORM objects and the escaping of
thousands of ``<option>``s per page. Several processes each keep their own copy, checked the same way.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup

from app.auth.models import Role, User
from app.extensions import db
from crm.options import mark_selected, option_tags, version_query
from tickets.models import Team

Pairs = tuple[tuple[int, str], ...]

# Longer lists are not written into every page (8,000 enti are 500 KB of ``<option>``s): the page carries
# the chosen entry and ``tickets.js`` loads the rest from ``tickets.list_options`` when the list is opened.
INLINE_MAX = 400


class Choices:
    def __init__(self, key: Any, operators: Pairs, teams: Pairs, services: Pairs, organizations: Pairs) -> None:
        self.key = key
        self.operators = operators
        self.teams = teams
        self.services = services
        self.organizations = organizations

    @functools.cached_property
    def names(self) -> dict[str, dict[int, str]]:
        return {
            "user": dict(self.operators),
            "team": dict(self.teams),
            "service": dict(self.services),
            "org": dict(self.organizations),
        }

    @functools.cached_property
    def _html(self) -> dict[str, str]:
        return {
            kind: option_tags(pairs)
            for kind, pairs in (
                ("operators", self.operators),
                ("teams", self.teams),
                ("services", self.services),
                ("organizations", self.organizations),
            )
        }

    def inline(self, kind: str) -> bool:
        """Whether the whole list goes into the page (else only the chosen entry, see INLINE_MAX)."""
        return len(getattr(self, kind)) <= INLINE_MAX

    def chosen(self, kind: str, selected: Any) -> Markup:
        """The ``<option>`` of the ``selected`` id alone (a long list loaded on demand)."""
        if selected is None or not str(selected).isdigit():
            return Markup("")
        pk = int(selected)
        name = dict(getattr(self, kind)).get(pk)
        return Markup('<option value="{}" selected>{}</option>').format(pk, name) if name is not None else Markup("")

    @property
    def etag(self) -> str:
        return hashlib.sha256(repr(self.key).encode()).hexdigest()[:32]

    def options(self, kind: str, selected: Any = None) -> Markup:
        """``<option>``s of one list (``operators``, ``teams``, ``services``, ``organizations``), the
        ``selected`` id marked."""
        return mark_selected(self._html[kind], selected)


_CACHE: dict[str, Choices] = {}


def _version() -> tuple[Any, ...]:
    from crm.models import Organization, Service

    parts = [version_query(model) for model in (User, Team, Service, Organization)]
    rows = db.session.execute(sa.union_all(*parts)).all()
    return tuple(tuple(row) for row in rows)


def current() -> Choices:
    """The lists as they are in the database now (one statement when nothing changed)."""
    from crm.models import Organization, Service

    key = _version()
    cached = _CACHE.get("choices")
    if cached is not None and cached.key == key:
        return cached

    def pairs(stmt: sa.Select) -> Pairs:
        return tuple((row[0], row[1]) for row in db.session.execute(stmt))

    display = sa.func.coalesce(sa.func.nullif(User.name, ""), User.email)  # User.display_name
    fresh = Choices(
        key,
        operators=pairs(
            sa.select(User.id, display)
            .where(User.role.in_((Role.ADMIN, Role.OPERATOR)), User.active.is_(True))
            .order_by(User.name, User.email)
        ),
        teams=pairs(sa.select(Team.id, Team.name).where(Team.active.is_(True)).order_by(Team.name)),
        services=pairs(sa.select(Service.id, Service.name).where(Service.active.is_(True)).order_by(Service.name)),
        organizations=pairs(
            sa.select(Organization.id, Organization.name)
            .where(Organization.active.is_(True))
            .order_by(Organization.name)
        ),
    )
    _CACHE["choices"] = fresh
    return fresh
