"""Indicator pages: the overview by province, one indicator across the province, an ente's scorecard."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.permissions import org_scope, permission_required
from app.exports import csv_text, xlsx_bytes
from indicators import opportunities as opp
from indicators import scorecard, surveys
from indicators.forms import OpportunityForm, SurveyAnswerForm

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
    peak = max([t["met"] for t in view["trend"]] + [len(view["rows"]), 1])
    return render_template("indicators/detail.html", view=view, province=province, peak=peak)


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


@bp.route("/indicatori/questionari/<int:survey_id>", methods=["GET", "POST"])
@login_required
@permission_required("indicators.values")
def survey_answer(survey_id: int):
    form = SurveyAnswerForm()
    if form.validate_on_submit():
        values = [
            {"indicator_id": int(key[2:]), "value": value}
            for key, value in request.form.items()
            if key.startswith("v-") and key[2:].isdigit()
        ]
        draft = request.form.get("azione") == "salva"
        surveys.respond(survey_id=survey_id, actor=current_user, values=values, draft=draft)
        flash(
            _("Risposte salvate: puoi riprendere più tardi.") if draft else _("Questionario inviato, grazie."),
            "success",
        )
        if draft:
            return redirect(url_for("indicators.survey_answer", survey_id=survey_id))
        return redirect(url_for("indicators.overview"))
    data = surveys.survey_form(survey_id=survey_id, user=current_user)
    return render_template("indicators/survey_answer.html", form=form, **data)


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
