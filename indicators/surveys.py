"""Surveys: the center asks chosen enti for the values of some indicators by a due date.

Every referente user of those enti gets an email (outbox) and sees the survey as a task in the portal;
a referente may save a draft and come back; submitting turns each answer into an indicator value with
source ``survey``. Reminders go out ``REMINDER_DAYS`` before the due date to enti that have not answered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role, User
from app.auth.permissions import check_org, org_scope, require
from app.db import get_row, local_today, transaction, utcnow
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.mail import queue_email
from crm.models import Organization
from indicators import evidence as ev
from indicators.models import Indicator, Source, Survey, SurveyTarget
from indicators.services import add_value, province_comuni
from indicators.values import parse_value

REMINDER_DAYS = 3
EVIDENCE_KEY = "_evidence"  # in a draft: indicator id (str) -> the evidence file already uploaded


def _referenti(org_ids: list[int]) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.REFERENTE, User.organization_id.in_(org_ids), User.active.is_(True))
        )
    )


def _link(survey_id: int) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/indicatori/questionari/{survey_id}"


def _mail(survey: Survey, users: list[User], *, reminder: bool) -> int:
    subject = (
        "Promemoria: " if reminder else ""
    ) + f"questionario «{survey.title}» entro il {survey.due_date:%d/%m/%Y}"
    body = (
        f"Gentile referente,\n\nil centro servizi chiede al suo ente di compilare il questionario «{survey.title}» "
        f"entro il {survey.due_date:%d/%m/%Y}.\nPuò rispondere anche dal telefono, salvare e riprendere più tardi:\n"
        f"{_link(survey.id)}\n"
    )
    for user in users:
        queue_email(to=user.email, subject=subject, body_text=body)
    return len(users)


def create_survey(
    *,
    actor: Any,
    title: str,
    indicator_ids: list[int],
    organization_ids: list[int],
    due_date: dt.date | None,
    province: str | None = None,
    today: dt.date | None = None,
) -> Survey:
    """Send a survey: every referente of the enti (those chosen, plus every comune of ``province``) gets
    an email and a task in the portal. All field errors are reported together."""
    require(actor, "indicators.write")
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["obbligatorio"]
    if due_date is None:
        errors["due_date"] = ["obbligatorio"]
    elif due_date < (today or local_today()):
        errors["due_date"] = ["la scadenza è passata"]
    ind_ids = sorted(set(indicator_ids))
    chosen = set(organization_ids)
    if province:
        comuni = db.session.scalars(province_comuni(province)).all()
        if not comuni:
            errors["province"] = ["nessun comune attivo in questa provincia"]
        chosen.update(comuni)
    org_ids = sorted(chosen)
    if not ind_ids or len(db.session.scalars(sa.select(Indicator.id).where(Indicator.id.in_(ind_ids))).all()) != len(
        ind_ids
    ):
        errors["indicator_ids"] = ["scegli almeno un indicatore" if not ind_ids else "indicatore sconosciuto"]
    if not org_ids:
        errors.setdefault("organization_ids", ["scegli una provincia o almeno un ente"])
    elif len(db.session.scalars(sa.select(Organization.id).where(Organization.id.in_(org_ids))).all()) != len(org_ids):
        errors["organization_ids"] = ["ente sconosciuto"]
    if errors:
        raise Invalid("questionario non valido", errors)
    assert due_date is not None
    with transaction(actor=actor):
        survey = Survey(title=title, indicator_ids=ind_ids, due_date=due_date, author_id=actor.id)
        db.session.add(survey)
        db.session.flush()
        db.session.add_all(SurveyTarget(survey_id=survey.id, organization_id=o) for o in org_ids)
        _mail(survey, _referenti(org_ids), reminder=False)
    return survey


def _progress(survey: Survey) -> dict[str, Any]:
    targets = db.session.scalars(sa.select(SurveyTarget).where(SurveyTarget.survey_id == survey.id)).all()
    return {
        "organization_ids": sorted(t.organization_id for t in targets),
        "answered": sum(1 for t in targets if t.answered_at),
        "pending": sum(1 for t in targets if not t.answered_at),
        "answered_ids": sorted(t.organization_id for t in targets if t.answered_at),
    }


def survey_progress(*, survey_id: int, user: Any) -> dict[str, Any]:
    """The campaign for the center: each ente asked, whether it answered (when) or is pending, reminded."""
    require(user, "indicators.staff")
    survey = get_row(Survey, survey_id)
    if survey is None:
        raise NotFound("questionario non trovato")
    rows = db.session.execute(
        sa.select(SurveyTarget, Organization.name, Organization.province)
        .join(Organization, Organization.id == SurveyTarget.organization_id)
        .where(SurveyTarget.survey_id == survey.id)
        .order_by(SurveyTarget.answered_at.is_not(None), Organization.name)
    ).all()
    items = [
        {
            "organization_id": t.organization_id,
            "name": name,
            "province": prov,
            "answered_at": t.answered_at,
            "reminded_at": t.reminded_at,
            "draft": bool({k for k in (t.draft or {}) if k != EVIDENCE_KEY}),
        }
        for t, name, prov in rows
    ]
    indicators = [db.session.get(Indicator, i) for i in survey.indicator_ids]
    return {
        "survey": survey,
        "indicators": [i for i in indicators if i is not None],
        "items": items,
        "answered": sum(1 for i in items if i["answered_at"]),
        "pending": sum(1 for i in items if not i["answered_at"]),
    }


def survey_dict(survey: Survey, user: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": survey.id,
        "title": survey.title,
        "indicator_ids": survey.indicator_ids,
        "due_date": survey.due_date,
        "created_at": survey.created_at,
    }
    progress = _progress(survey)
    scope = org_scope(user)
    if scope is None:
        data.update(progress)
    else:
        data["organization_ids"] = [scope]
        answered = int(scope in progress["answered_ids"])
        data.update(answered=answered, pending=1 - answered)
    return data


def list_surveys(*, user: Any) -> list[dict[str, Any]]:
    require(user, "indicators.read")
    stmt = sa.select(Survey).order_by(Survey.due_date.desc(), Survey.id.desc())
    scope = org_scope(user)
    if scope is not None:
        stmt = stmt.join(SurveyTarget, SurveyTarget.survey_id == Survey.id).where(SurveyTarget.organization_id == scope)
    return [survey_dict(s, user) for s in db.session.scalars(stmt)]


def _target(survey_id: int, organization_id: int, user: Any) -> tuple[Survey, SurveyTarget]:
    check_org(user, organization_id, "questionario non trovato")
    survey = get_row(Survey, survey_id)
    target = db.session.get(SurveyTarget, (survey_id, organization_id)) if survey else None
    if survey is None or target is None:
        raise NotFound("questionario non trovato")
    return survey, target


def survey_form(*, survey_id: int, user: Any) -> dict[str, Any]:
    """What a referente sees to answer: the survey, its indicators and the saved draft."""
    require(user, "indicators.values")
    org_id = org_scope(user)
    if org_id is None:
        raise NotFound("questionario non trovato")
    survey, target = _target(survey_id, org_id, user)
    indicators = [db.session.get(Indicator, i) for i in survey.indicator_ids]
    return {"survey": survey, "target": target, "indicators": [i for i in indicators if i is not None]}


def respond(
    *,
    survey_id: int,
    actor: Any,
    values: list[dict[str, Any]],
    organization_id: int | None = None,
    draft: bool = False,
    files: dict[int, tuple[str, bytes]] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Save a draft, or submit: each answer becomes a value with source ``survey`` (all or nothing).
    ``files``: an evidence file per indicator id (indicators.evidence), kept with the draft too."""
    require(actor, "indicators.values")
    org_id = org_scope(actor) or organization_id
    if org_id is None:
        raise Invalid("ente mancante", {"organization_id": ["obbligatorio per il personale"]})
    with transaction(actor=actor):
        survey, target = _target(survey_id, org_id, actor)
        if target.answered_at is not None:
            raise Conflict("questionario già inviato")
        asked = {int(i): db.session.get(Indicator, i) for i in survey.indicator_ids}
        answers: dict[int, Any] = {}
        errors: dict[str, list[str]] = {}
        kept = dict((target.draft or {}).get(EVIDENCE_KEY) or {})
        for file_ind, (filename, data) in (files or {}).items():
            if file_ind not in asked:
                errors[f"evidence.{file_ind}"] = ["indicatore non richiesto"]
                continue
            try:
                kept[str(file_ind)] = ev.as_dict(ev.store(filename, data, field=f"evidence.{file_ind}"))
            except Invalid as exc:
                errors.update(exc.fields)
        for n, item in enumerate(values):
            ind_id = item.get("indicator_id")
            if ind_id not in asked:
                errors[f"values.{n}.indicator_id"] = ["indicatore non richiesto"]
                continue
            raw = item.get("value")
            if draft and (raw is None or raw == ""):
                continue
            try:
                ind = asked[ind_id]
                answers[ind_id] = parse_value(ind.kind, raw, choices=ind.choices, field="value") if ind else raw
            except Invalid as exc:
                errors[f"values.{n}.value"] = exc.fields.get("value", [exc.message])
        if errors:
            raise Invalid("risposte non valide", errors)
        if draft:
            target.draft = {
                **(target.draft or {}),
                **{str(k): v for k, v in answers.items()},
                **({EVIDENCE_KEY: kept} if kept else {}),
            }
            return {"saved": len(answers), "answered": False}
        for ind_id, value in answers.items():
            add_value(
                organization_id=org_id,
                indicator_id=ind_id,
                value=value,
                as_of=today or local_today(),
                source=Source.SURVEY,
                note=f"questionario «{survey.title}»",
                evidence=ev.from_dict(kept.get(str(ind_id))),
                user=actor,
            )
        target.answered_at = utcnow()
        target.draft = {}
    return {"saved": len(answers), "answered": True}


