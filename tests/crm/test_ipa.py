"""IndicePA import: enti matched by fiscal code get IPA code, PEC and codice univoco ufficio."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import Invalid
from app.extensions import db
from crm import ipa

ENTI = (
    "Codice_IPA\tDenominazione_ente\tCodice_fiscale_ente\tTipologia\tMail1\tTipo_Mail1\tMail2\tTipo_Mail2\tMail3\tTipo_Mail3\n"
    "c_a893\tComune di Bitonto\t00382520722\tPubbliche Amministrazioni\tinfo@comune.bitonto.ba.it\tAltro\t"
    "protocollo.comune.bitonto@pec.rupar.puglia.it\tPec\t\t\n"
    "c_b923\tComune di Capurso\t00850580729\tPubbliche Amministrazioni\t"
    "protocollo@pec.comune.capurso.bari.it\tPec\t\t\t\t\n"
    "c_zzzz\tComune non cliente\t99999999999\tPubbliche Amministrazioni\t\t\t\t\t\t\n"
)
UO_SFE = (
    "Codice_IPA,Denominazione_ente,Codice_uni_uo,Denominazione_uo,Codice_fiscale_sfe,Data_avvio_sfe\n"
    "c_a893,Comune di Bitonto,UFAB12,Uff_eFatturaPA,00382520722,2015-03-31\n"
    "c_b923,Comune di Capurso,UFC0P1,Uff_eFatturaPA,00850580729,2015-03-31\n"
)


def test_import_fills_the_codes_and_reports_changes(app, make_org, tmp_path):
    bitonto = make_org(name="Comune di Bitonto", fiscal_code="00382520722")
    capurso = make_org(name="Comune di Capurso", fiscal_code="00850580729", sdi_code="UFC0P1", pec=None)
    (tmp_path / "enti.txt").write_text(ENTI)
    (tmp_path / "uo_sfe.csv").write_text(UO_SFE)
    result = app.test_cli_runner().invoke(
        args=["crm", "import-ipa", str(tmp_path / "enti.txt"), str(tmp_path / "uo_sfe.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "2 enti aggiornati" in result.output
    assert "sdi_code: - -> UFAB12" in result.output
    db.session.expire_all()
    assert (bitonto.ipa_code, bitonto.pec, bitonto.sdi_code) == (
        "c_a893",
        "protocollo.comune.bitonto@pec.rupar.puglia.it",
        "UFAB12",
    )
    assert (capurso.ipa_code, capurso.pec) == ("c_b923", "protocollo@pec.comune.capurso.bari.it")
    # a comune with no fiscal code yet is found by its ISTAT code
    (tmp_path / "enti2.csv").write_text(
        "Codice_IPA;Codice_fiscale_ente;Codice_comune_ISTAT;Mail1;Tipo_Mail1\n"
        "c_a662;80015010723;072006;protocollo@pec.comune.bari.it;Pec\n"
    )
    bari = make_org(name="Comune di Bari", fiscal_code=None, istat_code="072006")
    out = app.test_cli_runner().invoke(args=["crm", "import-ipa", str(tmp_path / "enti2.csv")])
    assert "1 enti aggiornati" in out.output
    db.session.expire_all()
    assert (bari.fiscal_code, bari.ipa_code) == ("80015010723", "c_a662")
    again = app.test_cli_runner().invoke(args=["crm", "import-ipa", str(tmp_path / "enti.txt")])
    assert "0 enti aggiornati" in again.output


def test_not_an_enti_file_fails_cleanly(app, tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    result = app.test_cli_runner().invoke(args=["crm", "import-ipa", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "IndicePA" in result.output


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_reader_never_crashes(data):
    try:
        rows = ipa.read_rows(data)
    except Invalid as exc:
        assert exc.fields
    else:
        assert all(isinstance(r, dict) for r in rows)


def test_the_sample_indicepa_files_fill_the_codes_of_the_demo_comuni(app, db):
    """The demo comuni carry their verified fiscal codes; `flask crm import-ipa` on the bundled sample
    IndicePA files matches them by it and fills IPA code, PEC and codice univoco ufficio."""
    import sqlalchemy as sa

    from crm import demo
    from crm.models import Organization
    from crm.registry import fiscal_codes

    demo.load({})
    db.session.commit()
    bari = db.session.scalar(sa.select(Organization).where(Organization.istat_code == "072006"))
    assert bari is not None and bari.fiscal_code == "80015010723"
    bari.ipa_code = None  # as if the ente had been typed by hand
    db.session.commit()
    sample = Path(ipa.__file__).parent / "data" / "ipa_sample"
    rows = ipa.read_rows((sample / "enti.txt").read_bytes())
    codes = fiscal_codes()
    for row in rows:  # the sample's comuni use the registry's verified fiscal codes
        if row.get("Codice_comune_ISTAT"):
            assert row["Codice_fiscale_ente"] == codes[row["Codice_comune_ISTAT"]]
    result = app.test_cli_runner().invoke(
        args=["crm", "import-ipa", str(sample / "enti.txt"), str(sample / "uo_sfe.txt")]
    )
    assert result.exit_code == 0, result.output
    assert "Comune di Bari" in result.output and "1 enti aggiornati" in result.output
    db.session.expire_all()
    bari = db.session.get(Organization, bari.id)
    assert (bari.ipa_code, bari.pec, bari.sdi_code) == (
        "c_a662",
        "protocollo@pec.comune.bari.ipa-sample.example",
        "UFA662",
    )
    again = app.test_cli_runner().invoke(args=["crm", "import-ipa", str(sample / "enti.txt")])
    assert "0 enti aggiornati" in again.output
