"""Search in the embedded default (`make run`: SQLite): FTS5, Italian word forms, public messages only."""

from __future__ import annotations

import sqlalchemy as sa

from app import create_app
from app.config import TestConfig


def test_sqlite_search_finds_italian_word_forms_and_public_messages(tmp_path):
    application = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'presidio.sqlite3'}",
            "REDIS_URL": None,
        }
    )
    from app.extensions import db
    from tickets.models import Ticket, TicketMessage
    from tickets.services import text_condition

    with application.app_context():
        runner = application.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        seeded = runner.invoke(args=["seed", "demo"])
        assert seeded.exit_code == 0, seeded.output

        def found(q: str) -> set[str]:
            return set(db.session.scalars(sa.select(Ticket.subject).where(text_condition(q))))

        printer = "Stampante dell'anagrafe non stampa i certificati"
        assert printer in found("stampanti")
        assert printer in found("certificato anagrafe")
        assert printer not in found("stampanti SPID")
        assert found("parolachenonesiste") == set()
        number = db.session.scalar(sa.select(Ticket.number).where(Ticket.subject == printer))
        assert found(number) == {printer}

        ticket = db.session.scalar(sa.select(Ticket).where(Ticket.subject == printer))
        db.session.add(TicketMessage(ticket_id=ticket.id, body="Sostituito il fusore difettoso", internal=False))
        db.session.add(TicketMessage(ticket_id=ticket.id, body="Nota riservata sul fornitore Zeta", internal=True))
        db.session.commit()
        assert printer in found("fusori")
        assert printer not in found("Zeta")
        db.session.remove()
        db.engine.dispose()
