"""The triage inbox: the recent email and PEC tickets came through it, and a few messages still wait."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from app.bulk.copy import BulkResult, Loader
from app.bulk.tickets import BulkTicket, TicketTexts


def load_inbound(
    loader: Loader, tks: list[BulkTicket], texts: TicketTexts, now: dt.datetime, result: BulkResult
) -> None:
    """Email and PEC tickets of the last 90 days came through the triage inbox; a few still wait there."""
    if not tks:
        return
    emails = dict(loader.rows("SELECT id, email FROM contacts"))
    names = texts.contact_names
    recent = now - dt.timedelta(days=90)

    def item(iid: int, t: BulkTicket, subject: str, body: str) -> dict:
        return {"id": iid, "received_at": t.created, "sender_name": names.get(t.contact, ""),
                "sender_email": emails.get(t.contact), "sender_phone": None, "subject": subject, "body_text": body,
                "body_html": None, "organization_id": t.org, "contact_id": t.contact, "ticket_message_id": None,
                "reason": None, "meta": "{}"}  # fmt: skip

    def rows() -> Iterator[dict]:
        iid = loader.next_id("inbound_items")
        for t, subject, desc in zip(tks, texts.subjects, texts.descriptions, strict=True):
            if t.created < recent or t.channel not in ("email", "pec"):
                continue
            yield {**item(iid, t, subject, desc), "channel": t.channel, "status": "ticketed",
                   "dedupe_key": f"<bulk-{t.id}@bulk.presidio.local>", "match_confidence": "known",
                   "ticket_id": t.id, "handled_by_id": t.assignee, "handled_at": t.first_response}  # fmt: skip
            iid += 1
        for t in tks[-min(len(tks), 400) :]:
            i = t.id - tks[0].id
            yield {**item(iid, t, "Re: " + texts.subjects[i], texts.descriptions[i]), "channel": "email",
                   "status": "new", "dedupe_key": f"<bulk-new-{iid}@bulk.presidio.local>",
                   "match_confidence": "probable", "ticket_id": None, "handled_by_id": None,
                   "handled_at": None}  # fmt: skip
            iid += 1

    result.counts["inbound_items"] = loader.copy("inbound_items", rows(), rebuild=True)
    loader.fix_sequence("inbound_items")
