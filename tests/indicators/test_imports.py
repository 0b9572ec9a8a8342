"""`flask indicators import` and `import-padigitale`: lines reported by number, nothing of a bad line stored."""

from __future__ import annotations

import decimal

import sqlalchemy as sa


def _values(db):
    from indicators.models import IndicatorValue

    return db.session.scalars(sa.select(IndicatorValue).order_by(IndicatorValue.id)).all()


def test_import_reports_bad_lines_by_number_and_keeps_the_good_ones(app, db, make_org, catalog, tmp_path):
    a = make_org(istat_code="072006")
    b = make_org(istat_code="072011")
    path = tmp_path / "values.csv"
    path.write_text(
        "istat_code,indicator_code,value,as_of\n"
        "072006,PNRR-1.4.4-SPID,sì,2026-05-31\n"
        "999999,PNRR-1.4.4-SPID,true,2026-05-31\n"
        "72011,PNRR-1.2-CLOUD,75%,31/05/2026\n"
        "072011,PNRR-1.2-CLOUD,150,2026-05-31\n"
        "072011,PNRR-1.4.3-IO,2,2026-13-01\n"
        "072011,NOPE,2,2026-05-01\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["indicators", "import", str(path)])
    assert result.exit_code == 1
    assert "2 stored" in result.stdout and "4 rejected" in result.stdout
    errors = result.stderr.splitlines()
    assert [e.split(":")[0] for e in errors] == ["riga 3", "riga 5", "riga 6", "riga 7"]
    assert "istat_code" in errors[0] and "value" in errors[1] and "as_of" in errors[2] and "indicator_code" in errors[3]
    stored = _values(db)
    assert [(v.organization_id, v.value, v.as_of.isoformat(), v.source.value) for v in stored] == [
        (a.id, True, "2026-05-31", "import"),
        (b.id, 75, "2026-05-31", "import"),
    ]


def test_import_refuses_a_file_without_the_columns(app, db, catalog, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("comune;valore\nBari;1\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["indicators", "import", str(path)])
    assert result.exit_code == 1 and "istat_code" in result.stderr
    assert _values(db) == []


PADIGITALE = (
    "codice_ipa;ente;avviso;importo_finanziamento;data_finanziamento;stato_candidatura\n"
    "c_a662;Comune di Bari;Misura 1.4.3 Adozione piattaforma pagoPA - Comuni (Aprile 2022);"
    "12.345,67;2022-09-12;FINANZIATA\n"
    "c_a662;Comune di Bari;Misura 1.4.3 Adozione app IO - Comuni (Aprile 2022);9000;12/09/2022;FINANZIATA\n"
    "c_a662;Comune di Bari;Misura 1.2 Abilitazione al cloud per le PA Locali Comuni;121992.00;2023-01-20;\n"
    "c_zzzz;Altro;Misura 1.4.1 Esperienza del Cittadino;1000;2022-10-01;\n"
    "c_a893;Comune di Bitonto;Misura 1.4.4 Adozione identità digitale SPID CIE;abc;2022-10-01;\n"
)


def test_padigitale_records_funding_per_comune_and_measure(app, db, make_org, catalog, tmp_path):
    from indicators.models import Funding

    bari = make_org(ipa_code="c_a662")
    make_org(ipa_code="c_a893")
    path = tmp_path / "candidature.csv"
    path.write_text(PADIGITALE, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["indicators", "import-padigitale", str(path)])
    assert "3 stored" in result.stdout, result.output
    assert [e.split(":")[0] for e in result.stderr.splitlines()] == ["riga 5", "riga 6"]
    rows = db.session.scalars(sa.select(Funding).order_by(Funding.amount)).all()
    assert [(f.organization_id, f.indicator_id, f.amount, f.funded_on.isoformat()) for f in rows] == [
        (bari.id, catalog["PNRR-1.4.3-IO"].id, decimal.Decimal("9000.00"), "2022-09-12"),
        (bari.id, catalog["PNRR-1.4.3-PAGOPA"].id, decimal.Decimal("12345.67"), "2022-09-12"),
        (bari.id, catalog["PNRR-1.2-CLOUD"].id, decimal.Decimal("121992.00"), "2023-01-20"),
    ]
    again = runner.invoke(args=["indicators", "import-padigitale", str(path)])
    assert "0 stored, 3 unchanged" in again.stdout
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Funding)) == 3
