"""schemathesis against the live API on PostgreSQL, as an admin and as a referente: every check, a
bounded number of examples, a fixed seed, and no failure allowed.

The app is served by a real werkzeug server on 127.0.0.1 (port 0) in this process; schemathesis runs as
its own CLI (the pinned version), reading /api/v1/openapi.json from that server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 20261207


@pytest.fixture
def world(make_org, make_user, db):
    """A small world for the generated requests to meet: an ente, a contact, a service, a ticket."""
    from crm.models import Contact, Service
    from tickets import services as tickets

    org = make_org(name="Comune di Fuzz")
    contact = Contact(organization_id=org.id, name="Rita Referente", email="rita@fuzz.example.it")
    db.session.add_all([contact, Service(code="SRV1", name="Servizio 1")])
    db.session.commit()
    admin = make_user("admin")
    referente = make_user("referente", organization=org, contact_id=contact.id)
    tickets.open_ticket(actor=admin, subject="Stampante", description="Non stampa", organization_id=org.id)
    return {"admin": admin, "referente": referente}


def run_schemathesis(url: str, token: str, report: Path) -> dict:
    bin_dir = Path(sys.executable).parent
    command = [
        str(bin_dir / "st"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--no-shrink",
        "--header",
        f"Authorization: Bearer {token}",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-truncate",
        "true",
        *os.environ.get("SCHEMATHESIS_ARGS", "").split(),  # e.g. --include-path-regex sla while fixing one area
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600, cwd=report.parent)
    return {"rc": result.returncode, "out": result.stdout + result.stderr[-5000:]}


@pytest.mark.parametrize("role", ["admin", "referente"])
def test_the_api_holds_against_schemathesis(live_server, world, role, tmp_path):
    from app.auth.services import issue_token

    _, token = issue_token(user=world[role], name="schemathesis")
    result = run_schemathesis(live_server.url, token, tmp_path / "report.json")
    print(result["out"])
    report = json.loads((tmp_path / "report.json").read_text())
    print(json.dumps({k: report[k] for k in ("operations", "test_cases", "failures")}, indent=1))
    assert result["rc"] == 0, result["out"][-20000:]
    assert report["test_cases"]["with_failures"] == 0
