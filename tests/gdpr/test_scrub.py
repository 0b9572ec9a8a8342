"""The scrubber reads free text from outside (e-mails, SMS, transcripts): it finds the person's data
whatever surrounds it and never fails."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gdpr.scrub import Scrubber, strip_signature

S = Scrubber(name="Giuseppina Verdastri", emails=["G.Verdastri@Comune.example.it"], phones=["+393331234567"])


def test_occurrences_are_replaced_in_any_form():
    text = (
        "Scrive verdastri giuseppina (g.verdastri@comune.example.it), cell. +39 333 123 4567 "
        "oppure 333.1234567 o 0039 3331234567; Giuseppina ringrazia."
    )
    out = S(text)
    for needle in ("erdastri", "iuseppina", "g.verdastri", "1234567"):
        assert needle not in out.lower(), out


def test_signature_and_quoted_headers_of_her_own_messages_go():
    text = "Grazie, tutto ok.\n-- \nG.V.\nUfficio Tributi\nTel interno 204\n\n> Da: Centro <a@b.it>\n> Testo citato"
    out = S(text, own=True)
    assert out.startswith("Grazie, tutto ok.\n[firma rimossa]") and "Ufficio Tributi" not in out
    assert "> Da: [intestazione rimossa]" in out and "> Testo citato" in out


def test_closing_keeps_the_greeting_and_cuts_what_follows():
    assert strip_signature("Testo\nCordiali saluti,\nMario\nSindaco") == "Testo\nCordiali saluti,\n[firma rimossa]"
    assert strip_signature("Nessuna firma qui") == "Nessuna firma qui"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200), st.booleans())
def test_her_data_never_survives_whatever_surrounds_it(before, after, own):
    out = S(f"{before} Giuseppina Verdastri <g.verdastri@comune.example.it> +39 333 1234567 {after}", own=own)
    assert "g.verdastri@comune.example.it" not in out.lower()
    assert "giuseppina verdastri" not in out.lower()
