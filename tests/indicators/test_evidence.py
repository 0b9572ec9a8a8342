"""Evidence of a value as an uploaded file (PDF or image, size and type checked, stored through app.storage):
from the operator's form, the referente's survey form and the API (multipart); downloaded with the ente's
permission only (another ente's referente: 404)."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _tokens(client, path: str) -> dict[str, str]:
    html = client.get(path).get_data(as_text=True)
    out = {"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)}
    once = re.search(r'name="form_once" value="([^"]+)"', html)
    if once:
        out["form_once"] = once.group(1)
    return out


def test_operator_records_a_value_with_a_file_and_only_allowed_files_pass(
    app, client, db, login_as, make_org, catalog, monkeypatch
):
    from indicators.models import IndicatorValue

    org = make_org()
    cloud = catalog["PNRR-1.2-CLOUD"]
    login_as("operator")
    url = f"/indicatori/ente/{org.id}/{cloud.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "al massimo 5 MB" in page

    fake = client.post(
        url,
        data={
            **_tokens(client, url),
            "value": "60",
            "note": "verbale",
            "evidence_file": (io.BytesIO(b"MZ..."), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    html = fake.get_data(as_text=True)
    assert fake.status_code == 422 and "solo PDF, PNG, JPEG o WebP" in html
    assert 'value="60"' in html and "verbale" in html  # everything typed is kept
    monkeypatch.setitem(app.config, "INDICATORS_EVIDENCE_MAX_BYTES", 1024 * 1024)
    big = client.post(
        url,
        data={**_tokens(client, url), "value": "60", "evidence_file": (io.BytesIO(PDF + b"0" * 1024 * 1024), "b.pdf")},
        content_type="multipart/form-data",
    )
    assert big.status_code == 422 and "massimo 1 MB" in big.get_data(as_text=True)
    both = client.post(
        url,
        data={
            **_tokens(client, url),
            "value": "60",
            "evidence_url": "https://example.it/x",
            "evidence_file": (io.BytesIO(PDF), "c.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert both.status_code == 422 and "non entrambi" in both.get_data(as_text=True)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(IndicatorValue))

    ok = client.post(
        url,
        data={
            **_tokens(client, url),
            "value": "60",
            "as_of": "2026-11-30",
            "evidence_file": (io.BytesIO(PDF), "delibera.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    row = db.session.scalars(sa.select(IndicatorValue)).one()
    assert (row.value, row.evidence_filename, row.evidence_content_type, row.evidence_size) == (
        60,
        "delibera.pdf",
        "application/pdf",
        len(PDF),
    )
    history = client.get(url).get_data(as_text=True)
    assert f'/indicatori/valori/{row.id}/evidenza">delibera.pdf' in history
    got = client.get(f"/indicatori/valori/{row.id}/evidenza")
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert "attachment" in got.headers["Content-Disposition"] and got.headers["X-Content-Type-Options"] == "nosniff"


def test_api_multipart_upload_and_download_scoped_to_the_referente(api_as, db, make_user, make_org, catalog):
    own, other = make_org(), make_org()
    spid = catalog["PNRR-1.4.4-SPID"]
    ref = api_as(user=make_user("referente", organization=own))
    created = ref.post(
        "/api/v1/indicator-values",
        data={
            "organization_id": str(own.id),
            "indicator_id": str(spid.id),
            "value": "true",
            "evidence_file": (io.BytesIO(PNG), "schermata.png"),
        },
        content_type="multipart/form-data",
    )
    assert created.status_code == 201, created.json
    assert (created.json["value"], created.json["evidence_filename"], created.json["evidence_content_type"]) == (
        True,
        "schermata.png",
        "image/png",
    )
    value_id = created.json["id"]
    got = ref.get(f"/api/v1/indicator-values/{value_id}/evidence")
    assert got.status_code == 200 and got.data == PNG
    bad = ref.post(
        "/api/v1/indicator-values",
        data={
            "organization_id": str(own.id),
            "indicator_id": str(spid.id),
            "value": "true",
            "evidence_file": (io.BytesIO(b"<svg/>"), "x.svg"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and "evidence_file" in bad.json["error"]["fields"]
    assert ref.post("/api/v1/indicator-values", data="x", content_type="text/plain").status_code == 415
    json_value = ref.post(
        "/api/v1/indicator-values", json={"organization_id": own.id, "indicator_id": spid.id, "value": False}
    )
    assert json_value.status_code == 201 and json_value.json["evidence_filename"] is None
    assert ref.get(f"/api/v1/indicator-values/{json_value.json['id']}/evidence").status_code == 404  # no file

    stranger = api_as(user=make_user("referente", organization=other))
    assert stranger.get(f"/api/v1/indicator-values/{value_id}/evidence").status_code == 404
    foreign = stranger.post(
        "/api/v1/indicator-values",
        data={
            "organization_id": str(own.id),
            "indicator_id": str(spid.id),
            "value": "true",
            "evidence_file": (io.BytesIO(PNG), "y.png"),
        },
        content_type="multipart/form-data",
    )
    assert foreign.status_code == 404
    assert api_as("operator").get(f"/api/v1/indicator-values/{value_id}/evidence").status_code == 200


def test_referente_attaches_a_file_to_a_survey_answer_and_another_ente_cannot_see_it(
    client, db, login, make_user, make_org, catalog
):
    from indicators.models import IndicatorValue
    from indicators.surveys import create_survey

    org, other = make_org(), make_org()
    spid, cloud = catalog["PNRR-1.4.4-SPID"], catalog["PNRR-1.2-CLOUD"]
    survey = create_survey(
        actor=make_user("admin"),
        title="Con prove",
        indicator_ids=[spid.id, cloud.id],
        organization_ids=[org.id],
        due_date=dt.date(2026, 12, 31),
        today=dt.date(2026, 12, 1),
    )
    login(make_user("referente", organization=org))
    url = f"/indicatori/questionari/{survey.id}"
    form = client.get(url).get_data(as_text=True)
    assert f'name="f-{spid.id}"' in form and 'enctype="multipart/form-data"' in form
    token = _tokens(client, url)
    refused = client.post(
        url,
        data={
            **token,
            f"v-{spid.id}": "true",
            f"v-{cloud.id}": "tanti",
            "azione": "invia",
            f"f-{spid.id}": (io.BytesIO(b"not a pdf"), "prova.pdf"),
        },
        content_type="multipart/form-data",
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "solo PDF, PNG, JPEG o WebP" in html and "atteso un numero" in html
    assert f'id="v-{spid.id}-si" value="true" checked' in html and 'value="tanti"' in html  # kept
    saved = client.post(
        url,
        data={**token, f"v-{spid.id}": "true", "azione": "salva", f"f-{spid.id}": (io.BytesIO(PDF), "spid.pdf")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    assert "Già allegato: spid.pdf" in client.get(url).get_data(as_text=True)  # kept with the draft
    sent = client.post(
        url,
        data={**token, f"v-{spid.id}": "true", f"v-{cloud.id}": "40", "azione": "invia"},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    row = db.session.scalars(sa.select(IndicatorValue).where(IndicatorValue.indicator_id == spid.id)).one()
    assert (row.source.value, row.evidence_filename) == ("survey", "spid.pdf")
    assert client.get(f"/indicatori/valori/{row.id}/evidenza").data == PDF

    client.post("/logout", data={"csrf_token": _tokens(client, url)["csrf_token"]})
    login(make_user("referente", organization=other))
    assert client.get(f"/indicatori/valori/{row.id}/evidenza").status_code == 404