def send_reminders(*, today: dt.date | None = None) -> int:
    """Email the referenti of enti that have not answered a survey due within ``REMINDER_DAYS`` (once)."""
    today = today or local_today()
    sent = 0
    with transaction():
        rows = db.session.execute(
            sa.select(Survey, SurveyTarget)
            .join(SurveyTarget, SurveyTarget.survey_id == Survey.id)
            .where(
                Survey.due_date >= today,
                Survey.due_date <= today + dt.timedelta(days=REMINDER_DAYS),
                SurveyTarget.answered_at.is_(None),
                SurveyTarget.reminded_at.is_(None),
            )
        ).all()
        for survey, target in rows:
            sent += _mail(survey, _referenti([target.organization_id]), reminder=True)
            target.reminded_at = utcnow()
    return sent


def remind_now(*, survey_id: int, actor: Any) -> int:
    """The admin's "remind the pending enti now": an email to the referenti of every ente that has not
    answered; returns how many emails were queued."""
    require(actor, "indicators.write")
    sent = 0
    with transaction(actor=actor):
        survey = get_row(Survey, survey_id)
        if survey is None:
            raise NotFound("questionario non trovato")
        targets = db.session.scalars(
            sa.select(SurveyTarget).where(SurveyTarget.survey_id == survey.id, SurveyTarget.answered_at.is_(None))
        ).all()
        for target in targets:
            sent += _mail(survey, _referenti([target.organization_id]), reminder=True)
            target.reminded_at = utcnow()
    return sent


