"""The same message delivered twice (a retried webhook, a mailbox polled again) lands once."""

from __future__ import annotations

import threading

from contact_center.intake import InboundData, receive
from contact_center.models import InboundChannel
from tests.faults.conftest import count


def _data(key: str) -> InboundData:
    return InboundData(
        channel=InboundChannel.EMAIL,
        dedupe_key=key,
        subject="PEC non funzionante",
        body_text="La casella PEC del protocollo non riceve.",
        sender_email="protocollo@comune.monopoli.ba.it",
    )


def test_duplicate_delivery_is_stored_once(app, db):
    first, created = receive(_data("<abc-1@comune.monopoli.ba.it>"))
    again, created_again = receive(_data("<abc-1@comune.monopoli.ba.it>"))
    assert created and not created_again
    assert again.id == first.id
    assert count("inbound_items") == 1


def test_concurrent_duplicate_deliveries_race_to_one_row(app, db):
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def deliver():
        with app.app_context():
            try:
                barrier.wait()
                _, created = receive(_data("<race@comune.monopoli.ba.it>"))
                results.append(created)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                from app.extensions import db as _db

                _db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results.count(True) == 1
    assert count("inbound_items") == 1
