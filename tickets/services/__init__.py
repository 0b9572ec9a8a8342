"""Ticket business rules. Other modules call these functions, never the tables.

Stable signatures (other packages depend on them): ``open_ticket``, ``add_message``,
``add_attachment``, ``get_ticket``, ``find_ticket_by_number``, ``billable_minutes``, ``list_teams``.
Every status change goes through ``record_status`` (the SLA clock reads the history) and every change
that can move a due time calls ``tickets.sla.apply_sla``.

Lifecycle: new → open → pending ⇄ open → resolved → closed. A reply from the requester reopens a
pending or resolved ticket; resolved tickets close by themselves after ``TICKETS_AUTOCLOSE_DAYS``;
closed is final: a new message from the requester opens a follow-up ticket linked to it.
"""

from __future__ import annotations

from tickets.services import rules  # noqa: E402,F401  (what an actor may do)
from tickets.services.access import (
    _only_own,
    attachment_for,
    find_ticket_by_number,
    get_ticket,
    ticket_for,
    visible_stmt,
    visible_ticket_ids,
)
from tickets.services.assignment import (
    UPDATABLE,
    assign,
    bulk_update,
    create_team,
    list_operators,
    list_teams,
    update_ticket,
)
from tickets.services.attachments import (
    ALLOWED_EXTENSIONS,
    DEFAULT_MAX_ATTACHMENT_BYTES,
    add_attachment,
    attach_files,
    attachment_key,
    attachment_path,
    attachments_for,
    check_upload,
    read_blob,
    store_blob,
    upload_attachment,
)
from tickets.services.canned import (
    delete_canned,
    fill_canned,
    get_canned,
    list_canned,
    placeholders,
    render_canned,
    save_canned,
)
from tickets.services.common import (
    OPEN_STATES,
    _actor_label,
    _check_refs,
    _enum,
    _int,
    _is_staff,
    _locked,
)
from tickets.services.conversation import (
    add_message,
    messages_for,
    reply,
)
from tickets.services.links import (
    _link,
    _survivor,
    link_tickets,
    linked_tickets,
    merge_tickets,
    unlink_tickets,
)
from tickets.services.macros import (
    apply_macro,
    apply_macro_bulk,
    delete_macro,
    get_macro,
    list_macros,
    save_macro,
)
from tickets.services.numbering import (
    NUMBER_PREFIX,
    _next_number_counter,
    next_number,
    number_expr,
)
from tickets.services.opening import (
    _open_lookups,
    open_ticket,
    open_with_files,
)
from tickets.services.pages import active_organizations, names_for, related, ticket_page, user_names
from tickets.services.properties import (
    TAG_RE,
    normalize_tags,
    set_ccs,
    set_tags,
    ticket_ccs,
    ticket_tags,
)
from tickets.services.search import (
    _ITALIAN_ENDINGS,
    _NUMBER_QUERY,
    FAR_FUTURE,
    FILTERS,
    SEARCH_WINDOW,
    SORTS,
    _newest_in_windows,
    dashboard_figures,
    is_text_search,
    page_tickets,
    queue_page,
    search_stmt,
    sqlite_match_query,
    text_condition,
)
from tickets.services.status import (
    DEFAULT_AUTOCLOSE_DAYS,
    TRANSITIONS,
    allowed_transitions,
    autoclose_resolved,
    change_status,
    record_status,
    status_history,
)
from tickets.services.survey import (
    rate_ticket,
    rating_summary,
    satisfaction_summary,
    survey_token,
    ticket_from_survey_token,
)
from tickets.services.time_entries import (
    _billable_in,
    billable_minutes,
    billable_minutes_by_day,
    billable_minutes_by_organization,
)
from tickets.services.workspace import (
    next_ticket_id,
    save_properties,
    touch_presence,
    upload_limits,
)

__all__ = [
    "attach_files",
    "active_organizations",
    "get_canned",
    "names_for",
    "related",
    "ticket_page",
    "user_names",
    "visible_ticket_ids",
    "open_with_files",
    "queue_page",
    "rules",
    "OPEN_STATES",
    "_enum",
    "_check_refs",
    "_actor_label",
    "_is_staff",
    "_locked",
    "_int",
    "NUMBER_PREFIX",
    "next_number",
    "number_expr",
    "_next_number_counter",
    "TAG_RE",
    "normalize_tags",
    "ticket_tags",
    "set_tags",
    "ticket_ccs",
    "set_ccs",
    "TRANSITIONS",
    "DEFAULT_AUTOCLOSE_DAYS",
    "record_status",
    "allowed_transitions",
    "change_status",
    "autoclose_resolved",
    "status_history",
    "_open_lookups",
    "open_ticket",
    "_survivor",
    "_link",
    "link_tickets",
    "unlink_tickets",
    "linked_tickets",
    "merge_tickets",
    "DEFAULT_MAX_ATTACHMENT_BYTES",
    "ALLOWED_EXTENSIONS",
    "attachments_for",
    "attachment_key",
    "attachment_path",
    "store_blob",
    "read_blob",
    "check_upload",
    "upload_attachment",
    "add_attachment",
    "UPDATABLE",
    "update_ticket",
    "assign",
    "bulk_update",
    "list_teams",
    "create_team",
    "list_operators",
    "add_message",
    "reply",
    "messages_for",
    "survey_token",
    "ticket_from_survey_token",
    "rate_ticket",
    "satisfaction_summary",
    "rating_summary",
    "list_canned",
    "save_canned",
    "delete_canned",
    "render_canned",
    "fill_canned",
    "placeholders",
    "get_ticket",
    "find_ticket_by_number",
    "visible_stmt",
    "_only_own",
    "ticket_for",
    "attachment_for",
    "FILTERS",
    "search_stmt",
    "_ITALIAN_ENDINGS",
    "sqlite_match_query",
    "_NUMBER_QUERY",
    "text_condition",
    "dashboard_figures",
    "SEARCH_WINDOW",
    "is_text_search",
    "_newest_in_windows",
    "FAR_FUTURE",
    "SORTS",
    "page_tickets",
    "billable_minutes",
    "_billable_in",
    "billable_minutes_by_organization",
    "billable_minutes_by_day",
    "save_properties",
    "touch_presence",
    "next_ticket_id",
    "upload_limits",
    "list_macros",
    "get_macro",
    "save_macro",
    "delete_macro",
    "apply_macro",
    "apply_macro_bulk",
]

from tickets.seams import is_business_time, open_tickets_of, portal_url, staff_replies_since  # noqa: E402, F401
