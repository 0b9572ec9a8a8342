"""Web pages of the SLA part: policies and calendars (admin), tickets at risk, compliance and time
reports, and the SLA + time-spent block of a ticket."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import can, org_scope, permission_required
from app.db import local_today
from app.errors import DomainError, Invalid
from app.exports import csv_text
from app.flashing import flashes_errors, submit
from app.replica import reads_replica
from app.routing import safe_redirect_target
from tickets.models import SlaState, Ticket
from tickets.sla import admin, pages, reports, time_entries
from tickets.sla.engine import DEFAULT_TARGETS, sla_info
from tickets.sla.filters import ATTENTION, SLA_STATES
from tickets.sla.forms import WEEKDAY_LABELS, CalendarForm, ClosureForm, EmptyForm, PolicyForm, TimeEntryForm

bp = Blueprint("tickets_sla", __name__, url_prefix="/ticket/sla")


def _apply_errors(form: Any, exc: DomainError, fallback: str) -> None:
    for field, messages in (exc.fields or {fallback: [exc.message]}).items():
        target = getattr(form, field.replace(".", "_"), None) or getattr(form, fallback)
        target.errors = list(target.errors) + list(messages)


def _flash_message(exc: DomainError) -> None:
    flash(exc.message, "danger")


def _flash_fields(exc: DomainError) -> None:
    flash(" ".join(m for ms in (exc.fields or {}).values() for m in ms) or exc.message, "danger")


def _calendar_page(calendar_id: int, **_kwargs: Any) -> str:
    return url_for("tickets_sla.calendar_edit", calendar_id=calendar_id)


def _back_to_ticket(ticket_id: int, **_kwargs: Any) -> str:
    """Where a time entry form goes back to: its ``next`` (a local page) or the ticket's SLA page."""
    return safe_redirect_target(request.form.get("next")) or url_for("tickets_sla.ticket_page", ticket_id=ticket_id)


# --- admin: policies and calendars ------------------------------------------------------------


@bp.route("/")
@login_required
@permission_required("tickets.sla.admin")
def settings():
    return render_template(
        "tickets/sla/settings.html",
        policies=admin.list_policies(),
        calendars=admin.list_calendars(),
        defaults=DEFAULT_TARGETS,
        calendar_names={c.id: c.name for c in admin.list_calendars()},
        delete_form=EmptyForm(),
    )


def _calendar_choices() -> list[tuple[str, str]]:
    return [("", _("Predefinito del centro"))] + [(str(c.id), c.name) for c in admin.list_calendars()]


@bp.route("/politiche/nuova", methods=["GET", "POST"])
@bp.route("/politiche/<int:policy_id>", methods=["GET", "POST"])
@login_required
@permission_required("tickets.sla.admin")
def policy_edit(policy_id: int | None = None):
    row = admin.get_policy(policy_id) if policy_id is not None else None
    form = PolicyForm(obj=row)
    form.calendar_id.choices = _calendar_choices()
    if request.method == "GET" and row is not None:
        form.priority.data = row.priority.value if row.priority else ""
        form.calendar_id.data = str(row.calendar_id or "")
    if form.validate_on_submit():
        saved = submit(
            None,
            admin.save_policy,
            catch=(Invalid,),
            report=lambda exc: _apply_errors(form, exc, "name"),
            actor=current_user,
            policy_id=policy_id,
            name=form.name.data,
            priority=form.priority.data or None,
            tier=form.tier.data or None,
            first_response_minutes=form.first_response_minutes.data,
            resolution_minutes=form.resolution_minutes.data,
            calendar_id=int(form.calendar_id.data) if form.calendar_id.data else None,
            escalation_email=form.escalation_email.data or None,
            active=form.active.data,
        )
        if saved is not None:
            flash(_("Politica SLA salvata: le scadenze delle richieste aperte sono state ricalcolate."), "success")
            return redirect(url_for("tickets_sla.settings"))
    status = 422 if form.errors else 200
    return render_template("tickets/sla/policy_form.html", form=form, row=row), status


