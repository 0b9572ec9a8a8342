"""Official identifiers: format and check digits (shared/DOMAIN.md), with the field named."""

import pytest

from app.errors import Invalid
from crm import validators as v


@pytest.mark.parametrize(
    ("raw", "expected"), [("072006", "072006"), ("72006", "072006"), (" 041044 ", "041044"), ("", None), (None, None)]
)
def test_istat_code_is_six_digits_with_leading_zeros_restored(raw, expected):
    assert v.istat_code(raw) == expected


@pytest.mark.parametrize("raw", ["0720061", "07200A", "000123", "072000", "ab"])
def test_bad_istat_codes_are_refused_naming_the_field(raw):
    with pytest.raises(Invalid) as err:
        v.istat_code(raw)
    assert "istat_code" in err.value.fields


def test_belfiore_code():
    assert v.belfiore_code("a662") == "A662"
    for bad in ("A66", "6620", "AA62", "A6622"):
        with pytest.raises(Invalid) as err:
            v.belfiore_code(bad)
        assert list(err.value.fields) == ["belfiore_code"]


def test_codice_fiscale_and_partita_iva_check_digit_and_office_code():
    assert v.fiscal_number("80015010723") == "80015010723"  # Comune di Bari
    assert v.fiscal_number("IT 00829840156", "vat_number") == "00829840156"
    assert v.fiscal_number("00829840156", "vat_number") == "00829840156"
    with pytest.raises(Invalid) as err:
        v.fiscal_number("80015010724")  # last digit changed
    assert "controllo" in err.value.fields["fiscal_code"][0]
    with pytest.raises(Invalid) as err:
        v.fiscal_number("12345670000", "vat_number")  # office code 000
    assert "ufficio" in err.value.fields["vat_number"][0]
    with pytest.raises(Invalid):
        v.fiscal_number("8001501072")


def test_codice_ipa_follows_the_kind_of_ente():
    assert v.ipa_code("C_A662", kind="comune", belfiore="A662") == "c_a662"
    assert v.ipa_code("p_ba", kind="provincia", province="BA") == "p_ba"
    assert v.ipa_code("umsv_01", kind="unione_comuni") == "umsv_01"
    with pytest.raises(Invalid):
        v.ipa_code("c_g479", kind="comune", belfiore="A662")
    with pytest.raises(Invalid):
        v.ipa_code("comune_bari", kind="comune")
    with pytest.raises(Invalid):
        v.ipa_code("con spazi")


def test_codice_univoco_ufficio_is_six_alphanumerics():
    assert v.sdi_code("uf3kzw") == "UF3KZW"
    for bad in ("UF3KZ", "UF3KZW7", "UF-KZW"):
        with pytest.raises(Invalid) as err:
            v.sdi_code(bad)
        assert "sdi_code" in err.value.fields


def test_pec_email_and_phone():
    assert v.email_address("Protocollo@PEC.Comune.Bari.it", "pec") == "protocollo@pec.comune.bari.it"
    with pytest.raises(Invalid) as err:
        v.email_address("protocollo@", "pec")
    assert "pec" in err.value.fields
    assert v.phone_number("080 577 1111") == "+390805771111"
    with pytest.raises(Invalid):
        v.phone_number("12")


def test_cig_check_and_cup():
    n = 1234567
    good = f"{n}{(n * 211) % 4091:03X}"
    assert v.cig(good) == good
    assert v.cig("Z1A2B3C4D5") == "Z1A2B3C4D5"  # smart CIG
    bad = f"{n}{((n * 211) % 4091 + 1) % 4096:03X}"
    with pytest.raises(Invalid):
        v.cig(bad)
    assert v.cup("j91b20000120004") == "J91B20000120004"
    with pytest.raises(Invalid):
        v.cup("J91B2000012000")
