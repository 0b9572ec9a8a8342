"""A corpus of awkward real-world messages never breaks ingestion: each is stored and processed."""

from __future__ import annotations

import base64
from pathlib import Path

import sqlalchemy as sa

from contact_center.channels import email as em
from contact_center.mailflow import ingest
from contact_center.models import InboundItem, RawMessage, RawSource, RawStatus

CORPUS = sorted((Path(__file__).parent / "corpus" / "stdlib").glob("msg_*.txt"))

AWKWARD = {
    "unknown charset": (
        b"From: a@b.example\r\nSubject: =?x-unknown?q?caf=E9?=\r\nMessage-ID: <c1@b>\r\n"
        b"Content-Type: text/plain; charset=x-martian\r\n\r\nCaff\xe8 e cornetto\r\n"
    ),
    "lying charset": (
        b"From: a@b.example\r\nSubject: utf8\r\nMessage-ID: <c2@b>\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n\r\nPerch\xc3\xa9 la citt\xc3\xa0 \xc3\xa8 ferma\r\n"
    ),
    "no charset latin1 body": b"From: a@b.example\r\nSubject: x\r\nMessage-ID: <c3@b>\r\n\r\nperch\xe9 s\xec\r\n",
    "broken base64": (
        b"From: a@b.example\r\nSubject: b64\r\nMessage-ID: <c4@b>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nQnVvbmdpb3Ju!!!@@@\r\n"
    ),
    "garbage encoded word and no from": (
        b"Subject: =?utf-8?b?!!!notbase64?= =?iso-8859-1?q?Ci=E0o?=\r\nMessage-ID: <c5@b>\r\n\r\nciao\r\n"
    ),
    "8bit headers": "From: Nicolò Sgarra <nicolo@comune.example.it>\r\nSubject: Città è ferma\r\n"
    "Message-ID: <c6@b>\r\n\r\ntesto\r\n".encode(),
    "empty": b"",
    "only headers": b"From: a@b.example\r\nMessage-ID: <c8@b>\r\n",
    "unterminated multipart": (
        b"From: a@b.example\r\nSubject: mp\r\nMessage-ID: <c9@b>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="ZZ"\r\n\r\n--ZZ\r\nContent-Type: text/plain\r\n\r\nparte uno\r\n'
        b'--ZZ\r\nContent-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x'
    ),
    "inline image with cid": (
        b"From: a@b.example\r\nSubject: img\r\nMessage-ID: <c10@b>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/related; boundary="R"\r\n\r\n--R\r\nContent-Type: text/html; charset=utf-8\r\n\r\n'
        b'<p>vedi <img src="cid:logo@x"></p><script>alert(1)</script>\r\n--R\r\nContent-Type: image/png\r\n'
        b"Content-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"\x89PNG\r\n\x1a\nfake")
        + b"\r\n--R--\r\n"
    ),
    "attached message": (
        b"From: a@b.example\r\nSubject: fwd\r\nMessage-ID: <c11@b>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="F"\r\n\r\n--F\r\nContent-Type: text/plain\r\n\r\ninoltro\r\n'
        b"--F\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y\r\nSubject: dentro\r\n\r\ncorpo interno\r\n--F--\r\n"
    ),
    "non-ascii filename rfc2231": (
        b"From: a@b.example\r\nSubject: f\r\nMessage-ID: <c12@b>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="G"\r\n\r\n--G\r\nContent-Type: text/plain\r\n\r\nallego\r\n'
        b"--G\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''delibera%20gi%C3%B9nta.pdf\r\n\r\nxx\r\n--G--\r\n"
    ),
}


def test_stdlib_corpus_is_stored_and_processed(db):
    assert len(CORPUS) > 40
    for path in CORPUS:
        raw, item = ingest(path.read_bytes(), source=RawSource.PIPE)
        row = db.session.get(RawMessage, raw.id)
        assert row.status == RawStatus.PROCESSED, (path.name, row.error)
        assert item is not None, path.name


def test_awkward_messages_are_stored_and_processed(db):
    for name, data in AWKWARD.items():
        raw, item = ingest(data, source=RawSource.PIPE)
        row = db.session.get(RawMessage, raw.id)
        assert row.status == RawStatus.PROCESSED, (name, row.error)
    items = {i.message_id: i for i in db.session.scalars(sa.select(InboundItem))}
    assert "Caffè e cornetto" in items["<c1@b>"].body_text
    assert "Perché la città è ferma" in items["<c2@b>"].body_text
    assert "perché sì" in items["<c3@b>"].body_text
    assert items["<c6@b>"].sender_name == "Nicolò Sgarra" and items["<c6@b>"].subject == "Città è ferma"
    inline = items["<c10@b>"]
    assert "<script" not in inline.body_html and 'src="cid:logo@x"' in inline.body_html
    assert inline.meta["attachments"][0]["content_id"] == "logo@x"
    assert [a["filename"] for a in items["<c12@b>"].meta["attachments"]] == ["delibera giùnta.pdf"]
    assert "inoltro" in items["<c11@b>"].body_text


def test_trim_reply_keeps_the_new_text_only():
    text = (
        "Grazie, ora funziona.\n\n--\nRita Rossi\nComune di Bitonto\n\n"
        "Il giorno lun 23 nov 2026 alle 10:00 Assistenza <a@b> ha scritto:\n> Provi a riavviare\n"
    )
    assert em.trim_reply(text) == "Grazie, ora funziona."
    outlook = "Va bene.\n\nDa: Assistenza\nInviato: lunedì\nOggetto: R: x\n\nvecchio testo"
    assert em.trim_reply(outlook) == "Va bene."
    assert em.trim_reply("> solo citazione") == "> solo citazione"