@bp.route("/politiche/<int:policy_id>/elimina", methods=["POST"])
@login_required
@permission_required("tickets.sla.admin")
def policy_delete(policy_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    admin.delete_policy(actor=current_user, policy_id=policy_id)
    flash(_("Politica SLA eliminata."), "success")
    return redirect(url_for("tickets_sla.settings"))


@bp.route("/calendari/nuovo", methods=["GET", "POST"])
@bp.route("/calendari/<int:calendar_id>", methods=["GET", "POST"])
@login_required
@permission_required("tickets.sla.admin")
def calendar_edit(calendar_id: int | None = None):
    row = admin.get_calendar(calendar_id) if calendar_id is not None else None
    form = CalendarForm(obj=row)
    if request.method == "GET":
        if row is not None:
            for day, text in admin.calendar_hours(row.id).items():
                getattr(form, f"hours_{day}").data = text
        else:
            for day in range(5):
                getattr(form, f"hours_{day}").data = "08:30-13:30, 14:30-17:30"
    if form.validate_on_submit():
        saved = submit(
            None,
            admin.save_calendar,
            catch=(Invalid,),
            report=lambda exc: _apply_errors(form, exc, "name"),
            actor=current_user,
            calendar_id=calendar_id,
            name=form.name.data,
            timezone=form.timezone.data,
            holiday_subdiv=form.holiday_subdiv.data,
            national_holidays=form.national_holidays.data,
            is_default=form.is_default.data,
            hours={d: getattr(form, f"hours_{d}").data or "" for d in range(7)},
        )
        if saved is not None:
            flash(_("Calendario salvato: le scadenze delle richieste aperte sono state ricalcolate."), "success")
            return redirect(url_for("tickets_sla.calendar_edit", calendar_id=saved.id))
    status = 422 if form.errors else 200
    preview = []
    if row is not None:
        from flask_babel import get_locale

        from tickets.sla.calendar import holiday_language
        from tickets.sla.engine import load_calendar

        cal = load_calendar(row.id)
        today = local_today()
        for offset in range(0, 366):
            when = today + dt.timedelta(days=offset)
            reason = cal.closed_reason(when, holiday_language(str(get_locale())))
            if reason and cal.hours.get(when.weekday()):
                preview.append((when, reason))
            if len(preview) >= 12:
                break
    return (
        render_template(
            "tickets/sla/calendar_form.html",
            form=form,
            row=row,
            weekdays=WEEKDAY_LABELS,
            closures=admin.list_closures(row.id) if row else [],
            closure_form=ClosureForm(),
            delete_form=EmptyForm(),
            preview=preview,
        ),
        status,
    )


@bp.route("/calendari/<int:calendar_id>/elimina", methods=["POST"])
@login_required
@permission_required("tickets.sla.admin")
@flashes_errors(_calendar_page, report=_flash_message)
def calendar_delete(calendar_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    admin.delete_calendar(actor=current_user, calendar_id=calendar_id)
    flash(_("Calendario eliminato."), "success")
    return redirect(url_for("tickets_sla.settings"))


@bp.route("/calendari/<int:calendar_id>/chiusure", methods=["POST"])
@login_required
@permission_required("tickets.sla.admin")
@flashes_errors(_calendar_page, catch=(Invalid,), report=_flash_fields)
def closure_add(calendar_id: int):
    form = ClosureForm()
    if form.validate_on_submit():
        admin.add_closure(
            actor=current_user,
            calendar_id=calendar_id,
            day=form.day.data,
            name=form.name.data or "",
            yearly=form.yearly.data,
        )
        flash(_("Giorno di chiusura aggiunto."), "success")
    else:
        flash(_("Indica un giorno valido."), "danger")
    return redirect(url_for("tickets_sla.calendar_edit", calendar_id=calendar_id))


@bp.route("/chiusure/<int:closure_id>/elimina", methods=["POST"])
@login_required
@permission_required("tickets.sla.admin")
def closure_delete(closure_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    calendar_id = admin.delete_closure(actor=current_user, closure_id=closure_id)
    flash(_("Giorno di chiusura eliminato."), "success")
    return redirect(url_for("tickets_sla.calendar_edit", calendar_id=calendar_id))


# --- operators: tickets at risk -----------------------------------------------------------------


@bp.route("/rischio")
@login_required
@permission_required("tickets.work")
def at_risk():
    value = request.args.get("sla") or ATTENTION
    tickets = pages.tickets_at_risk(value=value, actor=current_user)
    return render_template("tickets/sla/at_risk.html", tickets=tickets, value=value, states=SLA_STATES)


# --- reports ------------------------------------------------------------------------------------


def _period_args() -> tuple[int, int | None]:
    return pages.parse_period(request.args, today=local_today())


@bp.route("/report")
@login_required
@permission_required("tickets.sla.report")
@reads_replica
def report():
    year, month = _period_args()
    group = request.args.get("group", "organization")
    if group not in reports.GROUPS:
        abort(400)
    data = reports.compliance_report(year=year, month=month, group=group)
    return render_template("tickets/sla/report.html", report=data, year=year, month=month, group=group)


@bp.route("/report.csv")
@login_required
@permission_required("tickets.sla.report")
@reads_replica
def report_csv():
    year, month = _period_args()
    group = request.args.get("group", "organization")
    if group not in reports.GROUPS:
        abort(400)
    data = reports.compliance_report(year=year, month=month, group=group)
    name = f"sla-{year}{f'-{month:02d}' if month else ''}-{group}.csv"
    return Response(
        reports.report_csv(data),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/tempo")
@login_required
@permission_required("tickets.sla.report")
@reads_replica
def time_report():
    year, month = _period_args()
    rows = time_entries.time_totals_by_org(year, month)
    if request.args.get("format") == "csv":
        columns = ["organization_id", "organization", "tickets", "minutes", "billable_minutes", "non_billable_minutes"]
        name = f"tempo-{year}{f'-{month:02d}' if month else ''}.csv"
        return Response(
            csv_text(columns, [[r[c] for c in columns] for r in rows]),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return render_template("tickets/sla/time_report.html", rows=rows, year=year, month=month)


# --- one ticket: SLA and time spent --------------------------------------------------------------


def _visible_ticket(ticket_id: int) -> Ticket:
    return pages.visible_ticket(ticket_id=ticket_id, actor=current_user)


def ticket_detail_url(ticket: Ticket) -> str:
    """The tickets module's page of the ticket when it has one, else this module's SLA page."""
    for endpoint in ("tickets.detail", "tickets.ticket_detail"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, ticket_id=ticket.id)
    return url_for("tickets_sla.ticket_page", ticket_id=ticket.id)


@bp.route("/richiesta/<int:ticket_id>")
@login_required
@permission_required("tickets.time.read")
def ticket_page(ticket_id: int):
    ticket = _visible_ticket(ticket_id)
    return render_template("tickets/sla/ticket.html", ticket=ticket)


@bp.route("/richiesta/<int:ticket_id>/tempo", methods=["POST"])
@login_required
@permission_required("tickets.time.log")
@flashes_errors(_back_to_ticket, catch=(Invalid,), report=_flash_fields)
def time_add(ticket_id: int):
    ticket = _visible_ticket(ticket_id)
    form = TimeEntryForm()
    if not form.validate_on_submit():
        flash(_("Tempo non registrato: indica i minuti (da 1 a 1440)."), "danger")
        return redirect(_back_to_ticket(ticket_id=ticket.id))
    time_entries.add_time_entry(
        ticket_id=ticket.id,
        minutes=form.minutes.data,
        work_date=form.work_date.data,
        billable=form.billable.data,
        note=form.note.data or "",
        actor=current_user,
    )
    flash(_("Tempo registrato."), "success")
    return redirect(_back_to_ticket(ticket_id=ticket.id))


@bp.route("/tempo/<int:entry_id>/elimina", methods=["POST"])
@login_required
@permission_required("tickets.time.log")
def time_delete(entry_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    entry = time_entries.get_time_entry(entry_id=entry_id, actor=current_user)
    ticket_id = entry.ticket_id
    time_entries.delete_time_entry(entry_id=entry_id, actor=current_user)
    flash(_("Registrazione eliminata."), "success")
    back = safe_redirect_target(request.form.get("next")) or url_for("tickets_sla.ticket_page", ticket_id=ticket_id)
    return redirect(back)


# --- helpers for templates (the tickets module's pages include ours) -------------------------------


def _ticket_sla_context(ticket: Ticket, history: Any = None) -> dict[str, Any]:
    """``history``: the status changes the including page already read (the ticket page's timeline)."""
    return sla_info(ticket, history=history)


def _ticket_time_context(ticket: Ticket) -> dict[str, Any]:
    entries = time_entries.list_time_entries(ticket_id=ticket.id, actor=current_user)
    names = pages.user_names({e.user_id for e in entries if e.user_id})
    return {
        "entries": entries,
        "names": names,
        "totals": _totals(entries),
        "form": TimeEntryForm(formdata=None, work_date=local_today()),
        "delete_form": EmptyForm(),
        "can_log": can(current_user, "tickets.time.log"),
        "user_id": getattr(current_user, "id", None),
        "is_admin": getattr(current_user, "role", None) == "admin",
    }


def _totals(entries: list[Any]) -> dict[str, int]:
    """The ticket's time totals from its entries, already read for the list (same as ticket_time_total)."""
    total = sum(e.minutes for e in entries)
    billable = sum(e.minutes for e in entries if e.billable)
    return {"minutes": total, "billable_minutes": billable, "non_billable_minutes": total - billable}


def template_helpers() -> dict[str, Any]:
    return {
        "sla_ticket_info": _ticket_sla_context,
        "sla_time_info": _ticket_time_context,
        "sla_state_labels": SLA_STATES,
        "sla_minutes": format_minutes,
        "sla_ticket_url": ticket_detail_url,
    }


def format_minutes(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    sign = "-" if minutes < 0 else ""
    minutes = abs(int(minutes))
    hours, mins = divmod(minutes, 60)
    return f"{sign}{hours} h {mins:02d} min" if hours else f"{sign}{mins} min"


# --- the ente's 360° page -------------------------------------------------------------------------


def _org_panel(org_id: int, user: Any) -> dict[str, Any] | None:
    from app.auth.permissions import can as can_user

    if not can_user(user, "tickets.time.read") or (org_scope(user) not in (None, org_id)):
        return None
    today = local_today()
    from tickets.sla.filters import sla_counts

    report = reports.compliance_report(year=today.year, group="organization", organization_id=org_id)
    return {
        "month": time_entries.time_totals(org_id, today.year, today.month),
        "year": time_entries.time_totals(org_id, today.year),
        "counts": sla_counts(org_id),
        "compliance": report["total"],
        "year_label": today.year,
    }


def register_panels() -> None:
    from app.panels import register_org_panel

    register_org_panel("tickets_sla", "tickets/sla/_org_panel.html", _org_panel, order=40)


__all__ = ["SlaState", "bp", "ticket_detail_url"]
