"""Property-based fuzzing of the inbound email parser and the intake behind it (hypothesis, fixed by
``derandomize``): real messages from the corpus, mutated the way broken mailers and attackers mutate
them, and arbitrary bytes. No exception escapes; every message ends stored and either processed or
quarantined alone, and nothing unsafe reaches a stored subject."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.text import unsafe_char
from contact_center.channels import email as em
from contact_center.mailflow import dedupe_key_for, process_pending, store_raw
from contact_center.models import InboundItem, InboundStatus, RawMessage, RawSource, RawStatus
from tests.contact_center.conftest import build_email

CORPUS = [p.read_bytes() for p in sorted((Path(__file__).parent / "corpus" / "stdlib").glob("msg_*.txt"))]
CORPUS.append(
    build_email(subject="Città ferma", body="Perché non stampa?\n", attachments=[("a.pdf", "application/pdf", b"%PDF")])
)

NASTY = [b"\x00", b"\r\n", b"\n\n", b"\xed\xa0\x80", b"\xff\xfe", b"=?utf-8?b?AA==?=", b"=?x?q?=00?=", b"\x1b[2J",
         b"--", b"boundary=", b"Content-Type: multipart/mixed\r\n", b"Content-Transfer-Encoding: base64\r\n",
         b"\r\n\tcontinued", b"<", b">", b":", b";", b'"', b"\x7f", b"\xc3", b" " * 1000]  # fmt: skip


@st.composite
def mutated_messages(draw) -> bytes:
    """A corpus message with a few insertions, deletions and header duplications."""
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(raw)))
        kind = draw(st.sampled_from(["insert", "random", "delete", "truncate", "header"]))
        if kind == "insert":
            raw[where:where] = draw(st.sampled_from(NASTY))
        elif kind == "random":
            raw[where:where] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "delete":
            del raw[where : where + draw(st.integers(1, 200))]
        elif kind == "truncate":
            del raw[where:]
        else:
            name = draw(st.sampled_from([b"Subject", b"From", b"Message-ID", b"References", b"Content-Type"]))
            value = draw(st.binary(max_size=200))
            raw[0:0] = name + b": " + value + b"\r\n"
    return bytes(raw)


any_message = st.one_of(mutated_messages(), st.binary(max_size=2000))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(raw=any_message)
def test_the_parser_never_raises_and_its_headers_are_safe(raw):
    key, message_id = dedupe_key_for(raw)
    assert key and len(key) <= 300 and unsafe_char(key) is None
    parsed = em.parse(em.parse_bytes(raw))
    for value in (parsed.subject, parsed.from_name, parsed.from_addr, parsed.message_id or ""):
        assert unsafe_char(value) is None and "\n" not in value and "\r" not in value
    assert all(unsafe_char(a.filename) is None for a in parsed.attachments)
    em.trim_reply(parsed.text)
    em.automatic_reason(em.parse_bytes(raw), parsed, {"presidio.local"})


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(any_message, min_size=1, max_size=4))
def test_every_mutated_message_ends_processed_or_quarantined_alone(db, comune, batch):
    ids = {store_raw(raw, source=RawSource.PIPE)[0].id for raw in batch}
    process_pending(batch_size=3)
    for row in db.session.scalars(sa.select(RawMessage).where(RawMessage.id.in_(ids))):
        items = db.session.scalars(sa.select(InboundItem).where(InboundItem.raw_id == row.id)).all()
        if row.status == RawStatus.PROCESSED:
            assert len(items) == 1
        else:
            assert row.status == RawStatus.FAILED and row.error
            assert [i.status for i in items] == [InboundStatus.QUARANTINED]
        for item in items:
            assert unsafe_char(item.subject) is None and unsafe_char(item.body_text) is None
