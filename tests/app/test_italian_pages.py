"""Italian everywhere: with the demo data, every main page of every role shows enum values by their
Italian label, never by their raw value ("done", "urgent", "partially_paid"); a fresh demo leaves no
failed job behind."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import sqlalchemy as sa

from app.demo import DEMO_PASSWORD
from app.labels import label, registered
from tests.conftest import csrf_token

# Values that are also ordinary words or names in an Italian page (or inside another label).
_AMBIGUOUS = {"it", "en", "ok", "none", "FT", "RP", "NC", "me"}  # "me": "Assegna a me"


class _Text(HTMLParser):
    """Visible text only: attributes (option values, data-*) and scripts are not read."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def raw_values() -> dict[str, str]:
    """value → the enum it belongs to, for every value whose Italian label is another word."""
    label_words: set[str] = set()
    for cls, _labels in registered():
        for member in cls:
            label_words.update(w.casefold() for w in re.findall(r"[\w-]+", label(member)))
    found: dict[str, str] = {}
    for cls, _labels in registered():
        for member in cls:
            value = str(member.value)
            if value in _AMBIGUOUS or value.casefold() == label(member).casefold():
                continue
            if value.casefold() in label_words:
                continue
            found[value] = cls.__name__
    return found


def raw_enum_values_in(html: str, values: dict[str, str]) -> list[str]:
    text = visible_text(html)
    return [
        f"{value} ({enum})"
        for value, enum in values.items()
        if re.search(rf"(?<![\w.@/#-]){re.escape(value)}(?![\w.@/-])", text)
    ]


def test_visible_text_ignores_attributes_and_scripts():
    html = '<option value="urgent">Urgente</option><script>var s="done"</script><p title="failed">ok</p>'
    assert raw_enum_values_in(html, {"urgent": "P", "done": "J", "failed": "J"}) == []
    assert raw_enum_values_in("<td>Stato: done</td>", {"done": "J"}) == ["done (J)"]


def test_every_enum_of_the_models_has_its_labels(app):
    import enum

    from app.extensions import db

    registered_classes = {cls for cls, _ in registered()}
    model_enums = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            enum_class = getattr(column.type, "enum_class", None)
            if enum_class is not None and issubclass(enum_class, enum.Enum):
                model_enums.add(enum_class)
    assert model_enums, "no enum column found"
    assert model_enums <= registered_classes, sorted(c.__name__ for c in model_enums - registered_classes)


