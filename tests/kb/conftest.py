from __future__ import annotations

from typing import Any

import pytest

PRINTER_BODY = (
    "<p>Quando la stampante dello sportello anagrafe non stampa i certificati ANPR, annulla i documenti in coda "
    "e controlla la stampante predefinita.</p>"
)


@pytest.fixture
def operator(make_user):
    return make_user("operator", name="Oscar Operatore")


@pytest.fixture
def make_article(operator):
    from kb.services import create_article

    def factory(**kwargs: Any):
        actor = kwargs.pop("actor", operator)
        values = {
            "title": "La stampante dell'anagrafe non stampa i certificati",
            "summary": "Come sbloccare la stampa dei certificati allo sportello.",
            "body": PRINTER_BODY,
            "status": "published",
            "visibility": "public",
        }
        values.update(kwargs)
        return create_article(actor=actor, **values)

    return factory


@pytest.fixture
def referente(make_user, make_org):
    return make_user("referente", organization=make_org(name="Comune di Bitonto"))
