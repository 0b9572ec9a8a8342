"""Flask-WTF forms of the indicator pages: they carry the CSRF token; indicators.surveys validates the answers."""

from __future__ import annotations

from flask_wtf import FlaskForm


class SurveyAnswerForm(FlaskForm):
    """The answers are fields ``v-<indicator id>``, one per indicator of the survey (read in the view)."""


class OpportunityForm(FlaskForm):
    """One click: open a CRM interaction about an opportunity (CSRF only)."""
