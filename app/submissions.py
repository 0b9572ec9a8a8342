"""One-time tokens of the web forms that create something: a double click creates one object.

A form with ``once = True`` (app/forms.py) renders a random token; the first valid POST claims it here,
and after the response the token remembers where that POST went (the page of what it created). A
second POST of the same token creates nothing: it is sent to the same page. A POST that failed
releases the token, so the corrected form can be sent again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UTCDateTime, transaction, utcnow
from app.extensions import Model, db

KEEP = dt.timedelta(hours=24)


class FormSubmission(Model):
    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    result_url: Mapped[str | None] = mapped_column(sa.String(2000))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)


@dataclass(frozen=True)
class Claim:
    claimed: bool
    result_url: str | None = None


def claim(*, token: str, user_id: int | None) -> Claim:
    """Take the token for this submit, or say what became of the submit that took it first."""
    with transaction():
        try:
            with db.session.begin_nested():
                db.session.add(FormSubmission(token=token, user_id=user_id))
            return Claim(True)
        except IntegrityError:
            pass
        row = db.session.get(FormSubmission, token, populate_existing=True)
    if row is None:  # released in the meantime: take it now
        return claim(token=token, user_id=user_id)
    if row.user_id != user_id:
        return Claim(False, None)
    return Claim(False, row.result_url)


def finish(*, token: str, result_url: str) -> None:
    with transaction():
        db.session.execute(
            sa.update(FormSubmission).where(FormSubmission.token == token).values(result_url=result_url[:2000])
        )


def release(*, token: str) -> None:
    """Free the token of a submit that failed (whatever it left half-done is rolled back first)."""
    db.session.rollback()
    with transaction():
        db.session.execute(sa.delete(FormSubmission).where(FormSubmission.token == token))


def purge(*, now: dt.datetime | None = None) -> int:
    """Forget tokens older than a day (periodic)."""
    with transaction():
        result = db.session.execute(
            sa.delete(FormSubmission).where(FormSubmission.created_at < (now or utcnow()) - KEEP)
        )
    return getattr(result, "rowcount", 0) or 0