def pending_for(user: Any) -> list[Survey]:
    """The referente's task list: surveys of its ente not yet answered."""
    scope = org_scope(user)
    if scope is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Survey)
            .join(SurveyTarget, SurveyTarget.survey_id == Survey.id)
            .where(SurveyTarget.organization_id == scope, SurveyTarget.answered_at.is_(None))
            .order_by(Survey.due_date)
        )
    )


def errors_by_indicator(fields: dict[str, list[str]], values: list[dict[str, Any]]) -> dict[str, list[str]]:
    """``respond``'s field errors (``values.N.value``, ``evidence.ID``) keyed by indicator id, for the form;
    what names no indicator goes under ``""``."""
    out: dict[str, list[str]] = {}
    for name, messages in fields.items():
        parts = name.split(".")
        key = ""
        if len(parts) == 3 and parts[0] == "values" and parts[1].isdigit() and int(parts[1]) < len(values):
            key = str(values[int(parts[1])]["indicator_id"])
        elif len(parts) == 2 and parts[0] == "evidence":
            key = parts[1]
        out.setdefault(key, []).extend(str(m) for m in messages)
    return out


def provinces() -> list[str]:
    """The provinces that have active comuni (to send a survey to all of them)."""
    stmt = (
        sa.select(Organization.province)
        .where(Organization.id.in_(province_comuni(None)), Organization.province.is_not(None))
        .distinct()
        .order_by(Organization.province)
    )
    return [str(p) for p in db.session.scalars(stmt)]


def eligible_enti() -> list[dict[str, Any]]:
    """Every active ente that may be asked, with its province and how many referenti would be reached."""
    referenti = dict(
        db.session.execute(
            sa.select(User.organization_id, sa.func.count())
            .where(User.role == Role.REFERENTE, User.active.is_(True), User.organization_id.is_not(None))
            .group_by(User.organization_id)
        ).all()
    )
    rows = db.session.execute(
        sa.select(Organization.id, Organization.name, Organization.province)
        .where(Organization.active.is_(True))
        .order_by(Organization.province, Organization.name)
    ).all()
    return [{"id": i, "name": n, "province": p or "", "referenti": referenti.get(i, 0)} for i, n, p in rows]
