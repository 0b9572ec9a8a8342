"""Finance pages (ragioneria): dashboard, the annual run, invoices, notices, payments, receivables, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.api import keyset_page
from app.auth.forms import EmptyForm
from app.auth.permissions import can, check_org, org_scope, permission_required
from app.db import local_today
from app.errors import Conflict, DomainError, Invalid, NotFound
from app.extensions import db
from app.replica import reads_replica
from billing import collections, fatturapa, pagopa, services, sources
from billing.fees import fmt
from billing.forms import AssignForm, CreditNoteForm, ImportForm, LineForm, PaymentForm, RunForm, SettingsForm
from billing.models import DocumentKind, Invoice, InvoiceStatus, Payment

bp = Blueprint("billing", __name__, url_prefix="/ragioneria", static_folder="static", static_url_path="/static")

STATUS_LABELS = {
    "draft": _l("Bozza"),
    "issued": _l("Emessa"),
    "partially_paid": _l("Pagata in parte"),
    "paid": _l("Pagata"),
    "overdue": _l("Scaduta"),
    "cancelled": _l("Annullata"),
}


@bp.app_template_filter("euro")
def euro(value: Any) -> str:
    """€ 1.234,50 for people (the API keeps "1234.50")."""
    if value is None:
        return ""
    s = fmt(value)
    whole, _, cents = s.partition(".")
    neg = whole.startswith("-")
    whole = whole.lstrip("-")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{'-' if neg else ''}€ {'.'.join(groups)},{cents}"


@bp.app_context_processor
def _billing_globals() -> dict[str, Any]:
    return {"billing_status_labels": STATUS_LABELS}


def _labels() -> dict[str, str]:
    return {
        **{k: str(v) for k, v in STATUS_LABELS.items()},
        "fattura": _("Fattura"),
        "richiesta_pagamento": _("Richiesta di pagamento"),
        "invoice": _("Documento"),
        "credit_note": _("Nota di credito"),
    }


def _visible(invoice_id: int) -> Invoice:
    invoice = services.get_invoice(invoice_id)
    check_org(current_user, invoice.organization_id)
    if org_scope(current_user) is not None and invoice.status == InvoiceStatus.DRAFT:
        raise NotFound("documento non trovato")
    return invoice


# --- dashboard ----------------------------------------------------------------------------------------


@bp.route("/")
@login_required
@permission_required("billing.dashboard")
def dashboard():
    return render_template(
        "billing/dashboard.html",
        data=collections.dashboard(),
        runs=services.list_runs(limit=5),
        labels=_labels(),
    )


# --- invoices -------------------------------------------------------------------------------------------


@bp.route("/fatture")
@login_required
@permission_required("billing.read")
def invoice_list():
    args = request.args
    scope = org_scope(current_user)
    filters = {
        "status": args.get("status") if args.get("status") in STATUS_LABELS else None,
        "year": args.get("year", type=int),
        "kind": args.get("kind") if args.get("kind") in {k.value for k in DocumentKind} else None,
        "organization_id": scope or args.get("organization_id", type=int),
        "q": (args.get("q") or "").strip()[:100] or None,
        "run_id": args.get("run_id", type=int),
    }
    stmt = services.invoice_query(**filters)
    if scope is not None:
        stmt = stmt.where(Invoice.status != InvoiceStatus.DRAFT)
    try:
        invoices, cursor = keyset_page(stmt, [Invoice.id], limit=50, cursor=args.get("cursor") or None)
    except Invalid:
        invoices, cursor = keyset_page(stmt, [Invoice.id], limit=50, cursor=None)
    next_url = (
        url_for("billing.invoice_list", **{**{k: v for k, v in args.items() if k != "cursor"}, "cursor": cursor})
        if cursor
        else None
    )
    names = sources.organization_names({i.organization_id for i in invoices})
    export_args = {k: v for k, v in args.items() if k != "cursor"}
    return render_template(
        "billing/invoice_list.html",
        invoices=invoices,
        names=names,
        next_url=next_url,
        filters=filters,
        org_filter=scope is None,
        labels=_labels(),
        export_args=export_args,
        years=list(range(local_today().year + 1, local_today().year - 6, -1)),
    )


@bp.route("/fatture/<int:invoice_id>")
@login_required
@permission_required("billing.read")
def invoice_detail(invoice_id: int):
    invoice = _visible(invoice_id)
    payments = db.session.scalars(
        collections.payment_query(invoice_id=invoice.id).order_by(Payment.paid_on, Payment.id)
    ).all()
    return render_template(
        "billing/invoice_detail.html",
        invoice=invoice,
        org_name=sources.organization_names({invoice.organization_id}).get(invoice.organization_id, ""),
        payments=payments,
        reminders=collections.reminders_of(invoice.id),
        credit_notes=services.credit_notes_of(invoice.id),
        original=services.get_invoice(invoice.credit_of_id) if invoice.credit_of_id else None,
        summary=services.fees.vat_summary(invoice.lines),
        labels=_labels(),
        can_write=can(current_user, "billing.write"),
        payment_form=PaymentForm(),
        credit_form=CreditNoteForm(),
        line_form=LineForm(),
        form=EmptyForm(),
        problems=services.recipient_problems(sources.recipient(invoice.organization_id), invoice.kind)
        if invoice.status == InvoiceStatus.DRAFT
        else {},
    )


def _fail(exc: DomainError) -> None:
    details = "; ".join(m for msgs in exc.fields.values() for m in msgs) if exc.fields else ""
    flash(f"{exc.message}{': ' + details if details else ''}", "error")


@bp.route("/fatture/<int:invoice_id>/emetti", methods=["POST"])
@login_required
@permission_required("billing.write")
def invoice_issue(invoice_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    try:
        invoice = services.issue_invoice(invoice_id=invoice_id, actor=current_user)
        flash(_("Documento emesso con numero %(n)s.", n=invoice.number), "success")
    except (Invalid, Conflict) as exc:
        _fail(exc)
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/fatture/<int:invoice_id>/elimina-bozza", methods=["POST"])
@login_required
@permission_required("billing.write")
def invoice_discard(invoice_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    try:
        services.discard_draft(invoice_id=invoice_id, actor=current_user)
    except Conflict as exc:
        _fail(exc)
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))
    flash(_("Bozza eliminata."), "success")
    return redirect(url_for("billing.invoice_list"))


@bp.route("/fatture/<int:invoice_id>/riga", methods=["POST"])
@login_required
@permission_required("billing.write")
def invoice_add_line(invoice_id: int):
    form = LineForm()
    if not form.validate_on_submit():
        flash(_("Riga non valida: controlla descrizione, quantità e prezzo."), "error")
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))
    try:
        services.add_line(
            invoice_id=invoice_id,
            description=form.description.data,
            quantity=form.quantity.data,
            unit_price=form.unit_price.data,
            actor=current_user,
        )
        flash(_("Riga aggiunta."), "success")
    except (Invalid, Conflict) as exc:
        _fail(exc)
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/fatture/<int:invoice_id>/nota-di-credito", methods=["POST"])
@login_required
@permission_required("billing.write")
def invoice_credit_note(invoice_id: int):
    form = CreditNoteForm()
    if not form.validate_on_submit():
        flash(_("Indica il motivo dello storno."), "error")
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))
    try:
        note = services.create_credit_note(invoice_id=invoice_id, actor=current_user, reason=form.reason.data)
        flash(_("Emessa la nota di credito %(n)s.", n=note.number), "success")
        return redirect(url_for("billing.invoice_detail", invoice_id=note.id))
    except Conflict as exc:
        _fail(exc)
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/fatture/<int:invoice_id>/incasso", methods=["POST"])
@login_required
@permission_required("billing.write")
def invoice_payment(invoice_id: int):
    form = PaymentForm()
    if not form.validate_on_submit():
        flash(_("Incasso non valido: controlla importo e data."), "error")
        return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))
    try:
        collections.register_payment(
            invoice_id=invoice_id,
            amount=form.amount.data,
            paid_on=form.paid_on.data,
            method=form.method.data,
            reference=form.reference.data or "",
            actor=current_user,
        )
        flash(_("Incasso registrato."), "success")
    except (Invalid, Conflict) as exc:
        _fail(exc)
    return redirect(url_for("billing.invoice_detail", invoice_id=invoice_id))


@bp.route("/fatture/<int:invoice_id>/stampa")
@login_required
@permission_required("billing.read")
def invoice_print(invoice_id: int):
    invoice = _visible(invoice_id)
    return render_template(
        "billing/invoice_print.html",
        invoice=invoice,
        seller=services.seller(),
        summary=services.fees.vat_summary(invoice.lines),
        notice=services.notice_payload(invoice),
        labels=_labels(),
    )


@bp.route("/fatture/<int:invoice_id>/avviso")
@login_required
@permission_required("billing.read")
def invoice_notice(invoice_id: int):
    invoice = _visible(invoice_id)
    notice = services.notice_payload(invoice)
    if notice is None:
        raise NotFound(_("Il documento non ha un avviso pagoPA."))
    return render_template(
        "billing/notice.html",
        invoice=invoice,
        notice=notice,
        seller=services.seller(),
        qr=pagopa.qr_data_uri(notice["qr_payload"]),
    )


@bp.route("/fatture/<int:invoice_id>/fatturapa.xml")
@login_required
@permission_required("billing.read")
def invoice_xml(invoice_id: int):
    invoice = _visible(invoice_id)
    seller = services.seller()
    return Response(
        fatturapa.build(invoice, seller),
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{fatturapa.filename(invoice, seller)}"'},
    )


# --- the annual run ---------------------------------------------------------------------------------


@bp.route("/fatturazione", methods=["GET", "POST"])
@login_required
@permission_required("billing.write")
def run_page():
    form = RunForm(year=request.args.get("year", type=int) or local_today().year)
    if form.validate_on_submit():
        try:
            run = services.start_run(year=form.year.data, actor=current_user)
        except DomainError as exc:
            _fail(exc)
            return redirect(url_for("billing.run_page", year=form.year.data))
        flash(_("Fatturazione %(y)s avviata.", y=run.year), "success")
        return redirect(url_for("billing.run_detail", run_id=run.id))
    year = request.args.get("year", type=int)
    preview = None
    if year:
        try:
            preview = services.preview_run(year)
        except Invalid as exc:
            _fail(exc)
    totals = None
    if preview is not None:
        new = [r for r in preview if r.state == "new"]
        totals = {
            "count": len(new),
            "net": sum((r.fee.net_total for r in new), services.D("0")),
            "vat": sum((r.fee.vat_total for r in new), services.D("0")),
            "total": sum((r.fee.total for r in new), services.D("0")),
        }
    return render_template(
        "billing/run.html",
        form=form,
        year=year,
        preview=preview,
        totals=totals,
        runs=services.list_runs(),
        labels=_labels(),
    )


@bp.route("/fatturazione/<int:run_id>")
@login_required
@permission_required("billing.write")
def run_detail(run_id: int):
    run = services.get_run(run_id)
    drafts = services.draft_ids_of_run(run.id)
    invoices = list(db.session.scalars(services.invoice_query(run_id=run.id).order_by(Invoice.id)))
    return render_template(
        "billing/run_detail.html",
        run=run,
        drafts=drafts,
        invoices=invoices,
        names=sources.organization_names({i.organization_id for i in invoices}),
        form=EmptyForm(),
        labels=_labels(),
    )


@bp.route("/fatturazione/<int:run_id>/stato")
@login_required
@permission_required("billing.write")
def run_status(run_id: int):
    run = services.get_run(run_id)
    return jsonify(
        {
            "id": run.id,
            "status": run.status.value,
            "total": run.total,
            "processed": run.processed,
            "created": run.created_count,
            "skipped": run.skipped_count,
            "amount": fmt(run.amount),
        }
    )


@bp.route("/fatturazione/<int:run_id>/emetti", methods=["POST"])
@login_required
@permission_required("billing.write")
def run_issue(run_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    issued, refused = services.issue_drafts(invoice_ids=services.draft_ids_of_run(run_id), actor=current_user)
    flash(_("Emessi %(n)d documenti.", n=len(issued)), "success")
    for invoice_id, reason in refused.items():
        flash(_("Documento #%(id)d non emesso: %(r)s", id=invoice_id, r=reason), "error")
    return redirect(url_for("billing.run_detail", run_id=run_id))


# --- payments -----------------------------------------------------------------------------------------


@bp.route("/incassi")
@login_required
@permission_required("billing.write")
def payments():
    stmt = collections.payment_query(year=request.args.get("year", type=int))
    try:
        items, cursor = keyset_page(stmt, [Payment.id], limit=50, cursor=request.args.get("cursor") or None)
    except Invalid:
        items, cursor = keyset_page(stmt, [Payment.id], limit=50, cursor=None)
    numbers = dict(
        db.session.execute(
            sa.select(Invoice.id, Invoice.number).where(Invoice.id.in_({p.invoice_id for p in items}))
        ).all()
    )
    return render_template(
        "billing/payments.html",
        payments=items,
        numbers=numbers,
        names=sources.organization_names({p.organization_id for p in items}),
        next_url=url_for("billing.payments", cursor=cursor) if cursor else None,
        unmatched=collections.unmatched_queue(),
        import_form=ImportForm(),
        assign_form=AssignForm(),
    )


@bp.route("/incassi/importa", methods=["POST"])
@login_required
@permission_required("billing.write")
def payments_import():
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Scegli un file CSV da importare."), "error")
        return redirect(url_for("billing.payments"))
    upload = form.file.data
    try:
        record = collections.import_payments(data=upload.read(), filename=upload.filename or "", actor=current_user)
    except Invalid as exc:
        _fail(exc)
        return redirect(url_for("billing.payments"))
    return render_template("billing/import_result.html", record=record)


@bp.route("/incassi/non-abbinati/<int:unmatched_id>", methods=["POST"])
@login_required
@permission_required("billing.write")
def payments_assign(unmatched_id: int):
    form = AssignForm()
    if not form.validate_on_submit():
        flash(_("Indica il documento a cui abbinare l'incasso."), "error")
        return redirect(url_for("billing.payments"))
    invoice = collections.find_invoice_by_reference(form.invoice.data)
    if invoice is None:
        flash(_("Nessun documento con numero o codice avviso %(r)s.", r=form.invoice.data), "error")
        return redirect(url_for("billing.payments"))
    try:
        collections.assign_unmatched(unmatched_id=unmatched_id, invoice_id=invoice.id, actor=current_user)
        flash(_("Incasso abbinato a %(n)s.", n=invoice.number), "success")
    except (Invalid, Conflict, NotFound) as exc:
        _fail(exc)
    return redirect(url_for("billing.payments"))


# --- receivables -----------------------------------------------------------------------------------------


@bp.route("/crediti")
@login_required
@permission_required("billing.dashboard")
@reads_replica
def receivables():
    today = local_today()
    overdue = collections.overdue_list(today=today)
    return render_template(
        "billing/receivables.html",
        rows=collections.receivables(today=today),
        overdue=overdue,
        names=sources.organization_names({inv.organization_id for inv, _ in overdue}),
        today=today,
        labels=_labels(),
    )


# --- settings ----------------------------------------------------------------------------------------------


@bp.route("/impostazioni", methods=["GET", "POST"])
@login_required
@permission_required("billing.write")
def settings():
    current = services.get_settings()
    form = SettingsForm(data=current if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_settings(
                reminder_days=form.reminder_days.data,
                payment_days=form.payment_days.data,
                vat_rate=form.vat_rate.data,
                actor=current_user,
            )
            flash(_("Impostazioni salvate."), "success")
            return redirect(url_for("billing.settings"))
        except Invalid as exc:
            for name, messages in exc.fields.items():
                getattr(form, name).errors = list(messages)
    return render_template(
        "billing/settings.html",
        form=form,
        seller=services.seller(),
        segregation=services.setting("PAGOPA_SEGREGATION_CODE", "01"),
    )


# --- exports ----------------------------------------------------------------------------------------------

INVOICE_COLUMNS = [
    "numero",
    "tipo",
    "documento",
    "ente",
    "codice_fiscale_ente",
    "anno",
    "data_emissione",
    "scadenza",
    "stato",
    "imponibile",
    "iva",
    "totale",
    "split_payment",
    "da_incassare",
    "incassato",
    "saldo",
    "codice_avviso",
    "convenzione",
]
PAYMENT_COLUMNS = ["data", "importo", "metodo", "numero_documento", "ente", "riferimento", "id_transazione"]


def _invoice_rows() -> list[list[Any]]:
    args = request.args
    stmt = services.invoice_query(
        status=args.get("status") if args.get("status") in STATUS_LABELS else None,
        year=args.get("year", type=int),
        kind=args.get("kind") if args.get("kind") in {k.value for k in DocumentKind} else None,
        organization_id=args.get("organization_id", type=int),
    ).where(Invoice.status != InvoiceStatus.DRAFT)
    invoices = list(db.session.scalars(stmt.order_by(Invoice.series, Invoice.number_year, Invoice.sequence)))
    return [
        [
            i.number,
            i.kind.value,
            i.doc_type.value,
            i.recipient.get("name", ""),
            i.recipient.get("fiscal_code") or "",
            i.year,
            i.issue_date,
            i.due_date,
            i.status.value,
            i.net_total,
            i.vat_total,
            i.total,
            "S" if i.split_payment else "N",
            i.amount_due,
            i.paid_total,
            i.balance,
            i.notice_code or "",
            i.agreement_code or "",
        ]  # fmt: skip
        for i in invoices
    ]


def _payment_rows() -> list[list[Any]]:
    year = request.args.get("year", type=int)
    rows = db.session.execute(
        collections.payment_query(year=year)
        .with_only_columns(Payment, Invoice.number)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .order_by(Payment.paid_on, Payment.id)
    ).all()
    names = sources.organization_names({p.organization_id for p, _ in rows})
    return [
        [
            p.paid_on,
            p.amount,
            p.method.value,
            number,
            names.get(p.organization_id, ""),
            p.reference,
            p.external_ref or "",
        ]
        for p, number in rows
    ]


@bp.route("/esporta/<what>.<fmt_>")
@login_required
@permission_required("billing.dashboard")
@reads_replica
def export(what: str, fmt_: str):
    if what == "fatture":
        columns, rows = INVOICE_COLUMNS, _invoice_rows()
    elif what == "incassi":
        columns, rows = PAYMENT_COLUMNS, _payment_rows()
    else:
        abort(404)
    stamp = local_today().isoformat()
    if fmt_ == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else (fmt(v) if isinstance(v, services.D) else v) for v in row])
        return Response(
            "\ufeff" + buf.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{what}-{stamp}.csv"'},
        )
    if fmt_ == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = what
        ws.append(columns)
        for row in rows:
            ws.append(row)  # Decimal stays Decimal: openpyxl writes it as a number, never through a float
        for row_cells in ws.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, services.D):
                    cell.number_format = "#,##0.00"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "dd/mm/yyyy"
        out = io.BytesIO()
        wb.save(out)
        return Response(
            out.getvalue(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{what}-{stamp}.xlsx"'},
        )
    abort(404)
