"""Flask-WTF forms of the CRM pages. They only collect input: the services validate identifiers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import FlaskForm, MoneyField
from app.labels import choices
from crm.models import AgreementStatus, ContactRole, InteractionKind, OrgKind

KIND_CHOICES = choices(OrgKind)
ROLE_CHOICES = choices(ContactRole)
STATUS_CHOICES = choices(AgreementStatus)
BILLING_CHOICES = [
    ("richiesta_pagamento", _l("Richiesta di pagamento (fuori campo IVA)")),
    ("fattura", _l("Fattura elettronica (FatturaPA)")),
]
SLA_CHOICES = [("base", _l("Base")), ("standard", _l("Standard")), ("premium", _l("Premium"))]
INTERACTION_CHOICES = choices(InteractionKind)


class OrganizationForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    kind = SelectField(_l("Tipo di ente"), choices=KIND_CHOICES)
    name = StringField(_l("Denominazione"), validators=[DataRequired(), Length(max=200)])
    istat_code = StringField(_l("Codice ISTAT"), validators=[Optional(), Length(max=6)])
    belfiore_code = StringField(_l("Codice catastale (Belfiore)"), validators=[Optional(), Length(max=4)])
    fiscal_code = StringField(_l("Codice fiscale"), validators=[Optional(), Length(max=13)])
    vat_number = StringField(_l("Partita IVA"), validators=[Optional(), Length(max=13)])
    ipa_code = StringField(_l("Codice IPA"), validators=[Optional(), Length(max=50)])
    sdi_code = StringField(_l("Codice univoco ufficio (SDI)"), validators=[Optional(), Length(max=6)])
    pec = StringField(_l("PEC"), validators=[Optional(), Length(max=254)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Telefono"), validators=[Optional(), Length(max=30)])
    address = StringField(_l("Indirizzo"), validators=[Optional(), Length(max=200)])
    zip_code = StringField(_l("CAP"), validators=[Optional(), Length(max=5)])
    city = StringField(_l("Città"), validators=[Optional(), Length(max=100)])
    province = StringField(_l("Provincia (sigla)"), validators=[Optional(), Length(max=2)])
    region = StringField(_l("Regione"), validators=[Optional(), Length(max=60)])
    population = IntegerField(_l("Abitanti"), validators=[Optional(), NumberRange(min=0)])
    population_year = IntegerField(_l("Anno di riferimento della popolazione"), validators=[Optional()])
    pagopa_segregation_code = StringField(_l("Codice di segregazione pagoPA"), validators=[Optional(), Length(max=2)])
    active = BooleanField(_l("Ente attivo"), default=True)
    notes = TextAreaField(_l("Note"), validators=[Optional()])


class UnionMembersForm(FlaskForm):
    member_ids = SelectMultipleField(_l("Comuni membri"), coerce=int, validate_choice=False)


class ContactForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    organization_id = SelectField(_l("Ente"), coerce=int, validate_choice=False)
    name = StringField(_l("Nome e cognome"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Ruolo"), choices=ROLE_CHOICES)
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Telefono"), validators=[Optional(), Length(max=30)])
    fiscal_code = StringField(_l("Codice fiscale (accesso con SPID/CIE)"), validators=[Optional(), Length(max=30)])
    portal_access = BooleanField(_l("Accesso al portale (referente)"))
    only_own_requests = BooleanField(_l("Sul portale vede solo le proprie richieste"))
    sms_notifications = BooleanField(_l("Avvisi via SMS"))
    consent = BooleanField(_l("Consenso al trattamento dei dati"))
    active = BooleanField(_l("Contatto attivo"), default=True)
    notes = TextAreaField(_l("Note"), validators=[Optional()])


def int_or_none(value: object) -> int | None:
    """An optional id from a select: the empty choice is None, not a coercion error."""
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[call-overload]


class ServiceForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    code = StringField(_l("Codice"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Nome"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Descrizione"), validators=[Optional()])
    default_sla_policy = SelectField(_l("Livello di servizio predefinito"), choices=SLA_CHOICES, default="standard")
    active = BooleanField(_l("Servizio attivo"), default=True)


class AgreementForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    organization_id = SelectField(
        _l("Ente"), coerce=int_or_none, validate_choice=False, validators=[DataRequired(message=_l("Scegli l'ente."))]
    )
    code = StringField(_l("Codice (vuoto: assegnato in automatico)"), validators=[Optional(), Length(max=40)])
    protocol_number = StringField(_l("Numero di protocollo"), validators=[Optional(), Length(max=60)])
    title = StringField(_l("Oggetto"), validators=[Optional(), Length(max=300)])
    start_date = DateField(_l("Data di inizio"), validators=[DataRequired()])
    end_date = DateField(_l("Data di fine"), validators=[DataRequired()])
    service_ids = SelectMultipleField(
        _l("Servizi inclusi"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Scegli almeno un servizio."))],
    )
    billing_document = SelectField(_l("Documento di addebito"), choices=BILLING_CHOICES)
    annual_fee_fixed = MoneyField(_l("Quota fissa annua (€)"), places=2, validators=[Optional(), NumberRange(min=0)])
    fee_per_inhabitant = MoneyField(_l("Quota per abitante (€)"), places=4, validators=[Optional(), NumberRange(min=0)])
    included_hours = MoneyField(
        _l("Ore incluse all'anno"), places=2, max_value=10**6, validators=[Optional(), NumberRange(min=0)]
    )
    hourly_rate = MoneyField(_l("Tariffa oraria extra (€)"), places=2, validators=[Optional(), NumberRange(min=0)])
    sla_tier = SelectField(_l("Livello di servizio (SLA)"), choices=SLA_CHOICES, default="standard")
    cig = StringField(_l("CIG"), validators=[Optional(), Length(max=10)])
    cup = StringField(_l("CUP"), validators=[Optional(), Length(max=15)])
    vat_rate = MoneyField(
        _l("Aliquota IVA (%, vuoto: quella del centro)"), places=2, validators=[Optional(), NumberRange(min=0, max=100)]
    )
    vat_nature = StringField(_l("Natura IVA FatturaPA (N1…N7, se esente)"), validators=[Optional(), Length(max=5)])
    notes = TextAreaField(_l("Note"), validators=[Optional()])


class BulkAgreementForm(AgreementForm):
    organization_id = None  # type: ignore[assignment]  # many enti, chosen below
    organization_ids = SelectMultipleField(_l("Enti"), coerce=int, validate_choice=False)
    activate = BooleanField(_l("Attiva subito le convenzioni"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Nuovo stato"), choices=STATUS_CHOICES)


class DocumentForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    document = FileField(_l("Convenzione firmata (PDF o .p7m)"), validators=[FileRequired()])


class InteractionForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    kind = SelectField(_l("Tipo"), choices=INTERACTION_CHOICES, default="note")
    contact_id = SelectField(_l("Contatto"), coerce=int, validate_choice=False, default=0)
    occurred_at = DateTimeLocalField(_l("Quando"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    subject = StringField(_l("Oggetto"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Resoconto"), validators=[Optional()])


class ImportComuniForm(FlaskForm):
    province = StringField(_l("Provincia (sigla)"), validators=[DataRequired(), Length(min=2, max=2)], default="BA")


class CsvImportForm(FlaskForm):
    once = True  # creates something: a double submit creates it once
    what = SelectField(_l("Cosa importare"), choices=[("organizations", _l("Enti")), ("contacts", _l("Contatti"))])
    file = FileField(_l("File CSV"), validators=[FileRequired()])
    dry_run = BooleanField(_l("Solo verifica, senza salvare"))
