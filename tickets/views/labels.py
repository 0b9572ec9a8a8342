"""Labels and badges of statuses, priorities, SLA states and channels; the cells of a ticket table."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app.i18n import fmt_datetime
from app.labels import labels_of
from tickets.models import Channel, Priority, SlaState, Ticket, TicketStatus
from tickets.views.helpers import bp

# Lazy strings built once: a queue page renders hundreds of labels, one gettext each (not 21). The words
# are the enums' own (``app.labels``), keyed by plain value for the ticket table's badges.
_LABELS = {**labels_of(Channel), **labels_of(SlaState), **labels_of(Priority), **labels_of(TicketStatus)}


def status_label(value: Any) -> str:
    key = getattr(value, "value", value)
    label = _LABELS.get(key)
    return str(label) if label is not None else str(key)


@bp.app_template_filter("ticket_label")
def _ticket_label_filter(value: Any) -> str:
    return status_label(value)


BADGE_COLORS = {
    "new": "primary",
    "open": "info",
    "pending": "warning",
    "resolved": "success",
    "closed": "secondary",
    "ok": "success",
    "at_risk": "warning",
    "breached": "danger",
    "paused": "secondary",
    "met": "success",
    "low": "secondary",
    "normal": "primary",
    "high": "warning",
    "urgent": "danger",
}


class TicketRow(NamedTuple):
    """One line of a ticket table, every cell already a string (``_ticket_rows.html``)."""

    id: int
    number: str
    url: str
    subject: str
    organization: str
    status: Markup
    priority: Markup
    sla: Markup
    due: str
    assignee: str
    team: str
    updated: str
    select_label: str


@bp.app_template_global("ticket_rows")
def ticket_rows(tickets: list[Ticket], names: dict[str, dict[int, str]]) -> list[TicketRow]:
    """The cells of a ticket table in one pass. A queue page has fifty rows of ten cells: a badge macro,
    a gettext and a URL build per cell cost more than the rest of the page, so labels and badges are
    translated once per distinct value and the detail URL is built once."""
    badges: dict[Any, Markup] = {}

    def badge(value: Any) -> Markup:
        html = badges.get(value)
        if html is None:
            key = getattr(value, "value", value)
            html = badges[value] = Markup('<span class="badge bg-{}">{}</span>').format(
                BADGE_COLORS.get(key, "secondary"), status_label(key)
            )
        return html

    url_marker = 2_147_483_647
    url_head, url_tail = url_for("tickets.detail", ticket_id=url_marker).split(str(url_marker), 1)
    select = _("Seleziona %(n)s", n="\x00")
    nobody, dash = _("non assegnato"), "—"
    orgs, users, teams = names.get("org", {}), names.get("user", {}), names.get("team", {})
    rows = []
    for t in tickets:
        rows.append(
            TicketRow(
                id=t.id,
                number=t.number,
                url=f"{url_head}{t.id}{url_tail}",
                subject=t.subject,
                organization=orgs.get(t.organization_id, dash),  # type: ignore[arg-type]
                status=badge(t.status),
                priority=badge(t.priority),
                sla=badge(t.sla_state),
                due=fmt_datetime(t.resolution_due) if t.resolution_due else dash,
                assignee=users.get(t.assignee_id, nobody),  # type: ignore[arg-type]
                team=teams.get(t.team_id, "") if t.team_id else "",
                updated=fmt_datetime(t.updated_at),
                select_label=select.replace("\x00", t.number),
            )
        )
    return rows