def test_demo_pages_in_italian_show_no_raw_enum_value_and_no_failed_job(app, db, run_jobs):
    from app.jobs import relay
    from app.jobs.models import JobStatus, OutboxJob

    runner = app.test_cli_runner()
    seeded = runner.invoke(args=["seed", "demo"])
    assert seeded.exit_code == 0, seeded.output
    relay()
    run_jobs()
    failed = db.session.scalars(sa.select(OutboxJob).where(OutboxJob.status == JobStatus.FAILED)).all()
    assert [(j.name, (j.last_error or "")[-300:]) for j in failed] == []

    from app.auth.models import Role, User
    from crm.models import Contact

    # each demo referente is its own contact (same name and email), and no other contact of the demo
    # has portal access without an account of its own
    referenti = db.session.scalars(sa.select(User).where(User.role == Role.REFERENTE)).all()
    assert len(referenti) == 3
    for user in referenti:
        contact = db.session.get(Contact, user.contact_id)
        assert (contact.name, contact.email, contact.organization_id) == (user.name, user.email, user.organization_id)
    portal_contacts = set(db.session.scalars(sa.select(Contact.id).where(Contact.portal_access.is_(True))))
    assert portal_contacts == {u.contact_id for u in referenti}

    from billing.models import Invoice
    from crm.models import Agreement, Organization
    from tickets.models import Ticket

    ticket = db.session.scalar(sa.select(Ticket).order_by(Ticket.id))
    org = db.session.get(Organization, ticket.organization_id)
    invoice = db.session.scalar(sa.select(Invoice).order_by(Invoice.id.desc()))
    agreement = db.session.scalar(sa.select(Agreement).order_by(Agreement.id))
    staff_pages = [
        "/ticket/",
        f"/ticket/{ticket.id}",
        "/ticket/dashboard",
        "/ticket/sla/rischio",
        "/crm/enti",
        f"/crm/enti/{org.id}",
        "/crm/convenzioni",
        f"/crm/convenzioni/{agreement.id}",
        "/crm/contatti",
        "/crm/scadenze",
        "/ragioneria/",
        "/ragioneria/fatture",
        f"/ragioneria/fatture/{invoice.id}" if invoice else "/ragioneria/fatture",
        "/ragioneria/incassi",
        "/ragioneria/fatturazione",
        "/admin/jobs",
        "/admin/jobs?status=done",
        "/admin/jobs?status=all",
        "/admin/audit",
        "/contact-center/regole",
        "/contact-center/quarantena",
        "/contact-center/caselle",
        "/inbound",
        "/kb/smistamento",
        "/kb/gestione",
        "/report/",
        "/report/richieste",
        "/report/pianificazioni",
        "/contact-center/telefono/registro",
        "/contact-center/telefono/sms",
        "/contact-center/telefono/menu",
    ]
    portal_pages = ["/portale", "/ragioneria/fatture"]
    values = raw_values()
    assert {"done", "urgent", "partially_paid", "route"} <= set(values)
    problems: dict[str, list[str]] = {}
    seen = 0
    for email in (
        "admin@presidio.example.it",
        "operatore@presidio.example.it",
        "ragioneria@presidio.example.it",
        "referente@presidio.example.it",
    ):
        client = app.test_client()
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
        assert response.status_code == 302, email
        pages = list(portal_pages if email.startswith("referente") else staff_pages)
        if email.startswith("referente"):
            portal = client.get("/portale").get_data(as_text=True)
            pages += sorted(set(re.findall(r'href="(/portale/richieste/\d+)"', portal)))[:3]
        for path in pages:
            page = client.get(path + ("&" if "?" in path else "?") + "lang=it")
            if page.status_code != 200:
                continue
            seen += 1
            html = page.get_data(as_text=True)
            title = re.search(r"<title>(.*?)</title>", html, re.S)
            assert title and "<" not in title.group(1), path
            found = raw_enum_values_in(html, values)
            if found:
                problems[f"{email} {path}"] = found
    assert seen > 40
    assert problems == {}


def test_no_tab_title_holds_markup():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    bad = []
    for path in root.rglob("*.html"):
        for block in re.findall(r"{% block title %}(.*?){% endblock %}", path.read_text(), re.S):
            if "<" in block or "\n" in block:
                bad.append(str(path.relative_to(root)))
    assert bad == []


def test_email_validator_messages_are_italian(app):
    import pytest
    from flask_babel import force_locale

    from app.errors import Invalid
    from app.text import email_problem
    from crm import validators

    with app.test_request_context("/"), force_locale("it"):
        from email_validator import EmailNotValidError, validate_email

        for address, expected in (
            ("comune.bari.it", "Manca il simbolo @."),
            ("@comune.it", "Manca la parte prima della @."),
            ("urp@comune", "Il dominio dopo la @ non è valido (manca il punto?)."),
            ("u rp@comune.it", "Contiene caratteri non ammessi: SPACE"),
        ):
            with pytest.raises(EmailNotValidError) as caught:
                validate_email(address, check_deliverability=False)
            assert email_problem(caught.value) == expected
        with pytest.raises(Invalid) as refused:
            validators.email_address("comune.bari.it")
        assert "@-sign" not in str(refused.value.fields) and "Manca il simbolo @." in str(refused.value.fields)
    with app.test_request_context("/"), force_locale("en"):
        with pytest.raises(EmailNotValidError) as caught:
            validate_email("comune.bari.it", check_deliverability=False)
        assert email_problem(caught.value) == "The @ sign is missing."


def test_label_registry_refuses_a_member_without_label_and_reads_plain_values():
    import enum

    import pytest

    from app.labels import choices, enum_labels

    class Colour(enum.StrEnum):
        RED = "red"
        BLUE = "blue"

    with pytest.raises(ValueError, match="blue"):
        enum_labels(Colour, {"red": "Rosso"})
    enum_labels(Colour, {Colour.RED: "Rosso", "blue": "Blu"}, name="TestColour")
    try:
        assert label(Colour.BLUE) == "Blu"
        assert label("red", "TestColour") == "Rosso"
        assert label("green", "TestColour") == "green"
        assert label(None) == ""
        assert choices(Colour) == [("red", "Rosso"), ("blue", "Blu")]
    finally:  # the registry is the app's: leave no test enum behind
        from app import labels

        labels._BY_CLASS.pop(Colour, None)
        labels._BY_NAME.pop("TestColour", None)
