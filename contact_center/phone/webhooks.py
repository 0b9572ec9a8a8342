"""Twilio webhooks (shared/CONTRACT.md): voice, status, recording/transcription, SMS.

Every route checks ``X-Twilio-Signature`` with the twilio library's ``RequestValidator`` against
``PUBLIC_BASE_URL`` + the path and query string as Twilio saw them (behind a proxy or TLS terminator
``request.url`` is not what Twilio signed), and answers 403 when it fails; 503 when Twilio is not
configured. Answers are TwiML built with ``VoiceResponse``/``MessagingResponse``.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from app.db import utcnow
from app.extensions import csrf
from app.text import strip_unsafe
from contact_center.phone import services

log = logging.getLogger("presidio.phone")

bp = Blueprint("phone_hooks", __name__, url_prefix="/contact-center/twilio")
csrf.exempt(bp)

LANG = "it-IT"
VOICE = "Polly.Bianca"  # an Italian voice; Twilio falls back to its default one if unavailable


def signed_url() -> str:
    """The URL Twilio signed: the public base URL, this path and the query string."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def twilio_webhook(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        if not token:
            return Response("Twilio non configurato", status=503, mimetype="text/plain")
        signature = request.headers.get("X-Twilio-Signature", "")
        params = request.form.to_dict(flat=True) if request.mimetype != "application/json" else {}
        if not signature or not RequestValidator(token).validate(signed_url(), params, signature):
            log.warning("twilio signature refused for %s", request.path)
            return Response("firma Twilio non valida", status=403, mimetype="text/plain")
        return view(*args, **kwargs)

    return wrapped


def twiml(response: Any) -> Response:
    return Response(str(response), mimetype="application/xml")


def url(path: str, **query: Any) -> str:
    from urllib.parse import urlencode

    full = services.public_url(f"/contact-center/twilio{path}")
    return full + (f"?{urlencode(query)}" if query else "")


_SID = re.compile(r"[A-Za-z0-9]{1,64}")


def twilio_form() -> dict[str, str]:
    """The webhook's fields as text safe to store: the one edge for Twilio input. NUL bytes, unpaired
    surrogates and other control characters go; a ``…Sid`` that is not a Twilio id is refused (400)."""
    form = {strip_unsafe(k): strip_unsafe(v) for k, v in request.form.items()}
    for key, value in form.items():
        if key.endswith("Sid") and value and not _SID.fullmatch(value):
            abort(400)
    return form


