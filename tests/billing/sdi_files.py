"""Helpers of the SDI tests: the sample notifications in tests/billing/data and the XSD they follow."""

from __future__ import annotations

import pathlib

DATA = pathlib.Path(__file__).parent / "data"
XSD = DATA / "MessaggiTypes_v1.1_subset.xsd"
SAMPLE_NAME = "IT80000110728_00001.xml"


def sample(kind: str, file_name: str = SAMPLE_NAME) -> bytes:
    """A sample notification (``RC_001``, ``NS_001``, ``NE_EC02``…) about ``file_name``."""
    raw = (DATA / f"IT80000110728_00001_{kind}.xml").read_bytes()
    return raw.replace(SAMPLE_NAME.encode(), file_name.encode())
