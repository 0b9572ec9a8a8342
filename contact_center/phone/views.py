"""The operator's call console: live calls, the call screen, the callback worklist, the call log,
SMS, click-to-call and the voice menu (admins). The ente's 360° page part is in ``panels``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.permissions import can, permission_required
from app.routing import safe_redirect_target
from app.storage import send_download
from contact_center import sources
from contact_center.phone import forms, services
from contact_center.phone.models import Call, CallOutcome, SmsMessage
from contact_center.web import flash_domain_errors, page_or_400

bp = Blueprint("phone", __name__, url_prefix="/contact-center/telefono")

OUTCOME_LABELS = dict(forms.OUTCOMES)


def local_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Rome"))


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=local_tz()).astimezone(dt.UTC)


@bp.app_template_filter("phone_time")
def phone_time(value: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return value.astimezone(local_tz()).strftime(fmt) if value else ""


@bp.app_template_filter("seconds")
def seconds(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value // 60}:{value % 60:02d}"


def ticket_url(ticket_id: int | None) -> str | None:
    """The ticket page (None when the tickets module is not installed)."""
    if not ticket_id or "tickets.detail" not in current_app.view_functions:
        return None
    return url_for("tickets.detail", ticket_id=ticket_id)


def org_url(org_id: int | None) -> str | None:
    if not org_id or "crm.organization_detail" not in current_app.view_functions:
        return None
    return url_for("crm.organization_detail", organization_id=org_id)


def organizations() -> list[Any]:
    """Active enti for the pickers, by name."""
    return sources.organization_choices(active=True)


def org_names_for(*groups: Any) -> dict[int, str]:
    """Names of the enti of the calls/SMS shown (not every ente)."""
    return sources.organization_names({o.organization_id for group in groups for o in group if o.organization_id})


def contacts_of(org_id: int | None) -> list[Any]:
    if not org_id:
        return []
    contacts = sources.contacts_of(org_id)
    return sorted(((c.id, c.name, c.phone) for c in contacts if c.active), key=lambda c: c[1])


def call_context(call: Call) -> dict[str, Any]:
    """Who is calling: ente, contact, convenzione and SLA tier, open tickets."""
    from crm.services import active_agreement, get_contact, get_organization

    org = get_organization(call.organization_id) if call.organization_id else None
    contact = get_contact(call.contact_id) if call.contact_id else None
    agreement = active_agreement(org.id) if org else None
    open_tickets = services.open_tickets_for(organization_id=call.organization_id, limit=20) if org else []
    item_url, item_ticket_id = None, None
    if call.inbound_item_id:
        from contact_center.intake import get_item

        item_ticket_id = get_item(call.inbound_item_id).ticket_id
        item_url = url_for("contact_center.item_detail", item_id=call.inbound_item_id)
    return {
        "item_url": item_url,
        "item_ticket_id": item_ticket_id,
        "org": org,
        "contact": contact,
        "agreement": agreement,
        "sla_tier": agreement.sla_tier if agreement else None,
        "open_tickets": open_tickets,
        "ticket_url": ticket_url,
        "org_url": org_url(org.id) if org else None,
    }


def _back_to_call(call_id: int, **_kw: Any) -> Any:
    return redirect(url_for("phone.call_detail", call_id=call_id))


# --- console -----------------------------------------------------------------------------------


@bp.route("/")
@permission_required("phone.console")
def console():
    today = local_midnight(dt.datetime.now(local_tz()).date())
    live, calls = services.live_calls(), services.todays_calls(since=today)
    callbacks = services.callback_worklist(limit=50)
    return render_template(
        "contact_center/phone/console.html",
        live=live,
        calls=calls,
        callbacks=callbacks,
        labels=OUTCOME_LABELS,
        caller_label=services.caller_label,
        org_names=org_names_for(live, calls, callbacks),
        twilio=services.twilio_configured(),
    )


@bp.route("/in-corso")
@permission_required("phone.console")
def live_fragment():
    """The live part of the console, refreshed by app/static/js/phone-console.js."""
    today = local_midnight(dt.datetime.now(local_tz()).date())
    live, calls = services.live_calls(), services.todays_calls(since=today)
    return render_template(
        "contact_center/phone/_live.html",
        live=live,
        calls=calls,
        labels=OUTCOME_LABELS,
        caller_label=services.caller_label,
        org_names=org_names_for(live, calls),
    )


@bp.route("/chiamate/<int:call_id>", methods=["GET", "POST"])
@permission_required("phone.console")
@flash_domain_errors(_back_to_call)
def call_detail(call_id: int):
    call = services.get_call(call_id)
    orgs = organizations()
    notes_form = forms.CallNotesForm(prefix="n", obj=None)
    notes_form.organization_id.choices = [(None, _("— sconosciuto —"))] + list(orgs)
    notes_form.contact_id.choices = [(None, _("— nessuno —"))] + [
        (cid, f"{name} ({phone or '—'})") for cid, name, phone in contacts_of(call.organization_id)
    ]
    if notes_form.validate_on_submit():
        services.update_call(
            call_id=call.id,
            actor=current_user,
            notes=notes_form.notes.data or "",
            outcome=notes_form.outcome.data,
            organization_id=notes_form.organization_id.data,
            contact_id=notes_form.contact_id.data,
        )
        flash(_("Chiamata aggiornata."), "success")
        return redirect(url_for("phone.call_detail", call_id=call.id))
    elif request.method == "GET":
        notes_form.organization_id.data = call.organization_id
        notes_form.contact_id.data = call.contact_id
        notes_form.outcome.data = call.outcome.value
        notes_form.notes.data = call.notes
    ctx = call_context(call)
    ticket_form = forms.TicketFromCallForm(prefix="t", formdata=None)
    ticket_form.service_id.choices = _service_choices()
    ticket_form.notes.data = call.notes
    if ctx["contact"] is not None:
        ticket_form.subject.data = _("Telefonata di %(name)s", name=ctx["contact"].name)
    attach_form = forms.AttachCallForm(prefix="a", formdata=None)
    attach_form.ticket_id.choices = [(t.id, f"{t.number} — {t.subject}") for t in ctx["open_tickets"]]
    attach_form.notes.data = call.notes
    return render_template(
        "contact_center/phone/call.html",
        call=call,
        notes_form=notes_form,
        ticket_form=ticket_form,
        attach_form=attach_form,
        labels=OUTCOME_LABELS,
        caller_label=services.caller_label(call),
        **ctx,
    )


def _service_choices() -> list[tuple[Any, str]]:
    from crm.services import list_services

    return [(None, _("— da definire —"))] + [(s.id, s.name) for s in list_services()]


@bp.route("/chiamate/<int:call_id>/richiesta", methods=["POST"])
@permission_required("phone.console")
@flash_domain_errors(_back_to_call)
def call_to_ticket(call_id: int):
    call = services.get_call(call_id)
    form = forms.TicketFromCallForm(prefix="t")
    form.service_id.choices = _service_choices()
    if not form.validate_on_submit():
        flash(_("Indicare l'oggetto della richiesta."), "error")
        return redirect(url_for("phone.call_detail", call_id=call.id))
    ticket = services.ticket_from_call(
        call_id=call.id,
        actor=current_user,
        subject=form.subject.data,
        notes=form.notes.data or "",
        service_id=form.service_id.data,
        priority=form.priority.data,
    )
    flash(_("Richiesta %(number)s aperta dalla chiamata.", number=ticket.number), "success")
    return redirect(url_for("phone.call_detail", call_id=call.id))


@bp.route("/chiamate/<int:call_id>/collega", methods=["POST"])
@permission_required("phone.console")
@flash_domain_errors(_back_to_call)
def call_attach(call_id: int):
    call = services.get_call(call_id)
    form = forms.AttachCallForm(prefix="a")
    form.ticket_id.choices = [
        (t.id, t.number) for t in services.open_tickets_for(organization_id=call.organization_id, limit=20)
    ]
    if not form.validate_on_submit():
        flash(_("Scegliere una richiesta aperta."), "error")
        return redirect(url_for("phone.call_detail", call_id=call.id))
    services.add_call_to_ticket(
        call_id=call.id,
        ticket_id=form.ticket_id.data,
        actor=current_user,
        notes=form.notes.data or "",
        internal=not form.public.data,
    )
    flash(_("Chiamata aggiunta alla richiesta."), "success")
    return redirect(url_for("phone.call_detail", call_id=call.id))


@bp.route("/chiamate/<int:call_id>/gestita", methods=["POST"])
@permission_required("phone.console")
def call_handled(call_id: int):
    from app.auth.forms import EmptyForm

    if not EmptyForm().validate_on_submit():
        abort(400)
    services.mark_handled(call_id=call_id, actor=current_user)
    flash(_("Chiamata tolta dall'elenco da richiamare."), "success")
    return redirect(safe_redirect_target(request.form.get("next")) or url_for("phone.call_detail", call_id=call_id))


@bp.route("/chiamate/<int:call_id>/registrazione")
@permission_required("phone.console")
def call_recording(call_id: int):
    from tickets.services import attachment_key

    call = services.get_call(call_id)
    if not call.recording_stored_sha256:
        abort(404)
    return send_download(
        attachment_key(call.recording_stored_sha256),
        mimetype="audio/mpeg",
        filename=f"segreteria-{call.id}.mp3",
        as_attachment=False,
    )


@bp.route("/chiamate/nuova", methods=["GET", "POST"])
@permission_required("phone.console")
def call_new():
    form = forms.ManualCallForm()
    form.organization_id.choices = [(None, _("— riconosci dal numero —"))] + organizations()
    if request.method == "GET":
        form.number.data = request.args.get("numero", "")
        form.started_at.data = dt.datetime.now(local_tz()).replace(second=0, microsecond=0, tzinfo=None)
    if form.validate_on_submit():
        started = form.started_at.data.replace(tzinfo=local_tz()).astimezone(dt.UTC) if form.started_at.data else None
        fields = {
            "number": form.number.data or None,
            "direction": form.direction.data,
            "started_at": started,
            "duration_seconds": (form.duration_minutes.data or 0) * 60 if form.duration_minutes.data else None,
            "outcome": form.outcome.data,
            "organization_id": form.organization_id.data,
        }
        problems = services.manual_call_problems(**fields)
        if not problems:
            call = services.log_manual_call(actor=current_user, notes=form.notes.data or "", **fields)
            flash(_("Chiamata registrata."), "success")
            return redirect(url_for("phone.call_detail", call_id=call.id))
        for name, messages in problems.items():
            target = {"duration_seconds": "duration_minutes"}.get(name, name)
            if hasattr(form, target):
                getattr(form, target).errors = list(getattr(form, target).errors) + list(messages)
        flash(_("Dati della chiamata non validi."), "error")
    status = 422 if form.errors else 200
    return render_template("contact_center/phone/call_new.html", form=form), status


@bp.route("/registro")
@permission_required("phone.console")
def call_log():
    form = forms.CallFilterForm(request.args)
    orgs = organizations()
    form.organization_id.choices = [(None, _("Tutti"))] + list(orgs)
    if not form.validate():
        return render_template(
            "contact_center/phone/log.html",
            form=form,
            calls=[],
            next_url=None,
            labels=OUTCOME_LABELS,
            caller_label=services.caller_label,
            org_names={},
        ), 422
    stmt = services.call_filters(
        sa.select(Call),
        outcome=form.outcome.data or None,
        direction=form.direction.data or None,
        organization_id=form.organization_id.data,
        callback=True if form.callback.data else None,
        number=form.number.data or None,
        since=local_midnight(form.since.data) if form.since.data else None,
        until=local_midnight(form.until.data + dt.timedelta(days=1)) if form.until.data else None,
    )
    calls, next_cursor = page_or_400(stmt, [Call.started_at, Call.id], limit=50, cursor=request.args.get("cursor"))
    next_url = None
    if next_cursor:
        args = request.args.to_dict()
        args["cursor"] = next_cursor
        next_url = url_for("phone.call_log", **args)
    return render_template(
        "contact_center/phone/log.html",
        form=form,
        calls=calls,
        next_url=next_url,
        labels=OUTCOME_LABELS,
        caller_label=services.caller_label,
        org_names=org_names_for(calls),
    )


# --- SMS and click-to-call ---------------------------------------------------------------------


def _back_to_sms(**_kw: Any) -> Any:
    return redirect(url_for("phone.sms_list"))


@bp.route("/sms", methods=["GET", "POST"])
@permission_required("phone.console")
@flash_domain_errors(_back_to_sms)
def sms_list():
    form = forms.SmsForm()
    if request.method == "GET":
        form.ticket_id.data = request.args.get("ticket_id", type=int)
        form.to.data = request.args.get("numero", "")
    if request.method == "POST":
        if not can(current_user, "phone.call"):
            abort(403)
        if form.validate_on_submit():
            services.send_sms(
                actor=current_user,
                to_number=form.to.data or None,
                body=form.body.data,
                ticket_id=form.ticket_id.data,
            )
            flash(_("SMS in invio."), "success")
            return redirect(url_for("phone.sms_list"))
    messages, next_cursor = page_or_400(
        sa.select(SmsMessage), [SmsMessage.created_at, SmsMessage.id], limit=50, cursor=request.args.get("cursor")
    )
    next_url = url_for("phone.sms_list", cursor=next_cursor) if next_cursor else None
    return render_template(
        "contact_center/phone/sms.html",
        form=form,
        messages=messages,
        next_url=next_url,
        caller_label=services.caller_label,
        org_names=org_names_for(messages),
        ticket_url=ticket_url,
    ), (422 if form.errors else 200)


def _back_to_new_call(**_kw: Any) -> Any:
    return redirect(url_for("phone.call_new", numero=request.form.get("to", "")))


@bp.route("/chiama", methods=["POST"])
@permission_required("phone.call")
@flash_domain_errors(_back_to_new_call)
def click_to_call():
    form = forms.ClickToCallForm()
    if not form.validate_on_submit():
        flash(_("Numero da chiamare mancante."), "error")
        return redirect(url_for("phone.console"))
    call = services.click_to_call(
        actor=current_user, to_number=form.to.data, contact_id=form.contact_id.data, ticket_id=form.ticket_id.data
    )
    flash(_("Chiamata in corso: squillerà il suo telefono."), "success")
    return redirect(url_for("phone.call_detail", call_id=call.id))


# --- voice menu (admins) -----------------------------------------------------------------------


@bp.route("/menu", methods=["GET", "POST"])
@permission_required("phone.admin")
def menu_admin():
    form = forms.MenuOptionForm()
    form.service_id.choices = [(None, _("— nessuno —"))] + [(s.id, s.name) for s in services_list()]
    if form.validate_on_submit():
        services.save_menu_option(
            digit=form.digit.data,
            label=form.label.data,
            service_id=form.service_id.data,
            active=bool(form.active.data),
            actor=current_user,
        )
        flash(_("Voce del menu salvata."), "success")
        return redirect(url_for("phone.menu_admin"))
    return render_template(
        "contact_center/phone/menu.html",
        form=form,
        options=services.menu_options(active_only=False),
        service_names={s.id: s.name for s in services_list()},
        twilio=services.twilio_configured(),
        twilio_number=current_app.config.get("TWILIO_NUMBER"),
        hooks={
            "voice": services.public_url("/contact-center/twilio/voice"),
            "status": services.public_url("/contact-center/twilio/voice/status"),
            "sms": services.public_url("/contact-center/twilio/sms"),
        },
    ), (422 if form.errors else 200)


@bp.route("/menu/<int:option_id>/elimina", methods=["POST"])
@permission_required("phone.admin")
def menu_delete(option_id: int):
    from app.auth.forms import EmptyForm

    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_menu_option(option_id=option_id, actor=current_user)
    flash(_("Voce del menu eliminata."), "success")
    return redirect(url_for("phone.menu_admin"))


def services_list():
    from crm.services import list_services

    return list_services()


# --- the ente's 360° timeline ------------------------------------------------------------------


__all__ = ["bp", "CallOutcome"]