def _int(name: str) -> int | None:
    """A count of seconds from Twilio; anything else (not a number, negative, absurd) is None."""
    value = (request.form.get(name) or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return int(value)


def say(target: Any, text: str) -> None:
    target.say(text, language=LANG, voice=VOICE)


def center_name() -> str:
    return current_app.config.get("PHONE_GREETING_NAME") or "Centro di Competenza sulla Digitalizzazione"


def voicemail(response: VoiceResponse, *, closed: bool) -> VoiceResponse:
    if closed:
        say(
            response,
            "Il centro è ora chiuso. Siamo a disposizione dal lunedì al venerdì, "
            "dalle 8 e 30 alle 13 e 30 e dalle 14 e 30 alle 17 e 30.",
        )
    else:
        say(response, "In questo momento tutti gli operatori sono occupati.")
    say(
        response,
        "Lasci un messaggio dopo il segnale acustico, indicando il suo nome, l'ente e un recapito: "
        "la richiameremo al più presto. Al termine può riagganciare.",
    )
    response.record(
        action=url("/voice/recording"),
        method="POST",
        max_length=180,
        timeout=5,
        play_beep=True,
        finish_on_key="#",
        transcribe=True,
        transcribe_callback=url("/voice/recording"),
        recording_status_callback=url("/voice/recording"),
        recording_status_callback_event="completed",
    )
    say(response, "Non abbiamo ricevuto alcun messaggio. Arrivederci.")
    response.hangup()
    return response


def route_to_operators(response: VoiceResponse) -> VoiceResponse:
    """Inside business hours: the operators' phones (``<Dial>``) or the queue (``<Enqueue>``)."""
    mode = current_app.config.get("PHONE_ROUTING", "dial")
    if mode == "enqueue":
        say(response, "La stiamo mettendo in contatto con il primo operatore disponibile.")
        response.enqueue(
            current_app.config.get("PHONE_QUEUE_NAME", "operatori"),
            action=url("/voice/after-dial"),
            method="POST",
        )
        return response
    numbers, identities = services.operator_targets()
    if not numbers and not identities:
        return voicemail(response, closed=False)
    say(response, "La stiamo mettendo in contatto con un operatore. Attenda in linea.")
    dial = Dial(
        action=url("/voice/after-dial"),
        method="POST",
        timeout=int(current_app.config.get("PHONE_DIAL_TIMEOUT", 25)),
        caller_id=twilio_form().get("From") or None,
        answer_on_bridge=True,
    )
    for number in numbers:
        dial.number(number)
    for identity in identities:
        dial.client(identity)
    response.append(dial)
    return response


def menu(response: VoiceResponse, *, retry: bool = False) -> VoiceResponse:
    options = services.menu_options()
    if not options:
        return route_to_operators(response)
    gather = Gather(
        num_digits=1, action=url("/voice/menu"), method="POST", timeout=6, language=LANG, input="dtmf speech"
    )
    if retry:
        say(gather, "Scelta non valida.")
    for option in options:
        say(gather, f"Per {option.label}, prema {option.digit}.")
    say(gather, "Per parlare con un operatore, resti in linea.")
    response.append(gather)
    response.redirect(url("/voice/menu"), method="POST")  # no choice: straight to the operators
    return response


@bp.route("/voice", methods=["POST"])
@twilio_webhook
def voice():
    from tickets.services import is_business_time

    open_now = is_business_time(utcnow())
    form = twilio_form()
    if form.get("CallSid"):
        services.start_inbound_call(
            call_sid=form["CallSid"],
            from_number=form.get("From", ""),
            to_number=form.get("To", ""),
            after_hours=not open_now,
            payload=dict(form),
        )
    response = VoiceResponse()
    say(response, f"Benvenuti nel servizio di assistenza del {center_name()}.")
    if not open_now:
        return twiml(voicemail(response, closed=True))
    return twiml(menu(response))


@bp.route("/voice/menu", methods=["POST"])
@twilio_webhook
def voice_menu():
    form = twilio_form()
    digit = form.get("Digits") or ""
    if not digit and form.get("SpeechResult"):
        digit = "".join(ch for ch in form["SpeechResult"] if ch.isdigit())[:1]
    _call, option = services.record_menu_choice(call_sid=form.get("CallSid", ""), digit=digit)
    response = VoiceResponse()
    if digit and option is None and request.args.get("retry") != "1":
        return twiml(menu(response, retry=True))
    return twiml(route_to_operators(response))


@bp.route("/voice/after-dial", methods=["POST"])
@twilio_webhook
def voice_after_dial():
    form = twilio_form()
    status = form.get("DialCallStatus") or form.get("QueueResult")
    answered = services.record_dial_result(
        call_sid=form.get("CallSid", ""),
        dial_status=status,
        dial_seconds=_int("DialCallDuration"),
        queue_seconds=_int("QueueTime"),
    )
    response = VoiceResponse()
    if answered:
        response.hangup()
        return twiml(response)
    return twiml(voicemail(response, closed=False))


@bp.route("/voice/status", methods=["POST"])
@twilio_webhook
def voice_status():
    form = twilio_form()
    if not form.get("CallSid") or not form.get("CallStatus"):
        abort(400)
    services.record_call_status(
        call_sid=form["CallSid"],
        status=form["CallStatus"],
        duration=_int("CallDuration"),
        payload=dict(form),
    )
    return Response(status=204)


@bp.route("/voice/recording", methods=["POST"])
@twilio_webhook
def voice_recording():
    form = twilio_form()
    call_sid = form.get("CallSid", "")
    if form.get("TranscriptionSid"):
        services.record_transcription(
            call_sid=call_sid,
            transcription_sid=form["TranscriptionSid"],
            text=form.get("TranscriptionText"),
            status=form.get("TranscriptionStatus"),
            recording_sid=form.get("RecordingSid"),
            recording_url=form.get("RecordingUrl"),
            payload=dict(form),
        )
    elif form.get("RecordingSid"):
        services.record_recording(
            call_sid=call_sid,
            recording_sid=form["RecordingSid"],
            recording_url=form.get("RecordingUrl", ""),
            duration=_int("RecordingDuration"),
            status=form.get("RecordingStatus"),
            payload=dict(form),
        )
    else:
        abort(400)
    response = VoiceResponse()
    if not form.get("RecordingStatus") and not form.get("TranscriptionSid"):
        say(response, "Grazie, il suo messaggio è stato registrato. Arrivederci.")
        response.hangup()
    return twiml(response)


@bp.route("/sms", methods=["POST"])
@twilio_webhook
def sms():
    form = twilio_form()
    if not form.get("MessageSid"):
        abort(400)
    stored, created = services.receive_sms(
        message_sid=form["MessageSid"],
        from_number=form.get("From", ""),
        to_number=form.get("To", ""),
        body=form.get("Body", ""),
        payload=dict(form),
    )
    response = MessagingResponse()
    if not created:
        return twiml(response)  # a retry: acknowledged once already
    stored = services.process_sms(sms_id=stored.id)  # one that cannot be filed waits in quarantine
    if stored.error:
        response.message("Grazie, abbiamo ricevuto il suo messaggio.")
        return twiml(response)
    keyword = (stored.meta or {}).get("keyword")
    if keyword == "stop":
        response.message("Non riceverà più SMS dal centro di assistenza. Per riattivarli risponda START.")
    elif keyword == "start":
        response.message("SMS dal centro di assistenza riattivati. Per disattivarli risponda STOP.")
    elif services.is_opted_out(stored.counterpart_number):
        pass  # asked for no SMS: no acknowledgement either
    elif stored.ticket_id:
        from tickets.services import get_ticket

        ticket = get_ticket(stored.ticket_id)
        number = ticket.number if ticket is not None else ""
        response.message(f"Grazie, il suo messaggio è stato aggiunto alla richiesta {number}.")
    else:
        response.message("Grazie, abbiamo ricevuto il suo messaggio: un operatore la ricontatterà al più presto.")
    return twiml(response)


@bp.route("/sms/status", methods=["POST"])
@twilio_webhook
def sms_status():
    form = twilio_form()
    if not form.get("MessageSid") or not (form.get("MessageStatus") or form.get("SmsStatus")):
        abort(400)
    services.record_sms_status(
        message_sid=form["MessageSid"],
        status=form.get("MessageStatus") or form.get("SmsStatus", ""),
        error_code=form.get("ErrorCode"),
        payload=dict(form),
    )
    return Response(status=204)
