"""Phone and SMS business rules, one import for views, API, webhooks and jobs.

Plain functions with keyword arguments; the acting user passed in. Every Twilio callback is
idempotent on its Sid (``PhoneEvent``): Twilio retries, a retry changes nothing. The rules live in
``voice`` (Twilio's voice callbacks, voicemail), ``calls`` (the operator's side), ``sms`` (inbound
threading, STOP, outbound) and ``common`` (configuration, caller identification).
"""

from __future__ import annotations

from contact_center.phone.calls import (
    add_call_to_ticket,
    call_by_sid,
    call_filters,
    callback_worklist,
    click_to_call,
    get_call,
    live_calls,
    log_manual_call,
    manual_call_problems,
    mark_handled,
    ticket_from_call,
    todays_calls,
    update_call,
)
from contact_center.phone.common import (
    OPEN_TICKET_STATUSES,
    Caller,
    caller_label,
    identify_caller,
    open_tickets_for,
    operator_targets,
    public_url,
    twilio_configured,
)
from contact_center.phone.sms import (
    OPT_IN_WORDS,
    OPT_OUT_WORDS,
    deliver_sms,
    get_sms,
    is_opted_out,
    note_sms_failure,
    notify_requesters_by_sms,
    process_sms,
    receive_sms,
    record_sms_status,
    send_sms,
    sms_keyword,
    ticket_sms_thread,
)
from contact_center.phone.voice import (
    TERMINAL,
    delete_menu_option,
    menu_options,
    record_call_status,
    record_dial_result,
    record_menu_choice,
    record_recording,
    record_transcription,
    save_menu_option,
    start_inbound_call,
)

__all__ = [
    "OPEN_TICKET_STATUSES",
    "OPT_IN_WORDS",
    "OPT_OUT_WORDS",
    "TERMINAL",
    "Caller",
    "add_call_to_ticket",
    "call_by_sid",
    "call_filters",
    "callback_worklist",
    "caller_label",
    "click_to_call",
    "deliver_sms",
    "get_call",
    "get_sms",
    "identify_caller",
    "is_opted_out",
    "live_calls",
    "log_manual_call",
    "manual_call_problems",
    "save_menu_option",
    "delete_menu_option",
    "mark_handled",
    "menu_options",
    "note_sms_failure",
    "notify_requesters_by_sms",
    "open_tickets_for",
    "operator_targets",
    "process_sms",
    "public_url",
    "receive_sms",
    "record_call_status",
    "record_dial_result",
    "record_menu_choice",
    "record_recording",
    "record_sms_status",
    "record_transcription",
    "send_sms",
    "sms_keyword",
    "start_inbound_call",
    "ticket_from_call",
    "ticket_sms_thread",
    "todays_calls",
    "twilio_configured",
    "update_call",
]
