"""Configuration read from the environment (shared/CONTRACT.md lists every variable)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("crm", "tickets", "billing", "contact_center", "reports", "integrations", "gdpr", "kb", "indicators")


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def translation_directories() -> str:
    dirs = [str(ROOT / "translations")] + [str(ROOT / m / "translations") for m in MODULES]
    return ";".join(dirs)


class Config:
    """Development and embedded default: SQLite under instance/, jobs inline."""

    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'presidio.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # A read replica for reports (app/replica.py); unset: reports read from the primary.
    DATABASE_REPLICA_URL = _env("DATABASE_REPLICA_URL")
    REPLICA_RETRY_SECONDS = int(_env("REPLICA_RETRY_SECONDS", "30") or 30)
    REDIS_URL = _env("REDIS_URL")
    RQ_QUEUE_PREFIX = _env("RQ_QUEUE_PREFIX", "presidio")
    SECRET_KEY = _env("SECRET_KEY") or secrets.token_hex(32)
    PUBLIC_BASE_URL = (_env("PUBLIC_BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/")
    TIMEZONE = _env("TIMEZONE", "Europe/Rome")
    MAIL_SMTP_URL = _env("MAIL_SMTP_URL")
    MAIL_FROM = _env("MAIL_FROM", "assistenza@presidio.local")
    INBOUND_TOKEN = _env("INBOUND_TOKEN")
    TWILIO_ACCOUNT_SID = _env("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = _env("TWILIO_AUTH_TOKEN")
    TWILIO_NUMBER = _env("TWILIO_NUMBER")
    ATTACHMENTS_DIR = _env("ATTACHMENTS_DIR", str(ROOT / "instance" / "attachments"))
    # Stored files (app/storage.py): "local" keeps them under ATTACHMENTS_DIR, "s3" in a bucket.
    STORAGE_BACKEND = _env("STORAGE_BACKEND", "local")
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")
    S3_BUCKET = _env("S3_BUCKET")
    S3_REGION = _env("S3_REGION")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID")
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY")
    S3_PREFIX = _env("S3_PREFIX", "")
    CENTER_NAME = _env("CENTER_NAME", "Città Metropolitana di Bari — Centro di Competenza sulla Digitalizzazione")
    CENTER_FISCAL_CODE = _env("CENTER_FISCAL_CODE", "80000110728")
    CENTER_VAT_NUMBER = _env("CENTER_VAT_NUMBER", "80000110728")
    CENTER_ADDRESS = _env("CENTER_ADDRESS", "Lungomare Nazario Sauro 29")
    CENTER_ZIP = _env("CENTER_ZIP", "70121")
    CENTER_CITY = _env("CENTER_CITY", "Bari")
    CENTER_PROVINCE = _env("CENTER_PROVINCE", "BA")
    PAGOPA_SEGREGATION_CODE = _env("PAGOPA_SEGREGATION_CODE", "01")
    # Digital-agenda indicators: a GeoJSON of comuni (ISTAT code in PRO_COM_T/pro_com_t/PRO_COM/istat_code,
    # or in INDICATORS_BOUNDARIES_PROPERTY) draws the province map; unset: no map. Evidence files: at most
    # INDICATORS_EVIDENCE_MAX_BYTES (PDF, PNG, JPEG, WebP).
    INDICATORS_BOUNDARIES_FILE = _env("INDICATORS_BOUNDARIES_FILE")
    INDICATORS_BOUNDARIES_PROPERTY = _env("INDICATORS_BOUNDARIES_PROPERTY")
    INDICATORS_EVIDENCE_MAX_BYTES = int(_env("INDICATORS_EVIDENCE_MAX_BYTES", str(5 * 1024 * 1024)) or 5 * 1024 * 1024)
    # Optional language model for ticket summaries and reply drafts (kb/llm.py): an OpenAI-compatible
    # base URL (e.g. http://127.0.0.1:11434/v1 for Ollama). Unset: nothing is ever sent anywhere.
    ASSIST_LLM_URL = _env("ASSIST_LLM_URL")
    ASSIST_LLM_MODEL = _env("ASSIST_LLM_MODEL", "llama3.1")
    ASSIST_LLM_API_KEY = _env("ASSIST_LLM_API_KEY")
    # Seconds between checks for a newer suggestion model (kb/assist.py).
    ASSIST_RELOAD_SECONDS = int(_env("ASSIST_RELOAD_SECONDS", "60") or 60)

    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Europe/Rome")
    BABEL_TRANSLATION_DIRECTORIES = translation_directories()
    LANGUAGES = ("it", "en")

    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 30 * 1024 * 1024

    # Login throttling: failures allowed inside the window before 429.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_IP = 20
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

    # Jobs: retry with exponential backoff, then leave the job failed for an admin to see.
    JOBS_MAX_ATTEMPTS = 5
    JOBS_BACKOFF_SECONDS = 30
    JOBS_STALE_RUNNING_SECONDS = 15 * 60
    JOBS_INLINE_SCHEDULER = _env("PRESIDIO_INLINE_SCHEDULER") == "1"
    # Inbound mail: stored messages processed per transaction by one job (a savepoint each).
    INGEST_BATCH_SIZE = int(_env("INGEST_BATCH_SIZE", "20") or 20)

    # flask-smorest / OpenAPI
    API_TITLE = "Presidio API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    # Single sign-on (app/auth/oidc.py): unset OIDC_ISSUER means password login only.
    OIDC_ISSUER = (_env("OIDC_ISSUER") or "").rstrip("/") or None
    OIDC_CLIENT_ID = _env("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = _env("OIDC_CLIENT_SECRET")
    OIDC_SCOPES = _env("OIDC_SCOPES", "openid profile email")
    OIDC_LABEL = _env("OIDC_LABEL", "Entra con SPID o CIE")
    OIDC_TOKEN_AUTH_METHOD = _env("OIDC_TOKEN_AUTH_METHOD", "client_secret_basic")
    OIDC_PRIVATE_KEY_FILE = _env("OIDC_PRIVATE_KEY_FILE")
    OIDC_ROLE_CLAIM = _env("OIDC_ROLE_CLAIM")
    OIDC_ROLE_MAP = _env("OIDC_ROLE_MAP", "")
    OIDC_TRUST_EMAIL = _env("OIDC_TRUST_EMAIL") == "1"
    OIDC_ACR_VALUES = _env("OIDC_ACR_VALUES")
    LOG_JSON = _env("LOG_JSON", "1") == "1"
    # IndicePA open data refreshed daily by crm/ipa.py when set (enti file; SFE offices file optional)
    IPA_ENTI_URL = _env("IPA_ENTI_URL")
    IPA_UO_SFE_URL = _env("IPA_UO_SFE_URL")
    # SDI by PEC (billing/sdi_intake.py, billing/sdi.py). Notifications are recognised only in the PEC
    # mailbox whose address is SDI_PEC_MAILBOX (unset: SDI_PEC_SEND_FROM) and only from a sender of
    # SDI_PEC_SENDERS (comma-separated addresses or @domains). With SDI_PEC_SEND_FROM (a contact-center
    # PEC mailbox address) and SDI_PEC_ADDRESS set, an issued or resent fattura goes to the SDI by PEC.
    SDI_PEC_MAILBOX = _env("SDI_PEC_MAILBOX")
    SDI_PEC_SENDERS = _env("SDI_PEC_SENDERS", "@pec.fatturapa.it")
    SDI_PEC_SEND_FROM = _env("SDI_PEC_SEND_FROM")
    SDI_PEC_ADDRESS = _env("SDI_PEC_ADDRESS")
    # Email the ente its document (with the pagoPA notice PDF) when it is issued: 1 (default) or 0.
    BILLING_EMAIL_ON_ISSUE = _env("BILLING_EMAIL_ON_ISSUE", "1") == "1"
    # The center's CBILL code, printed on the pagoPA notice PDF when set (billing/notice_pdf.py)
    PAGOPA_CBILL_CODE = _env("PAGOPA_CBILL_CODE")
    # Number of reverse proxies (nginx) in front that set X-Forwarded-For/-Proto/-Host; 0 trusts none.
    PROXY_COUNT = int(_env("PROXY_COUNT", "0") or 0)


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/presidio_test")
    REDIS_URL = _env("REDIS_URL", "redis://127.0.0.1:6379/0")
    SECRET_KEY = "test-secret-key"  # noqa: S105
    MAIL_SMTP_URL = None
    STORAGE_BACKEND = "local"
    DATABASE_REPLICA_URL = None
    LOG_JSON = False
    JOBS_INLINE_SCHEDULER = False
    ASSIST_LLM_URL = None
    ASSIST_RELOAD_SECONDS = 0
    SDI_PEC_MAILBOX = None
    SDI_PEC_SEND_FROM = None
    SDI_PEC_ADDRESS = None


def config_for_environment() -> type[Config]:
    name = (_env("PRESIDIO_ENV") or _env("FLASK_ENV") or "").lower()
    if name == "production":
        return ProductionConfig
    return Config
