"""Names of things other modules own, for pages of ``app/`` (the users list names each referente's ente).

``app`` sits below the domain packages and never imports them outside the factory and the CLI: a
domain package registers how to name its rows at ``init_app`` (``crm`` registers the enti).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app

NameSource = Callable[[Iterable[int]], dict[int, str]]


def register_names(app, kind: str, source: NameSource) -> None:
    app.extensions.setdefault("presidio.names", {})[kind] = source


def names(kind: str, ids: Iterable[int]) -> dict[int, str]:
    """``{id: name}`` for the ids of ``kind`` (e.g. "organization"); empty when no module names them."""
    source = current_app.extensions.get("presidio.names", {}).get(kind)
    wanted = {i for i in ids if i}
    return source(wanted) if source is not None and wanted else {}


def register_function(app, name: str, func: Callable) -> None:
    """A service another module offers to ``app`` (e.g. crm's ``update_contact`` for the first SSO login)."""
    app.extensions.setdefault("presidio.functions", {})[name] = func


def function(name: str) -> Callable | None:
    return current_app.extensions.get("presidio.functions", {}).get(name)
