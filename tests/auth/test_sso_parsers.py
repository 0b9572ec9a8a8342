"""Property tests of what single sign-on reads from outside: fiscal codes, acr claims, the callback's
query string and whatever the provider returns as an ID token."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.it import codicefiscale

from app.auth.identity import acr_level, fiscal_code_from_claim, normalize_fiscal_code
from app.errors import Invalid

ALNUM = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=15, max_size=15)


@given(st.text(max_size=40))
def test_any_text_is_a_fiscal_code_or_a_field_error(raw):
    try:
        code = normalize_fiscal_code(raw)
    except Invalid as exc:
        assert "fiscal_code" in exc.fields
    else:
        assert code is None or (len(code) == 16 and code == code.upper() and codicefiscale.is_valid(code))


@given(ALNUM, st.sampled_from(["", "TINIT-", "tinit-", " TINIT-"]), st.booleans())
def test_valid_codes_survive_prefix_and_case(base, prefix, lower):
    try:
        code = base + codicefiscale.calc_check_digit(base)
    except Exception:  # noqa: BLE001 - not every 15-character string has a check letter
        return
    if not codicefiscale.is_valid(code) or len(codicefiscale.compact(code)) != 16:
        return
    claim = prefix + (code.lower() if lower else code)
    assert fiscal_code_from_claim(claim) == code


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=60), st.lists(st.text())))
def test_acr_is_a_level_1_to_3_or_none(value):
    level = acr_level(value)
    assert level is None or level in (1, 2, 3)
    assert fiscal_code_from_claim(value) is None or isinstance(value, str)


@pytest.mark.parametrize(
    ("acr", "level"),
    [
        ("https://www.spid.gov.it/SpidL1", 1),
        ("https://www.spid.gov.it/SpidL2", 2),
        ("https://www.spid.gov.it/SpidL3/", 3),
        ("CieL3", 3),
        ("2", 2),
        (None, None),
        ("urn:oasis:names:tc:SAML:2.0:ac:classes:Password", None),
    ],
)
def test_acr_levels(acr, level):
    assert acr_level(acr) == level


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=st.text(max_size=300), code=st.text(max_size=300), error=st.one_of(st.none(), st.text(max_size=50)))
def test_any_callback_query_is_refused_cleanly(client, sso, state, code, error):
    client.get("/login/oidc")
    params = {"state": state, "code": code}
    if error is not None:
        params["error"] = error
    response = client.get("/login/oidc/callback", query_string=params)
    assert response.status_code in (400, 403, 422)  # 422: a control character in the query (one edge, app.routing)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    token=st.one_of(
        st.text(max_size=200), st.from_regex(r"\A[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}\Z")
    )
)
def test_any_id_token_is_refused_with_an_oidc_error(sso, token):
    from app.auth.oidc import OidcError, verify_id_token

    with pytest.raises(OidcError):
        verify_id_token(token, nonce="n")
