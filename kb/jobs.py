"""Nightly: retrain the suggestion model from the resolved tickets (skipped while there are too few)."""

from __future__ import annotations

import logging
from typing import Any

from app.errors import Invalid
from app.jobs import periodic

log = logging.getLogger("presidio.assist")


@periodic("assist.train", seconds=24 * 3600)
def train_nightly() -> dict[str, Any] | None:
    from kb.assist import train

    try:
        return train()
    except Invalid as exc:  # a new center without history: nothing to learn yet, not a failure
        log.info("assist training skipped: %s", exc.fields or exc.message)
        return None
