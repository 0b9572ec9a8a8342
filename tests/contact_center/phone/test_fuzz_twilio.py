"""Property-based fuzzing of the Twilio form parsers (hypothesis, ``derandomize``): signed requests with
arbitrary text — NUL bytes, control characters, absurd numbers, odd Sids — never answer 500; every SMS
accepted is stored and either filed or quarantined alone."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.text import unsafe_char
from contact_center.models import InboundItem
from contact_center.phone.models import Call, SmsMessage, SmsStatus
from tests.contact_center.phone.conftest import call_params, sms_params

# Text a signed form can carry: any Unicode that encodes to UTF-8, control characters and NUL included.
text = st.text(st.characters(codec="utf-8"), max_size=300)
numbers = st.one_of(st.just("+393351234567"), st.just(""), text, st.from_regex(r"\+?[0-9 ]{1,40}", fullmatch=True))
sids = st.one_of(
    st.from_regex(r"[A-Z]{2}[0-9a-f]{32}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9]{65,80}", fullmatch=True),
    text,
)
counts = st.one_of(st.integers(-(10**30), 10**30).map(str), text)
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(sid=sids, body=text, from_=numbers, extra=st.dictionaries(text, text, max_size=4), media=counts)
def test_sms_webhook_never_answers_500_and_files_or_quarantines(twilio, db, sid, body, from_, extra, media):
    params = {**extra, **sms_params(sid, body, from_=from_, NumMedia=media, MediaUrl0=body)}
    resp = twilio.post("/contact-center/twilio/sms", params)
    assert resp.status_code in (200, 400), resp.get_data(as_text=True)
    if resp.status_code == 200:
        sms = db.session.scalar(sa.select(SmsMessage).where(SmsMessage.message_sid == sid))
        assert sms is not None and unsafe_char(sms.body) is None
        assert sms.status == SmsStatus.PROCESSED or sms.error, sms.status
        if sms.status == SmsStatus.PROCESSED and sms.inbound_item_id:
            item = db.session.get(InboundItem, sms.inbound_item_id)
            assert unsafe_char(item.subject) is None and "\n" not in item.subject


@FUZZ
@given(
    sid=sids,
    from_=numbers,
    to=numbers,
    status=st.one_of(st.sampled_from(["completed", "busy", "no-answer", "ringing"]), text),
    duration=counts,
    recording=counts,
    transcript=text,
)
def test_voice_webhooks_never_answer_500(twilio, db, sid, from_, to, status, duration, recording, transcript):
    params = call_params(call_sid=sid, From=from_, To=to)
    answers = [twilio.post("/contact-center/twilio/voice", params).status_code]
    answers.append(
        twilio.post(
            "/contact-center/twilio/voice/recording",
            {**params, "RecordingSid": "RE" + "e" * 32, "RecordingUrl": transcript, "RecordingDuration": recording},
        ).status_code
    )
    answers.append(
        twilio.post(
            "/contact-center/twilio/voice/recording",
            {**params, "TranscriptionSid": "TR" + "f" * 32, "TranscriptionStatus": "completed",
             "TranscriptionText": transcript, "RecordingSid": "RE" + "e" * 32},
        ).status_code
    )  # fmt: skip
    answers.append(
        twilio.post(
            "/contact-center/twilio/voice/status", {**params, "CallStatus": status, "CallDuration": duration}
        ).status_code
    )
    assert set(answers) <= {200, 204, 400}, answers
    for call in db.session.scalars(sa.select(Call)):
        assert unsafe_char(call.from_number) is None and unsafe_char(call.transcript or "") is None
