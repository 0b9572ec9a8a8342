"""Indicator pages: the overview by province, one indicator across the province, an ente's scorecard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.auth.permissions import org_scope, permission_required
from app.exports import csv_text, xlsx_bytes
from app.flashing import submit
from app.storage import send_download
from indicators import evidence, scorecard, services, surveys
from indicators import opportunities as opp
from indicators.forms import IndicatorForm, OpportunityForm, SurveyAnswerForm, SurveyForm, ValueForm

bp = Blueprint("indicators", __name__)


def _province() -> str | None:
    value = (request.args.get("provincia") or "").strip().upper()
    return value if len(value) == 2 and value.isalpha() else None


@bp.route("/indicatori")
@login_required
@permission_required("indicators.read")
def overview():
    scope = org_scope(current_user)
    if scope is not None:
        return redirect(url_for("indicators.org_scorecard", organization_id=scope))
    province = _province()
    return render_template(
        "indicators/overview.html", rows=scorecard.overview(province=province, user=current_user), province=province
    )


@bp.route("/indicatori/<int:indicator_id>")
@login_required
@permission_required("indicators.staff")
def detail(indicator_id: int):
    province = _province()
    view = scorecard.province_view(
        indicator_id=indicator_id, province=province, sort=request.args.get("ordina", "name"), user=current_user
    )
    fmt = request.args.get("formato")
    if fmt in ("csv", "xlsx"):
        name = f"indicatore-{view['indicator'].code}-{province or 'tutte'}"
        rows = scorecard.export_rows(view)
        if fmt == "csv":
            return Response(
                csv_text(scorecard.EXPORT_HEADER, rows),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        return Response(
            xlsx_bytes(scorecard.EXPORT_HEADER, rows, title=view["indicator"].code),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    if fmt:
        abort(404)
    return render_template("indicators/detail.html", view=view, province=province)


@bp.route("/indicatori/ente/<int:organization_id>")
@login_required
@permission_required("indicators.read")
def org_scorecard(organization_id: int):
    card = scorecard.scorecard(organization_id=organization_id, user=current_user)
    return render_template(
        "indicators/scorecard.html",
        card=card,
        organization_id=organization_id,
        tasks=surveys.pending_for(current_user),
    )


@bp.route("/indicatori/questionari")
@login_required
@permission_required("indicators.read")
def survey_list():
    return render_template("indicators/surveys.html", items=surveys.list_surveys(user=current_user))


def _status() -> int:
    """A form page rendered again after a POST was refused (by the form or by the service): 422."""
    return 422 if request.method == "POST" else 200


def _answer_files() -> dict[int, tuple[str, bytes]]:
    return {
        int(key[2:]): (f.filename or "", f.read())
        for key, f in request.files.items()
        if key.startswith("f-") and key[2:].isdigit() and f.filename
    }


@bp.route("/indicatori/questionari/<int:survey_id>", methods=["GET", "POST"])
@login_required
@permission_required("indicators.values")
def survey_answer(survey_id: int):
    form = SurveyAnswerForm()
    data = surveys.survey_form(survey_id=survey_id, user=current_user)
    errors: dict[str, list[str]] = {}
    typed: dict[str, Any] = {}
    if form.validate_on_submit():
        values = [
            {"indicator_id": int(key[2:]), "value": value}
            for key, value in request.form.items()
            if key.startswith("v-") and key[2:].isdigit()
        ]
        draft = request.form.get("azione") == "salva"
        collected: dict[str, list[str]] = {}
        done = submit(
            None,
            surveys.respond,
            report=lambda exc: collected.update(exc.fields or {"": [exc.message]}),
            survey_id=survey_id,
            actor=current_user,
            values=values,
            draft=draft,
            files=_answer_files(),
        )
        if done is not None:
            flash(
                _("Risposte salvate: puoi riprendere più tardi.") if draft else _("Questionario inviato, grazie."),
                "success",
            )
            if draft:
                return redirect(url_for("indicators.survey_answer", survey_id=survey_id))
            return redirect(url_for("indicators.overview"))
        errors = surveys.errors_by_indicator(collected, values)
        typed = {str(v["indicator_id"]): v["value"] for v in values}
        flash(_("Controlla le risposte evidenziate."), "error")
    status = 422 if errors else 200
    return (
        render_template(
            "indicators/survey_answer.html",
            form=form,
            errors=errors,
            typed=typed,
            max_mb=evidence.max_bytes() // (1024 * 1024),
            **data,
        ),
        status,
    )


@bp.route("/indicatori/questionari/nuovo", methods=["GET", "POST"])
@login_required
@permission_required("indicators.write")
def survey_new():
    form = SurveyForm()
    form.indicator_ids.choices = [(i.id, i.name) for i in services.list_indicators(active_only=True)]
    form.province.choices = [("", _("— nessuna —"))] + [(p, p) for p in surveys.provinces()]
    if form.validate_on_submit():
        survey = submit(
            form,
            surveys.create_survey,
            actor=current_user,
            title=form.title.data,
            indicator_ids=form.indicator_ids.data or [],
            organization_ids=form.organization_ids.data or [],
            province=form.province.data or None,
            due_date=form.due_date.data,
        )
        if survey is not None:
            flash(_("Questionario inviato ai referenti degli enti scelti."), "success")
            return redirect(url_for("indicators.survey_progress", survey_id=survey.id))
    return render_template(
        "indicators/survey_new.html", form=form, enti=surveys.eligible_enti(), reminder_days=surveys.REMINDER_DAYS
    ), _status()


@bp.route("/indicatori/questionari/<int:survey_id>/avanzamento")
@login_required
@permission_required("indicators.staff")
def survey_progress(survey_id: int):
    return render_template(
        "indicators/survey_progress.html",
        form=OpportunityForm(),
        **surveys.survey_progress(survey_id=survey_id, user=current_user),
    )


@bp.route("/indicatori/questionari/<int:survey_id>/promemoria", methods=["POST"])
@login_required
@permission_required("indicators.write")
def survey_remind(survey_id: int):
    if not OpportunityForm().validate_on_submit():
        abort(400)
    sent = surveys.remind_now(survey_id=survey_id, actor=current_user)
    flash(
        ngettext("Promemoria inviato a %(num)d referente.", "Promemoria inviato a %(num)d referenti.", sent), "success"
    )
    return redirect(url_for("indicators.survey_progress", survey_id=survey_id))


@bp.route("/indicatori/catalogo/nuovo", methods=["GET", "POST"])
@login_required
@permission_required("indicators.write")
def indicator_new():
    return _indicator_form(None)


@bp.route("/indicatori/<int:indicator_id>/modifica", methods=["GET", "POST"])
@login_required
@permission_required("indicators.write")
def indicator_edit(indicator_id: int):
    return _indicator_form(services.get_indicator(indicator_id))


def _indicator_form(indicator: Any):
    form = IndicatorForm(obj=indicator) if indicator is not None and request.method == "GET" else IndicatorForm()
    if indicator is not None and request.method == "GET":
        form.kind.data = indicator.kind.value
        form.choices.data = "\n".join(indicator.choices or [])
        form.target.data = scorecard.target_text(indicator)
    form.service_ids.choices = services.service_choices()
    if form.validate_on_submit():
        if indicator is None:
            saved = submit(form, services.create_indicator, actor=current_user, **form.service_data())
        else:
            saved = submit(
                form,
                services.update_indicator,
                indicator_id=indicator.id,
                actor=current_user,
                **form.service_data(),
            )
        if saved is not None:
            flash(_("Indicatore salvato."), "success")
            return redirect(url_for("indicators.detail", indicator_id=saved.id))
    return render_template("indicators/indicator_form.html", form=form, indicator=indicator), _status()


@bp.route("/indicatori/ente/<int:organization_id>/<int:indicator_id>", methods=["GET", "POST"])
@login_required
@permission_required("indicators.values")
def value_form(organization_id: int, indicator_id: int):
    history = services.value_history(organization_id=organization_id, indicator_id=indicator_id, user=current_user)
    indicator = services.get_indicator(indicator_id)
    form = ValueForm()
    if form.validate_on_submit():
        upload = form.evidence_file.data
        saved = submit(
            form,
            services.record_value,
            actor=current_user,
            organization_id=organization_id,
            indicator_id=indicator_id,
            value=form.value.data,
            as_of=form.as_of.data,
            note=form.note.data or "",
            evidence_url=(form.evidence_url.data or "").strip() or None,
            evidence_file=(upload.filename, upload.read()) if upload and upload.filename else None,
        )
        if saved is not None:
            flash(_("Valore registrato."), "success")
            return redirect(request.path)
    return render_template(
        "indicators/value_form.html",
        form=form,
        indicator=indicator,
        history=history,
        organization_id=organization_id,
        max_mb=evidence.max_bytes() // (1024 * 1024),
    ), _status()


@bp.route("/indicatori/valori/<int:value_id>/evidenza")
@login_required
@permission_required("indicators.read")
def evidence_download(value_id: int):
    row = services.evidence_of(value_id=value_id, user=current_user)
    return send_download(
        evidence.key_of(row.evidence_sha256 or ""),
        filename=row.evidence_filename or "evidenza",
        mimetype=row.evidence_content_type or "application/octet-stream",
    )


@bp.route("/indicatori/opportunita")
@login_required
@permission_required("indicators.write")
def opportunities():
    province = _province()
    rows = opp.list_opportunities(user=current_user, province=province)
    return render_template("indicators/opportunities.html", rows=rows, province=province, form=OpportunityForm())


@bp.route("/indicatori/opportunita/<int:organization_id>/<int:indicator_id>", methods=["POST"])
@login_required
@permission_required("indicators.write")
def opportunity_contact(organization_id: int, indicator_id: int):
    if not OpportunityForm().validate_on_submit():
        abort(400)
    opp.open_interaction(organization_id=organization_id, indicator_id=indicator_id, actor=current_user)
    flash(_("Interazione registrata nel CRM."), "success")
    return redirect(url_for("crm.organization_detail", organization_id=organization_id))
