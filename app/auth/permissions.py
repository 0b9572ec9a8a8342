"""The one place that decides who may do what.

Every module registers its permissions here (``register``); web views and API routes ask through
``require``/``permission_required`` and scope queries with ``org_scope``. A referente is bound to one
organization: another organization's records answer 404, never 403, so their existence is not leaked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from flask_login import current_user

from app.auth.models import Role
from app.errors import Forbidden, NotFound, Unauthorized

_RULES: dict[str, frozenset[Role]] = {}

ALL_STAFF = (Role.ADMIN, Role.OPERATOR, Role.FINANCE)
EVERYONE = (Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.REFERENTE)


def register(rules: dict[str, Iterable[Role | str]]) -> None:
    for perm, roles in rules.items():
        _RULES[perm] = frozenset(Role(r) for r in roles)


def roles_for(perm: str) -> frozenset[Role]:
    if perm not in _RULES:
        raise KeyError(f"unknown permission {perm!r}")
    return _RULES[perm]


def can(user: Any, perm: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return False
    return Role(user.role) in roles_for(perm)


def require(user: Any, perm: str) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise Unauthorized("authentication required")
    if not can(user, perm):
        raise Forbidden("forbidden")


def org_scope(user: Any) -> int | None:
    """The organization a user is confined to (referente), or None for staff who see all."""
    if user is not None and getattr(user, "role", None) == Role.REFERENTE:
        return user.organization_id or -1
    return None


def check_org(user: Any, organization_id: int | None, message: str = "not found") -> None:
    """A referente touching another organization's record gets 404 (with ``message``)."""
    scope = org_scope(user)
    if scope is not None and organization_id != scope:
        raise NotFound(message)


def is_staff(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role in ALL_STAFF)


def permission_required(perm: str) -> Callable:
    """Decorator for web views and API routes: the current user must hold ``perm``."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require(current_user, perm)
            return view(*args, **kwargs)

        wrapped.permission = perm  # type: ignore[attr-defined]
        return wrapped

    return decorator


register(
    {
        "platform.home": EVERYONE,
        "platform.profile": EVERYONE,
        "admin.users": (Role.ADMIN,),
        "platform.lookup_users": ALL_STAFF,  # the typeahead of users (assignee, new account)
        "admin.audit": (Role.ADMIN,),
        "admin.jobs": (Role.ADMIN,),
    }
)
