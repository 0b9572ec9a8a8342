"""`flask crm import-comuni` and `flask crm agreement-alerts`: exit status and one-line output."""

import datetime as dt

from crm.models import Organization


def test_import_comuni_command(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["crm", "import-comuni", "--province", "BA"])
    assert result.exit_code == 0, result.output
    assert "41 created" in result.output
    again = runner.invoke(args=["crm", "import-comuni", "--province", "ba"])
    assert "41 unchanged" in again.output
    assert db.session.query(Organization).count() == 41
    bad = runner.invoke(args=["crm", "import-comuni", "--province", "XX"])
    assert bad.exit_code != 0


def test_agreement_alerts_command(app, db, make_agreement, make_user):
    make_user("finance")
    make_agreement(end_date=dt.date.today() + dt.timedelta(days=20))
    result = app.test_cli_runner().invoke(args=["crm", "agreement-alerts"])
    assert result.exit_code == 0 and "1 alerted" in result.output


def test_new_comune_by_istat_code_is_completed_from_the_registry(db):
    from crm.services import create_organization

    org = create_organization(kind="comune", name="Comune di Altamura", istat_code="72004")
    assert (org.belfiore_code, org.province, org.region, org.population_year) == ("A225", "BA", "Puglia", 2023)
