"""Demo data of the contact center (``seed demo``): each channel adds its part."""

from __future__ import annotations

from typing import Any


def load(ctx: dict[str, Any]) -> None:
    from contact_center.phone import demo as phone_demo

    phone_demo.load(ctx)
