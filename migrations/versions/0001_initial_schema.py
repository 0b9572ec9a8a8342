"""initial schema

Revision ID: 0001
Revises:
Create Date: regenerated from the models

"""

from alembic import op
import sqlalchemy as sa

import app.db
from sqlalchemy.dialects import postgresql

# Dialect-specific DDL registered by the models (app.db.register_ddl), frozen here.
EXTRA_DDL = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION tickets_search_document(tid integer, subj text, descr text)\nRETURNS tsvector LANGUAGE sql STABLE AS $$\n  SELECT setweight(to_tsvector('italian', coalesce(subj, '')), 'A')\n      || setweight(to_tsvector('italian', coalesce(descr, '')), 'B')\n      || setweight(to_tsvector('italian', coalesce((\n           SELECT string_agg(m.body, ' ') FROM ticket_messages m\n           WHERE m.ticket_id = tid AND NOT m.internal), '')), 'C')\n$$",
        "CREATE OR REPLACE FUNCTION tickets_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    NEW.search_vector := setweight(to_tsvector('italian', coalesce(NEW.subject, '')), 'A')\n                      || setweight(to_tsvector('italian', coalesce(NEW.description, '')), 'B');\n  ELSE\n    NEW.search_vector := tickets_search_document(NEW.id, NEW.subject, NEW.description);\n  END IF;\n  RETURN NEW;\nEND $$",
        "CREATE TRIGGER tickets_search_update BEFORE INSERT OR UPDATE OF subject, description ON tickets\nFOR EACH ROW EXECUTE FUNCTION tickets_search_trigger()",
        "CREATE OR REPLACE FUNCTION ticket_messages_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  IF TG_OP = 'INSERT' THEN\n    IF NOT NEW.internal THEN\n      UPDATE tickets SET search_vector = coalesce(search_vector, ''::tsvector)\n        || setweight(to_tsvector('italian', coalesce(NEW.body, '')), 'C') WHERE id = NEW.ticket_id;\n    END IF;\n    RETURN NEW;\n  END IF;\n  IF TG_OP = 'UPDATE' OR TG_OP = 'DELETE' THEN\n    UPDATE tickets SET search_vector = tickets_search_document(id, subject, description) WHERE id = OLD.ticket_id;\n  END IF;\n  IF TG_OP = 'UPDATE' AND NEW.ticket_id <> OLD.ticket_id THEN\n    UPDATE tickets SET search_vector = tickets_search_document(id, subject, description) WHERE id = NEW.ticket_id;\n  END IF;\n  RETURN NULL;\nEND $$",
        "CREATE TRIGGER ticket_messages_search_insert AFTER INSERT ON ticket_messages\nFOR EACH ROW EXECUTE FUNCTION ticket_messages_search_trigger()",
        "CREATE TRIGGER ticket_messages_search_change\nAFTER UPDATE OF body, internal, ticket_id OR DELETE ON ticket_messages\nFOR EACH ROW EXECUTE FUNCTION ticket_messages_search_trigger()",
        "CREATE OR REPLACE FUNCTION ticket_number_sequence(y integer) RETURNS text LANGUAGE plpgsql AS $$\nDECLARE\n  seq text := 'ticket_number_' || y;\n  floor_value bigint;\nBEGIN\n  IF to_regclass(seq) IS NOT NULL THEN\n    RETURN seq;\n  END IF;\n  PERFORM pg_advisory_xact_lock(74110, y);\n  BEGIN\n    EXECUTE 'CREATE SEQUENCE ' || quote_ident(seq) || ' OWNED BY ticket_counters.last';\n  EXCEPTION WHEN duplicate_table OR unique_violation THEN\n    RETURN seq;\n  END;\n  SELECT last INTO floor_value FROM ticket_counters WHERE year = y;\n  IF coalesce(floor_value, 0) > 0 THEN\n    PERFORM setval(seq, floor_value);\n  END IF;\n  RETURN seq;\nEND $$",
        "CREATE OR REPLACE FUNCTION ticket_number_next(prefix text, y integer) RETURNS text\nLANGUAGE plpgsql AS $$\nDECLARE\n  n bigint := nextval(ticket_number_sequence(y)::regclass);\nBEGIN\n  RETURN prefix || '-' || y || '-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END;\nEND $$",
        "CREATE OR REPLACE FUNCTION kb_articles_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n  cfg regconfig := CASE WHEN NEW.language = 'en' THEN 'english'::regconfig ELSE 'italian'::regconfig END;\nBEGIN\n  NEW.search_vector := setweight(to_tsvector(cfg, coalesce(NEW.title, '')), 'A')\n    || setweight(to_tsvector(cfg, coalesce(NEW.summary, '')), 'B')\n    || setweight(to_tsvector(cfg, coalesce(NEW.body_text, '') || ' ' || coalesce(NEW.tags::text, '')), 'C');\n  RETURN NEW;\nEND $$",
        "CREATE TRIGGER kb_articles_search_update BEFORE INSERT OR UPDATE OF title, summary, body_text, tags, language\nON kb_articles FOR EACH ROW EXECUTE FUNCTION kb_articles_search_trigger()",
    ],
    "sqlite": [
        "CREATE VIRTUAL TABLE IF NOT EXISTS tickets_fts\nUSING fts5(subject, body, tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER IF NOT EXISTS tickets_fts_insert AFTER INSERT ON tickets BEGIN\n  INSERT INTO tickets_fts(rowid, subject, body)\n  VALUES (NEW.id, coalesce(NEW.subject, ''), coalesce(NEW.description, ''));\nEND",
        "CREATE TRIGGER IF NOT EXISTS tickets_fts_update AFTER UPDATE OF subject, description ON tickets BEGIN\n  DELETE FROM tickets_fts WHERE rowid = OLD.id;\n  INSERT INTO tickets_fts(rowid, subject, body) VALUES (NEW.id, coalesce(NEW.subject, ''),\n    coalesce(NEW.description, '') || ' ' || coalesce((SELECT group_concat(m.body, ' ') FROM ticket_messages m\n      WHERE m.ticket_id = NEW.id AND NOT m.internal), ''));\nEND",
        "CREATE TRIGGER IF NOT EXISTS tickets_fts_delete AFTER DELETE ON tickets BEGIN\n  DELETE FROM tickets_fts WHERE rowid = OLD.id;\nEND",
        "CREATE TRIGGER IF NOT EXISTS tickets_fts_message AFTER INSERT ON ticket_messages WHEN NOT NEW.internal BEGIN\n  UPDATE tickets_fts SET body = body || ' ' || coalesce(NEW.body, '') WHERE rowid = NEW.ticket_id;\nEND",
        "CREATE VIRTUAL TABLE IF NOT EXISTS kb_articles_fts\nUSING fts5(title, summary, body, tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER IF NOT EXISTS kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN\n  INSERT INTO kb_articles_fts(rowid, title, summary, body)\n  VALUES (NEW.id, coalesce(NEW.title, ''), coalesce(NEW.summary, ''),\n    coalesce(NEW.body_text, '') || ' ' || coalesce(NEW.tags, ''));\nEND",
        "CREATE TRIGGER IF NOT EXISTS kb_articles_fts_update\nAFTER UPDATE OF title, summary, body_text, tags ON kb_articles BEGIN\n  DELETE FROM kb_articles_fts WHERE rowid = OLD.id;\n  INSERT INTO kb_articles_fts(rowid, title, summary, body)\n  VALUES (NEW.id, coalesce(NEW.title, ''), coalesce(NEW.summary, ''),\n    coalesce(NEW.body_text, '') || ' ' || coalesce(NEW.tags, ''));\nEND",
        "CREATE TRIGGER IF NOT EXISTS kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN\n  DELETE FROM kb_articles_fts WHERE rowid = OLD.id;\nEND",
    ],
}

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "access_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referente_password_login", sa.Boolean(), nullable=False),
        sa.Column("first_login_creates_referente", sa.Boolean(), nullable=False),
        sa.Column("finance_requires_level2", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_settings")),
    )
    op.create_table(
        "assist_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("tested_on", sa.Integer(), nullable=False),
        sa.Column("service_accuracy", sa.Float(), nullable=True),
        sa.Column("priority_accuracy", sa.Float(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assist_models")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column(
            "changes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_actor", ["actor_id", "id"], unique=False)
        batch_op.create_index("ix_audit_entries_object", ["object_type", "object_id", "id"], unique=False)
        batch_op.create_index("ix_audit_entries_org", ["organization_id", "id"], unique=False)

    op.create_table(
        "billing_counters",
        sa.Column("series", sa.Enum("FT", "RP", "NC", name="series", native_enum=False, length=4), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_billing_counters")),
    )
    op.create_table(
        "billing_sdi_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_sdi_counter")),
    )
    op.create_table(
        "billing_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reminder_days", sa.String(length=40), nullable=False),
        sa.Column("payment_days", sa.Integer(), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_settings")),
    )
    op.create_table(
        "canned_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_responses")),
        sa.UniqueConstraint("title", name=op.f("uq_canned_responses_title")),
    )
    op.create_table(
        "gdpr_retention",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_gdpr_retention")),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("BOOLEAN", "PERCENT", "NUMBER", "DATE", "CHOICE", name="kind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column(
            "target", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column(
            "choices", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column(
            "service_ids", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("code", name=op.f("uq_indicators_code")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_key_at", ["key", "at"], unique=False)

    op.create_table(
        "mail_suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_suppressions")),
        sa.UniqueConstraint("address", name=op.f("uq_mail_suppressions_address")),
    )
    op.create_table(
        "oidc_login_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("next_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oidc_login_states")),
    )
    with op.batch_alter_table("oidc_login_states", schema=None) as batch_op:
        batch_op.create_index("ix_oidc_login_states_created_at", ["created_at"], unique=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "COMUNE",
                "UNIONE_COMUNI",
                "UNIONE_MONTANA",
                "PROVINCIA",
                "ALTRO",
                name="orgkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("istat_code", sa.String(length=6), nullable=True),
        sa.Column("belfiore_code", sa.String(length=4), nullable=True),
        sa.Column("fiscal_code", sa.String(length=11), nullable=True),
        sa.Column("vat_number", sa.String(length=11), nullable=True),
        sa.Column("ipa_code", sa.String(length=50), nullable=True),
        sa.Column("sdi_code", sa.String(length=6), nullable=True),
        sa.Column("pec", sa.String(length=254), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("zip_code", sa.String(length=5), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("province", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("population_year", sa.Integer(), nullable=True),
        sa.Column("pagopa_segregation_code", sa.String(length=2), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("belfiore_code", name=op.f("uq_organizations_belfiore_code")),
        sa.UniqueConstraint("ipa_code", name=op.f("uq_organizations_ipa_code")),
        sa.UniqueConstraint("istat_code", name=op.f("uq_organizations_istat_code")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organizations_fiscal_code"), ["fiscal_code"], unique=False)
        batch_op.create_index("ix_organizations_kind", ["kind"], unique=False)
        batch_op.create_index("ix_organizations_name_id", ["name", "id"], unique=False)
        batch_op.create_index("ix_organizations_name_lower", [sa.literal_column("lower(name)")], unique=False)
        batch_op.create_index(batch_op.f("ix_organizations_pec"), ["pec"], unique=False)
        batch_op.create_index("ix_organizations_province_kind", ["province", "kind"], unique=False)
        batch_op.create_index("ix_organizations_vat_number", ["vat_number"], unique=False)

    op.create_table(
        "outbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "QUEUED", "SENT", "LOGGED", "SUPPRESSED", "FAILED", name="emailstatus", native_enum=False, length=12
            ),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("auto", sa.Boolean(), nullable=False),
        sa.Column("from_addr", sa.String(length=254), nullable=False),
        sa.Column("to_addr", sa.String(length=254), nullable=False),
        sa.Column(
            "recipients", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("cc", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("in_reply_to", sa.String(length=250), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column(
            "headers", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("transport", sa.String(length=40), nullable=False),
        sa.Column("transport_ref", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("related_type", sa.String(length=40), nullable=True),
        sa.Column("related_id", sa.Integer(), nullable=True),
        sa.Column(
            "attachments", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_emails")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbound_emails_message_id")),
    )
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.create_index("ix_outbound_emails_ticket", ["ticket_id"], unique=False)
        batch_op.create_index("ix_outbound_emails_to_created", ["to_addr", "created_at"], unique=False)

    op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum("PENDING", "QUEUED", "RUNNING", "DONE", "FAILED", name="jobstatus", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
    )
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_jobs_status_run_after", ["status", "run_after"], unique=False)
        batch_op.create_index(
            "uq_outbox_jobs_dedupe_key",
            ["dedupe_key"],
            unique=True,
            postgresql_where=sa.text("dedupe_key IS NOT NULL"),
            sqlite_where=sa.text("dedupe_key IS NOT NULL"),
        )

    op.create_table(
        "phone_sms_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("keyword", sa.String(length=20), nullable=False),
        sa.Column("opted_out_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_sms_opt_outs")),
        sa.UniqueConstraint("number", name=op.f("uq_phone_sms_opt_outs_number")),
    )
    op.create_table(
        "report_daily_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grain", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("sla_met", sa.Integer(), nullable=False),
        sa.Column("sla_breached", sa.Integer(), nullable=False),
        sa.Column("csat_sum", sa.Integer(), nullable=False),
        sa.Column("csat_count", sa.Integer(), nullable=False),
        sa.Column(
            "first_response_hist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "resolution_hist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_daily_rollups")),
    )
    with op.batch_alter_table("report_daily_rollups", schema=None) as batch_op:
        batch_op.create_index("ix_report_rollups_grain_day", ["grain", "day"], unique=False)

    op.create_table(
        "report_monthly_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("grain", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("sla_met", sa.Integer(), nullable=False),
        sa.Column("sla_breached", sa.Integer(), nullable=False),
        sa.Column("csat_sum", sa.Integer(), nullable=False),
        sa.Column("csat_count", sa.Integer(), nullable=False),
        sa.Column(
            "first_response_hist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "resolution_hist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_monthly_rollups")),
    )
    with op.batch_alter_table("report_monthly_rollups", schema=None) as batch_op:
        batch_op.create_index("ix_report_monthly_rollups_grain_day", ["grain", "day"], unique=False)

    op.create_table(
        "report_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_report_notices_key")),
    )
    with op.batch_alter_table("report_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_notices_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "report_rollup_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("rolled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_report_rollup_days")),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("default_sla_policy", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("code", name=op.f("uq_services_code")),
    )
    op.create_table(
        "sla_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=50), nullable=False),
        sa.Column("holiday_subdiv", sa.String(length=20), nullable=True),
        sa.Column("national_holidays", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_calendars")),
        sa.UniqueConstraint("name", name=op.f("uq_sla_calendars_name")),
    )
    with op.batch_alter_table("sla_calendars", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_calendars_is_default"), ["is_default"], unique=False)

    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "ticket_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_ticket_counters")),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("protocol_number", sa.String(length=60), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "ACTIVE",
                "SUSPENDED",
                "EXPIRED",
                "TERMINATED",
                name="agreementstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column(
            "billing_document",
            sa.Enum("FATTURA", "RICHIESTA_PAGAMENTO", name="billingdocument", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("annual_fee_fixed", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("fee_per_inhabitant", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("included_hours", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("hourly_rate", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("sla_tier", sa.String(length=20), nullable=False),
        sa.Column("cig", sa.String(length=10), nullable=True),
        sa.Column("cup", sa.String(length=15), nullable=True),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("vat_nature", sa.String(length=5), nullable=True),
        sa.Column("document_filename", sa.String(length=255), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_content_type", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_agreements_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("code", name=op.f("uq_agreements_code")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index("ix_agreements_end_date", ["end_date"], unique=False)
        batch_op.create_index("ix_agreements_org_status", ["organization_id", "status"], unique=False)
        batch_op.create_index("ix_agreements_status_end", ["status", "end_date"], unique=False)

    op.create_table(
        "cc_mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.Enum("EMAIL", "PEC", name="mailboxkind", native_enum=False, length=10), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("imap_host", sa.String(length=200), nullable=False),
        sa.Column("imap_port", sa.Integer(), nullable=False),
        sa.Column(
            "imap_security",
            sa.Enum("SSL", "STARTTLS", "NONE", name="security", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("imap_user", sa.String(length=254), nullable=False),
        sa.Column("imap_folder", sa.String(length=200), nullable=False),
        sa.Column("processed_folder", sa.String(length=200), nullable=True),
        sa.Column("smtp_host", sa.String(length=200), nullable=True),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column(
            "smtp_security",
            sa.Enum("SSL", "STARTTLS", "NONE", name="security", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("smtp_user", sa.String(length=254), nullable=True),
        sa.Column("password_env", sa.String(length=100), nullable=False),
        sa.Column("default_service_id", sa.Integer(), nullable=True),
        sa.Column("default_team_id", sa.Integer(), nullable=True),
        sa.Column("last_polled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["default_service_id"],
            ["services.id"],
            name=op.f("fk_cc_mailboxes_default_service_id_services"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["default_team_id"], ["teams.id"], name=op.f("fk_cc_mailboxes_default_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_mailboxes")),
        sa.UniqueConstraint("name", name=op.f("uq_cc_mailboxes_name")),
    )
    with op.batch_alter_table("cc_mailboxes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cc_mailboxes_active"), ["active"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "SINDACO",
                "SEGRETARIO",
                "RTD",
                "RESPONSABILE_SI",
                "RAGIONERIA",
                "ALTRO",
                name="contactrole",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("fiscal_code", sa.String(length=16), nullable=True),
        sa.Column("only_own_requests", sa.Boolean(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_failing", sa.Boolean(), nullable=False),
        sa.Column("sms_notifications", sa.Boolean(), nullable=False),
        sa.Column("portal_access", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_contacts_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index("ix_contacts_email_lower", [sa.literal_column("lower(email)")], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_fiscal_code"), ["fiscal_code"], unique=False)
        batch_op.create_index("ix_contacts_name_id", ["name", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index("ix_contacts_phone", ["phone"], unique=False)
        batch_op.create_index("ix_contacts_role", ["role"], unique=False)

    op.create_table(
        "indicator_fundings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.Column("avviso", sa.String(length=300), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("funded_on", sa.Date(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_fundings_indicator_id_indicators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_indicator_fundings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_fundings")),
        sa.UniqueConstraint("organization_id", "avviso", name="uq_indicator_fundings_org_avviso"),
    )
    with op.batch_alter_table("indicator_fundings", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_fundings_indicator", ["indicator_id"], unique=False)

    op.create_table(
        "phone_menu_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digit", sa.String(length=1), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_phone_menu_options_service_id_services"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_phone_menu_options_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_menu_options")),
        sa.UniqueConstraint("digit", name=op.f("uq_phone_menu_options_digit")),
    )
    op.create_table(
        "report_alert_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column(
            "metric",
            sa.Enum("TEAM_BACKLOG", "MONTH_CSAT", name="alertmetric", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("threshold", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column(
            "recipients", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("breached_since", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_value", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_report_alert_rules_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_report_alert_rules_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_alert_rules")),
    )
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.Column(
            "kind", sa.Enum("OVERVIEW", "RENDICONTO", name="schedulekind", native_enum=False, length=12), nullable=False
        ),
        sa.Column(
            "frequency",
            sa.Enum("MONTHLY", "QUARTERLY", "YEARLY", name="frequency", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "recipients", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_period", sa.String(length=10), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_report_schedules_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )
    op.create_table(
        "sla_calendar_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("yearly", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=150), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["sla_calendars.id"],
            name=op.f("fk_sla_calendar_closures_calendar_id_sla_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_calendar_closures")),
        sa.UniqueConstraint("calendar_id", "day", "yearly", name="uq_sla_closure_day"),
    )
    with op.batch_alter_table("sla_calendar_closures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_calendar_closures_calendar_id"), ["calendar_id"], unique=False)

    op.create_table(
        "sla_calendar_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["sla_calendars.id"],
            name=op.f("fk_sla_calendar_hours_calendar_id_sla_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_calendar_hours")),
    )
    with op.batch_alter_table("sla_calendar_hours", schema=None) as batch_op:
        batch_op.create_index("ix_sla_calendar_hours_cal", ["calendar_id", "weekday"], unique=False)

    op.create_table(
        "sla_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "priority",
            sa.Enum("LOW", "NORMAL", "HIGH", "URGENT", name="priority", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.Column("escalation_email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["sla_calendars.id"],
            name=op.f("fk_sla_policies_calendar_id_sla_calendars"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
    )
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_policies_calendar_id"), ["calendar_id"], unique=False)
        batch_op.create_index("ix_sla_policies_match", ["active", "priority", "tier"], unique=False)

    op.create_table(
        "union_members",
        sa.Column("union_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["organizations.id"],
            name=op.f("fk_union_members_member_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["union_id"], ["organizations.id"], name=op.f("fk_union_members_union_id_organizations"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("union_id", "member_id", name=op.f("pk_union_members")),
    )
    with op.batch_alter_table("union_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_union_members_member_id"), ["member_id"], unique=False)

    op.create_table(
        "agreement_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_alerts_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_alerts")),
        sa.UniqueConstraint("agreement_id", "days_before", "end_date", name="uq_agreement_alerts"),
    )
    op.create_table(
        "agreement_services",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("annual_fee", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_services_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_agreement_services_service_id_services"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("agreement_id", "service_id", name=op.f("pk_agreement_services")),
    )
    with op.batch_alter_table("agreement_services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreement_services_service_id"), ["service_id"], unique=False)

    op.create_table(
        "cc_raw_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "source", sa.Enum("IMAP", "PIPE", "WEB", name="rawsource", native_enum=False, length=10), nullable=False
        ),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("imap_uid", sa.String(length=40), nullable=True),
        sa.Column("received_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("PENDING", "PROCESSED", "FAILED", name="rawstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["mailbox_id"],
            ["cc_mailboxes.id"],
            name=op.f("fk_cc_raw_messages_mailbox_id_cc_mailboxes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_raw_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_cc_raw_messages_dedupe_key")),
    )
    with op.batch_alter_table("cc_raw_messages", schema=None) as batch_op:
        batch_op.create_index("ix_cc_raw_messages_client_ip", ["client_ip", "received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cc_raw_messages_mailbox_id"), ["mailbox_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cc_raw_messages_message_id"), ["message_id"], unique=False)
        batch_op.create_index("ix_cc_raw_messages_status_id", ["status", "id"], unique=False)

    op.create_table(
        "cc_routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("SENDER", "DOMAIN", "KEYWORD", "MAILBOX", name="rulekind", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("pattern", sa.String(length=254), nullable=False),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum("ROUTE", "QUARANTINE", "SPAM", name="ruleaction", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mailbox_id"],
            ["cc_mailboxes.id"],
            name=op.f("fk_cc_routing_rules_mailbox_id_cc_mailboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_cc_routing_rules_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_cc_routing_rules_service_id_services"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_cc_routing_rules_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_routing_rules")),
    )
    with op.batch_alter_table("cc_routing_rules", schema=None) as batch_op:
        batch_op.create_index("ix_cc_routing_rules_active_position", ["active", "position"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "role",
            sa.Enum("ADMIN", "OPERATOR", "FINANCE", "REFERENTE", name="role", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("fiscal_code", sa.String(length=16), nullable=True),
        sa.Column("last_login_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("session_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_users_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_users_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("fiscal_code", name=op.f("uq_users_fiscal_code")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "billing_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("QUEUED", "RUNNING", "DONE", "FAILED", name="runstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_billing_runs_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_runs")),
    )
    with op.batch_alter_table("billing_runs", schema=None) as batch_op:
        batch_op.create_index("ix_billing_runs_year", ["year", "id"], unique=False)

    op.create_table(
        "form_submissions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("result_url", sa.String(length=2000), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_form_submissions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_submissions")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_submissions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_submissions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "gdpr_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "summary", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_gdpr_erasures_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gdpr_erasures")),
        sa.UniqueConstraint("subject_type", "subject_id", name="uq_gdpr_erasures_subject"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("body", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_keys_created_at", ["created_at"], unique=False)

    op.create_table(
        "indicator_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "indicator_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_indicator_surveys_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_surveys")),
    )
    with op.batch_alter_table("indicator_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_surveys_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_indicator_surveys_due_date"), ["due_date"], unique=False)

    op.create_table(
        "indicator_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column(
            "value", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("SURVEY", "IMPORT", "OPERATOR", name="source", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_filename", sa.String(length=255), nullable=True),
        sa.Column("evidence_content_type", sa.String(length=100), nullable=True),
        sa.Column("evidence_size", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_indicator_values_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_values_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_indicator_values_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_values")),
    )
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_values_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_indicator_values_ind", ["indicator_id", "as_of", "id"], unique=False)
        batch_op.create_index(
            "ix_indicator_values_org_ind", ["organization_id", "indicator_id", "as_of", "id"], unique=False
        )

    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("MEETING", "CALL", "EMAIL", "NOTE", name="interactionkind", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("occurred_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_interactions_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_interactions_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_interactions_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interactions_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interactions_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_interactions_org_at", ["organization_id", "occurred_at", "id"], unique=False)

    op.create_table(
        "payment_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column(
            "report", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_payment_imports_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_imports")),
    )
    op.create_table(
        "ticket_macros",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("NEW", "OPEN", "PENDING", "RESOLVED", "CLOSED", name="ticketstatus", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column(
            "priority",
            sa.Enum("LOW", "NORMAL", "HIGH", "URGENT", name="priority", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column(
            "assign",
            sa.Enum("KEEP", "ME", "USER", "NOBODY", name="macroassign", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("canned_id", sa.Integer(), nullable=True),
        sa.Column("canned_internal", sa.Boolean(), nullable=False),
        sa.Column("add_tags", sa.String(length=1100), nullable=False),
        sa.Column("remove_tags", sa.String(length=1100), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_ticket_macros_assignee_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["canned_id"],
            ["canned_responses.id"],
            name=op.f("fk_ticket_macros_canned_id_canned_responses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_ticket_macros_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_macros")),
        sa.UniqueConstraint("name", name=op.f("uq_ticket_macros_name")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("NEW", "OPEN", "PENDING", "RESOLVED", "CLOSED", name="ticketstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum("LOW", "NORMAL", "HIGH", "URGENT", name="priority", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "channel",
            sa.Enum(
                "PORTAL", "EMAIL", "PEC", "PHONE", "SMS", "WEB", "API", name="channel", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("requester_contact_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("first_response_due", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution_due", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_responded_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "sla_state",
            sa.Enum("OK", "AT_RISK", "BREACHED", "PAUSED", "MET", name="slastate", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_of_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("rated_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("search_vector", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_tickets_assignee_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_tickets_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_of_id"], ["tickets.id"], name=op.f("fk_tickets_follow_up_of_id_tickets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["tickets.id"], name=op.f("fk_tickets_merged_into_id_tickets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_tickets_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requester_contact_id"],
            ["contacts.id"],
            name=op.f("fk_tickets_requester_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_tickets_service_id_services"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_tickets_team_id_teams"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_assignee_status", ["assignee_id", "status"], unique=False)
        batch_op.create_index("ix_tickets_channel", ["channel"], unique=False)
        batch_op.create_index("ix_tickets_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_tickets_follow_up_of", ["follow_up_of_id"], unique=False)
        batch_op.create_index("ix_tickets_merged_into", ["merged_into_id"], unique=False)
        batch_op.create_index("ix_tickets_org_id", ["organization_id", "id"], unique=False)
        batch_op.create_index("ix_tickets_priority", ["priority"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_requester_contact_id"), ["requester_contact_id"], unique=False)
        batch_op.create_index("ix_tickets_resolution_due", ["resolution_due"], unique=False)
        batch_op.create_index("ix_tickets_resolved_at", ["status", "resolved_at"], unique=False)
        batch_op.create_index("ix_tickets_search", ["search_vector"], unique=False, postgresql_using="gin")
        batch_op.create_index("ix_tickets_service", ["service_id"], unique=False)
        batch_op.create_index("ix_tickets_sla_state", ["sla_state"], unique=False)
        batch_op.create_index("ix_tickets_status_id", ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_team_id"), ["team_id"], unique=False)
        batch_op.create_index("ix_tickets_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column(
            "events", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("paused_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_webhook_endpoints_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_endpoints_active"), ["active"], unique=False)

    op.create_table(
        "cc_pec_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref_message_id", sa.String(length=300), nullable=True),
        sa.Column("outbound_email_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("raw_id", sa.Integer(), nullable=True),
        sa.Column("received_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "daticert", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["outbound_email_id"],
            ["outbound_emails.id"],
            name=op.f("fk_cc_pec_receipts_outbound_email_id_outbound_emails"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["raw_id"],
            ["cc_raw_messages.id"],
            name=op.f("fk_cc_pec_receipts_raw_id_cc_raw_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_cc_pec_receipts_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cc_pec_receipts")),
    )
    with op.batch_alter_table("cc_pec_receipts", schema=None) as batch_op:
        batch_op.create_index("ix_cc_pec_receipts_outbound", ["outbound_email_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cc_pec_receipts_ref_message_id"), ["ref_message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cc_pec_receipts_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "indicator_survey_targets",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "draft", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("answered_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_indicator_survey_targets_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["indicator_surveys.id"],
            name=op.f("fk_indicator_survey_targets_survey_id_indicator_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survey_id", "organization_id", name=op.f("pk_indicator_survey_targets")),
    )
    with op.batch_alter_table("indicator_survey_targets", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_survey_targets_org", ["organization_id", "survey_id"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("billing_key", sa.String(length=60), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("FATTURA", "RICHIESTA_PAGAMENTO", name="documentkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "doc_type",
            sa.Enum("INVOICE", "CREDIT_NOTE", name="documenttype", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("series", sa.Enum("FT", "RP", "NC", name="series", native_enum=False, length=4), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number_year", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "ISSUED",
                "PARTIALLY_PAID",
                "PAID",
                "OVERDUE",
                "CANCELLED",
                name="invoicestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("credit_of_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("issued_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("split_payment", sa.Boolean(), nullable=False),
        sa.Column("net_total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat_total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("paid_total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("credited_total", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("stamp_duty", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("iuv", sa.String(length=17), nullable=True),
        sa.Column("notice_code", sa.String(length=18), nullable=True),
        sa.Column(
            "recipient", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("cig", sa.String(length=10), nullable=True),
        sa.Column("cup", sa.String(length=15), nullable=True),
        sa.Column("agreement_code", sa.String(length=40), nullable=True),
        sa.Column("reminder_level", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("sdi_file_name", sa.String(length=60), nullable=True),
        sa.Column("sdi_status", sa.String(length=16), nullable=True),
        sa.Column("sdi_identifier", sa.String(length=20), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreements.id"], name=op.f("fk_invoices_agreement_id_agreements"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_invoices_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["credit_of_id"], ["invoices.id"], name=op.f("fk_invoices_credit_of_id_invoices"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoices_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["billing_runs.id"], name=op.f("fk_invoices_run_id_billing_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("billing_key", name=op.f("uq_invoices_billing_key")),
        sa.UniqueConstraint("iuv", name=op.f("uq_invoices_iuv")),
        sa.UniqueConstraint("notice_code", name=op.f("uq_invoices_notice_code")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("sdi_file_name", name=op.f("uq_invoices_sdi_file_name")),
        sa.UniqueConstraint("series", "number_year", "sequence", name="uq_invoices_series_year_sequence"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_agreement", ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_credit_of_id"), ["credit_of_id"], unique=False)
        batch_op.create_index("ix_invoices_due_date", ["due_date"], unique=False)
        batch_op.create_index("ix_invoices_org_id", ["organization_id", "id"], unique=False)
        batch_op.create_index("ix_invoices_run", ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_sdi_status"), ["sdi_status"], unique=False)
        batch_op.create_index("ix_invoices_status_id", ["status", "id"], unique=False)
        batch_op.create_index("ix_invoices_year_id", ["year", "id"], unique=False)

    op.create_table(
        "kb_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column(
            "tags", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "PUBLISHED", "ARCHIVED", name="articlestatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "visibility",
            sa.Enum("PUBLIC", "REFERENTI", "INTERNAL", name="visibility", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("language", sa.Enum("IT", "EN", name="language", native_enum=False), nullable=False),
        sa.Column("translation_of_id", sa.Integer(), nullable=True),
        sa.Column("source_ticket_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("published_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("helpful_yes", sa.Integer(), nullable=False),
        sa.Column("helpful_no", sa.Integer(), nullable=False),
        sa.Column("search_vector", postgresql.TSVECTOR().with_variant(sa.Text(), "sqlite"), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_kb_articles_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_kb_articles_service_id_services"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["source_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_kb_articles_source_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["translation_of_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_articles_translation_of_id_kb_articles"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_articles")),
        sa.UniqueConstraint("slug", name=op.f("uq_kb_articles_slug")),
    )
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_articles_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_kb_articles_language", ["language"], unique=False)
        batch_op.create_index("ix_kb_articles_search", ["search_vector"], unique=False, postgresql_using="gin")
        batch_op.create_index("ix_kb_articles_service", ["service_id"], unique=False)
        batch_op.create_index("ix_kb_articles_source_ticket", ["source_ticket_id"], unique=False)
        batch_op.create_index("ix_kb_articles_status_visibility", ["status", "visibility", "id"], unique=False)
        batch_op.create_index("ix_kb_articles_translation_of", ["translation_of_id"], unique=False)

    op.create_table(
        "report_ticket_facts",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("sla_met", sa.Boolean(), nullable=True),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rated_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("merged", sa.Boolean(), nullable=False),
        sa.Column("source_updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_report_ticket_facts_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_report_ticket_facts")),
    )
    with op.batch_alter_table("report_ticket_facts", schema=None) as batch_op:
        batch_op.create_index("ix_report_facts_created", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_report_facts_open", ["created_at"], unique=False, postgresql_where=sa.text("resolved_at IS NULL")
        )
        batch_op.create_index("ix_report_facts_org_created", ["organization_id", "created_at"], unique=False)
        batch_op.create_index("ix_report_facts_resolved", ["resolved_at"], unique=False)
        batch_op.create_index("ix_report_facts_team", ["team_id", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_report_ticket_facts_source_updated_at"), ["source_updated_at"], unique=False
        )

    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("FIRST_RESPONSE", "RESOLUTION", name="alertkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "level", sa.Enum("AT_RISK", "BREACHED", name="alertlevel", native_enum=False, length=10), nullable=False
        ),
        sa.Column("due_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_sla_alerts_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_alerts")),
        sa.UniqueConstraint("ticket_id", "kind", "level", "due_at", name="uq_sla_alert_once"),
    )
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_sla_alerts_created", ["created_at"], unique=False)

    op.create_table(
        "ticket_ccs",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_ticket_ccs_contact_id_contacts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_ccs_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", "contact_id", name=op.f("pk_ticket_ccs")),
    )
    with op.batch_alter_table("ticket_ccs", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_ccs_contact", ["contact_id"], unique=False)

    op.create_table(
        "ticket_links",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_id"], ["tickets.id"], name=op.f("fk_ticket_links_other_id_tickets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_links_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", "other_id", name=op.f("pk_ticket_links")),
    )
    with op.batch_alter_table("ticket_links", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_links_other", ["other_id"], unique=False)

    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_contact_id", sa.Integer(), nullable=True),
        sa.Column("author_label", sa.String(length=200), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "PORTAL", "EMAIL", "PEC", "PHONE", "SMS", "WEB", "API", name="channel", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("external_ref", sa.String(length=300), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_contact_id"],
            ["contacts.id"],
            name=op.f("fk_ticket_messages_author_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_ticket_messages_author_user_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_messages_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
    )
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_messages_external_ref"), ["external_ref"], unique=False)
        batch_op.create_index("ix_ticket_messages_ticket_id", ["ticket_id", "id"], unique=False)

    op.create_table(
        "ticket_sla",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=True),
        sa.Column("policy_name", sa.String(length=100), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("first_response_risk_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolution_risk_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_state", sa.String(length=10), nullable=False),
        sa.Column("resolution_state", sa.String(length=10), nullable=False),
        sa.Column("paused_since", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused_business_minutes", sa.Integer(), nullable=False),
        sa.Column("next_check_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("alerted_state", sa.String(length=10), nullable=True),
        sa.Column("computed_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["sla_calendars.id"],
            name=op.f("fk_ticket_sla_calendar_id_sla_calendars"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["sla_policies.id"], name=op.f("fk_ticket_sla_policy_id_sla_policies"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_sla_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_sla")),
    )
    with op.batch_alter_table("ticket_sla", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_sla_next_check", ["next_check_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_sla_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "ticket_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum("NEW", "OPEN", "PENDING", "RESOLVED", "CLOSED", name="ticketstatus", native_enum=False, length=10),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum("NEW", "OPEN", "PENDING", "RESOLVED", "CLOSED", name="ticketstatus", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_ticket_status_changes_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_status_changes_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_status_changes")),
    )
    with op.batch_alter_table("ticket_status_changes", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_status_changes_ticket", ["ticket_id", "at"], unique=False)

    op.create_table(
        "ticket_tags",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_tags_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", "tag", name=op.f("pk_ticket_tags")),
    )
    with op.batch_alter_table("ticket_tags", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_tags_tag", ["tag", "ticket_id"], unique=False)

    op.create_table(
        "time_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_time_entries_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_time_entries_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_time_entries_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_entries")),
    )
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.create_index("ix_time_entries_org_date", ["organization_id", "work_date"], unique=False)
        batch_op.create_index("ix_time_entries_ticket", ["ticket_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum("PENDING", "DELIVERED", "FAILED", name="deliverystatus", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_endpoint", ["endpoint_id", "id"], unique=False)
        batch_op.create_index("ix_webhook_deliveries_status", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "billing_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("to_addr", sa.String(length=254), nullable=False),
        sa.Column("via_pec", sa.Boolean(), nullable=False),
        sa.Column("email_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_billing_reminders_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_billing_reminders_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_reminders")),
        sa.UniqueConstraint("invoice_id", "level", name="uq_billing_reminders_invoice_level"),
    )
    with op.batch_alter_table("billing_reminders", schema=None) as batch_op:
        batch_op.create_index("ix_billing_reminders_org", ["organization_id", "sent_at"], unique=False)

    op.create_table(
        "billing_sdi_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("xml", sa.Text(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_billing_sdi_events_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_sdi_events")),
        sa.UniqueConstraint("digest", name=op.f("uq_billing_sdi_events_digest")),
    )
    with op.batch_alter_table("billing_sdi_events", schema=None) as batch_op:
        batch_op.create_index("ix_billing_sdi_events_invoice", ["invoice_id", "at"], unique=False)

    op.create_table(
        "inbound_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("EMAIL", "PEC", "WEB", "PHONE", "SMS", name="inboundchannel", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "NEW",
                "TICKETED",
                "ATTACHED",
                "SPAM",
                "IGNORED",
                "QUARANTINED",
                name="inboundstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=300), nullable=False),
        sa.Column("received_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=False),
        sa.Column("sender_email", sa.String(length=254), nullable=True),
        sa.Column("sender_phone", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("match_confidence", sa.String(length=10), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("ticket_message_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "meta", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("mailbox_id", sa.Integer(), nullable=True),
        sa.Column("raw_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"], ["users.id"], name=op.f("fk_inbound_items_claimed_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_inbound_items_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["users.id"], name=op.f("fk_inbound_items_handled_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["mailbox_id"],
            ["cc_mailboxes.id"],
            name=op.f("fk_inbound_items_mailbox_id_cc_mailboxes"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_inbound_items_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["raw_id"],
            ["cc_raw_messages.id"],
            name=op.f("fk_inbound_items_raw_id_cc_raw_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_inbound_items_service_id_services"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_inbound_items_team_id_teams"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_inbound_items_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_message_id"],
            ["ticket_messages.id"],
            name=op.f("fk_inbound_items_ticket_message_id_ticket_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_items")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_inbound_items_dedupe_key")),
    )
    with op.batch_alter_table("inbound_items", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_items_channel_status_id", ["channel", "status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_items_claimed_by_id"), ["claimed_by_id"], unique=False)
        batch_op.create_index("ix_inbound_items_client_ip", ["client_ip", "received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_items_mailbox_id"), ["mailbox_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_items_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_items_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_items_raw_id"), ["raw_id"], unique=False)
        batch_op.create_index("ix_inbound_items_sender_email", ["sender_email"], unique=False)
        batch_op.create_index("ix_inbound_items_sender_phone", ["sender_phone"], unique=False)
        batch_op.create_index("ix_inbound_items_status_id", ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_items_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("vat_nature", sa.String(length=5), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_lines_invoice", ["invoice_id", "position"], unique=False)

    op.create_table(
        "kb_article_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_article_versions_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_kb_article_versions_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article_versions")),
        sa.UniqueConstraint("article_id", "version", name="uq_kb_article_versions"),
    )
    with op.batch_alter_table("kb_article_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_article_versions_author_id"), ["author_id"], unique=False)

    op.create_table(
        "kb_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_attachments_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_attachments")),
    )
    with op.batch_alter_table("kb_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_attachments_article_id"), ["article_id"], unique=False)

    op.create_table(
        "kb_deflections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_deflections_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_kb_deflections_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_kb_deflections_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_deflections")),
    )
    with op.batch_alter_table("kb_deflections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_deflections_article_id"), ["article_id"], unique=False)
        batch_op.create_index("ix_kb_deflections_created", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_kb_deflections_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("browser_id", sa.String(length=64), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["kb_articles.id"], name=op.f("fk_kb_feedback_article_id_kb_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_kb_feedback_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_feedback")),
        sa.UniqueConstraint("article_id", "browser_id", name="uq_kb_feedback_browser"),
        sa.UniqueConstraint("article_id", "user_id", name="uq_kb_feedback_user"),
    )
    with op.batch_alter_table("kb_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_feedback_user_id"), ["user_id"], unique=False)

    op.create_table(
        "kb_ticket_articles",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_articles.id"],
            name=op.f("fk_kb_ticket_articles_article_id_kb_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_kb_ticket_articles_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", "article_id", name=op.f("pk_kb_ticket_articles")),
    )
    with op.batch_alter_table("kb_ticket_articles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kb_ticket_articles_article_id"), ["article_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column(
            "method",
            sa.Enum("PAGOPA", "BONIFICO", "GIROFONDI", "ALTRO", name="paymentmethod", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("external_ref", sa.String(length=120), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_payments_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["payment_imports.id"],
            name=op.f("fk_payments_import_id_payment_imports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payments_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_payments_external_ref")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_import_id"), ["import_id"], unique=False)
        batch_op.create_index("ix_payments_invoice", ["invoice_id", "id"], unique=False)
        batch_op.create_index("ix_payments_org_paid_on", ["organization_id", "paid_on"], unique=False)
        batch_op.create_index("ix_payments_paid_on", ["paid_on", "id"], unique=False)

    op.create_table(
        "ticket_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_id", sa.String(length=250), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["ticket_messages.id"],
            name=op.f("fk_ticket_attachments_message_id_ticket_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_attachments_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_ticket_attachments_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_attachments")),
    )
    with op.batch_alter_table("ticket_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_attachments_message_id"), ["message_id"], unique=False)
        batch_op.create_index("ix_ticket_attachments_ticket", ["ticket_id", "id"], unique=False)

    op.create_table(
        "phone_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column(
            "source", sa.Enum("TWILIO", "MANUAL", name="callsource", native_enum=False, length=10), nullable=False
        ),
        sa.Column(
            "direction", sa.Enum("INBOUND", "OUTBOUND", name="direction", native_enum=False, length=10), nullable=False
        ),
        sa.Column("from_number", sa.String(length=40), nullable=False),
        sa.Column("to_number", sa.String(length=40), nullable=False),
        sa.Column("caller_number", sa.String(length=20), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("match_confidence", sa.String(length=10), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "QUEUED",
                "RINGING",
                "IN_PROGRESS",
                "COMPLETED",
                "BUSY",
                "NO_ANSWER",
                "FAILED",
                "CANCELED",
                name="callstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "PENDING", "ANSWERED", "MISSED", "VOICEMAIL", "FAILED", name="calloutcome", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("menu_choice", sa.String(length=4), nullable=True),
        sa.Column("menu_option_id", sa.Integer(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("after_hours", sa.Boolean(), nullable=False),
        sa.Column("started_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("wait_seconds", sa.Integer(), nullable=True),
        sa.Column("talk_seconds", sa.Integer(), nullable=True),
        sa.Column("recording_sid", sa.String(length=64), nullable=True),
        sa.Column("recording_url", sa.String(length=500), nullable=True),
        sa.Column("recording_seconds", sa.Integer(), nullable=True),
        sa.Column("recording_stored_sha256", sa.String(length=64), nullable=True),
        sa.Column("transcription_sid", sa.String(length=64), nullable=True),
        sa.Column("transcription_status", sa.String(length=20), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("callback_needed", sa.Boolean(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("inbound_item_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "meta", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_phone_calls_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["users.id"], name=op.f("fk_phone_calls_handled_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["inbound_item_id"],
            ["inbound_items.id"],
            name=op.f("fk_phone_calls_inbound_item_id_inbound_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["menu_option_id"],
            ["phone_menu_options.id"],
            name=op.f("fk_phone_calls_menu_option_id_phone_menu_options"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["users.id"], name=op.f("fk_phone_calls_operator_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_phone_calls_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_phone_calls_service_id_services"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_phone_calls_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_phone_calls_call_sid")),
        sa.UniqueConstraint("recording_sid", name=op.f("uq_phone_calls_recording_sid")),
    )
    with op.batch_alter_table("phone_calls", schema=None) as batch_op:
        batch_op.create_index("ix_phone_calls_callback", ["callback_needed", "started_at"], unique=False)
        batch_op.create_index("ix_phone_calls_caller", ["caller_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_calls_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_calls_operator_id"), ["operator_id"], unique=False)
        batch_op.create_index("ix_phone_calls_org_started", ["organization_id", "started_at"], unique=False)
        batch_op.create_index("ix_phone_calls_outcome", ["outcome"], unique=False)
        batch_op.create_index("ix_phone_calls_started_id", ["started_at", "id"], unique=False)
        batch_op.create_index("ix_phone_calls_status", ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_calls_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "phone_sms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        sa.Column(
            "direction", sa.Enum("INBOUND", "OUTBOUND", name="direction", native_enum=False, length=10), nullable=False
        ),
        sa.Column("from_number", sa.String(length=40), nullable=False),
        sa.Column("to_number", sa.String(length=40), nullable=False),
        sa.Column("counterpart_number", sa.String(length=20), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "RECEIVED",
                "PROCESSED",
                "QUEUED",
                "SENT",
                "DELIVERED",
                "UNDELIVERED",
                "FAILED",
                "BLOCKED",
                name="smsstatus",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("match_confidence", sa.String(length=10), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("ticket_message_id", sa.Integer(), nullable=True),
        sa.Column("inbound_item_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=20), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "meta", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_phone_sms_author_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_phone_sms_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["inbound_item_id"],
            ["inbound_items.id"],
            name=op.f("fk_phone_sms_inbound_item_id_inbound_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_phone_sms_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_phone_sms_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_message_id"],
            ["ticket_messages.id"],
            name=op.f("fk_phone_sms_ticket_message_id_ticket_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_sms")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_phone_sms_message_sid")),
    )
    with op.batch_alter_table("phone_sms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_sms_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_phone_sms_created_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_phone_sms_number", ["counterpart_number"], unique=False)
        batch_op.create_index("ix_phone_sms_org_created", ["organization_id", "created_at"], unique=False)
        batch_op.create_index("ix_phone_sms_status", ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_sms_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "unmatched_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column(
            "method",
            sa.Enum("PAGOPA", "BONIFICO", "GIROFONDI", "ALTRO", name="paymentmethod", native_enum=False, length=12),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("payer", sa.String(length=200), nullable=False),
        sa.Column("external_ref", sa.String(length=120), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["payment_imports.id"],
            name=op.f("fk_unmatched_payments_import_id_payment_imports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_unmatched_payments_payment_id_payments"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmatched_payments")),
        sa.UniqueConstraint("external_ref", name=op.f("uq_unmatched_payments_external_ref")),
    )
    with op.batch_alter_table("unmatched_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unmatched_payments_import_id"), ["import_id"], unique=False)
        batch_op.create_index("ix_unmatched_payments_resolved", ["resolved", "id"], unique=False)

    op.create_table(
        "phone_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("sms_id", sa.Integer(), nullable=True),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["phone_calls.id"], name=op.f("fk_phone_events_call_id_phone_calls"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sms_id"], ["phone_sms.id"], name=op.f("fk_phone_events_sms_id_phone_sms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_phone_events_dedupe_key")),
    )
    with op.batch_alter_table("phone_events", schema=None) as batch_op:
        batch_op.create_index("ix_phone_events_call", ["call_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_events_sms_id"), ["sms_id"], unique=False)

    # ### end Alembic commands ###
    for statement in EXTRA_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("phone_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_events_sms_id"))
        batch_op.drop_index("ix_phone_events_call")

    op.drop_table("phone_events")
    with op.batch_alter_table("unmatched_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_unmatched_payments_resolved")
        batch_op.drop_index(batch_op.f("ix_unmatched_payments_import_id"))

    op.drop_table("unmatched_payments")
    with op.batch_alter_table("phone_sms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_sms_ticket_id"))
        batch_op.drop_index("ix_phone_sms_status")
        batch_op.drop_index("ix_phone_sms_org_created")
        batch_op.drop_index("ix_phone_sms_number")
        batch_op.drop_index("ix_phone_sms_created_id")
        batch_op.drop_index(batch_op.f("ix_phone_sms_contact_id"))

    op.drop_table("phone_sms")
    with op.batch_alter_table("phone_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_calls_ticket_id"))
        batch_op.drop_index("ix_phone_calls_status")
        batch_op.drop_index("ix_phone_calls_started_id")
        batch_op.drop_index("ix_phone_calls_outcome")
        batch_op.drop_index("ix_phone_calls_org_started")
        batch_op.drop_index(batch_op.f("ix_phone_calls_operator_id"))
        batch_op.drop_index(batch_op.f("ix_phone_calls_contact_id"))
        batch_op.drop_index("ix_phone_calls_caller")
        batch_op.drop_index("ix_phone_calls_callback")

    op.drop_table("phone_calls")
    with op.batch_alter_table("ticket_attachments", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_attachments_ticket")
        batch_op.drop_index(batch_op.f("ix_ticket_attachments_message_id"))

    op.drop_table("ticket_attachments")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_paid_on")
        batch_op.drop_index("ix_payments_org_paid_on")
        batch_op.drop_index("ix_payments_invoice")
        batch_op.drop_index(batch_op.f("ix_payments_import_id"))

    op.drop_table("payments")
    with op.batch_alter_table("kb_ticket_articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_ticket_articles_article_id"))

    op.drop_table("kb_ticket_articles")
    with op.batch_alter_table("kb_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_feedback_user_id"))

    op.drop_table("kb_feedback")
    with op.batch_alter_table("kb_deflections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_deflections_organization_id"))
        batch_op.drop_index("ix_kb_deflections_created")
        batch_op.drop_index(batch_op.f("ix_kb_deflections_article_id"))

    op.drop_table("kb_deflections")
    with op.batch_alter_table("kb_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_attachments_article_id"))

    op.drop_table("kb_attachments")
    with op.batch_alter_table("kb_article_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_article_versions_author_id"))

    op.drop_table("kb_article_versions")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_lines_invoice")

    op.drop_table("invoice_lines")
    with op.batch_alter_table("inbound_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_items_ticket_id"))
        batch_op.drop_index("ix_inbound_items_status_id")
        batch_op.drop_index("ix_inbound_items_sender_phone")
        batch_op.drop_index("ix_inbound_items_sender_email")
        batch_op.drop_index(batch_op.f("ix_inbound_items_raw_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_items_organization_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_items_message_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_items_mailbox_id"))
        batch_op.drop_index("ix_inbound_items_client_ip")
        batch_op.drop_index(batch_op.f("ix_inbound_items_claimed_by_id"))
        batch_op.drop_index("ix_inbound_items_channel_status_id")

    op.drop_table("inbound_items")
    with op.batch_alter_table("billing_sdi_events", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_sdi_events_invoice")

    op.drop_table("billing_sdi_events")
    with op.batch_alter_table("billing_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_reminders_org")

    op.drop_table("billing_reminders")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_status")
        batch_op.drop_index("ix_webhook_deliveries_endpoint")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("time_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_time_entries_ticket")
        batch_op.drop_index("ix_time_entries_org_date")

    op.drop_table("time_entries")
    with op.batch_alter_table("ticket_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_tags_tag")

    op.drop_table("ticket_tags")
    with op.batch_alter_table("ticket_status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_status_changes_ticket")

    op.drop_table("ticket_status_changes")
    with op.batch_alter_table("ticket_sla", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_sla_policy_id"))
        batch_op.drop_index("ix_ticket_sla_next_check")

    op.drop_table("ticket_sla")
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_messages_ticket_id")
        batch_op.drop_index(batch_op.f("ix_ticket_messages_external_ref"))

    op.drop_table("ticket_messages")
    with op.batch_alter_table("ticket_links", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_links_other")

    op.drop_table("ticket_links")
    with op.batch_alter_table("ticket_ccs", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_ccs_contact")

    op.drop_table("ticket_ccs")
    with op.batch_alter_table("sla_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_alerts_created")

    op.drop_table("sla_alerts")
    with op.batch_alter_table("report_ticket_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_ticket_facts_source_updated_at"))
        batch_op.drop_index("ix_report_facts_team")
        batch_op.drop_index("ix_report_facts_resolved")
        batch_op.drop_index("ix_report_facts_org_created")
        batch_op.drop_index("ix_report_facts_open", postgresql_where=sa.text("resolved_at IS NULL"))
        batch_op.drop_index("ix_report_facts_created")

    op.drop_table("report_ticket_facts")
    with op.batch_alter_table("kb_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_kb_articles_translation_of")
        batch_op.drop_index("ix_kb_articles_status_visibility")
        batch_op.drop_index("ix_kb_articles_source_ticket")
        batch_op.drop_index("ix_kb_articles_service")
        batch_op.drop_index("ix_kb_articles_search", postgresql_using="gin")
        batch_op.drop_index("ix_kb_articles_language")
        batch_op.drop_index(batch_op.f("ix_kb_articles_author_id"))

    op.drop_table("kb_articles")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_year_id")
        batch_op.drop_index("ix_invoices_status_id")
        batch_op.drop_index(batch_op.f("ix_invoices_sdi_status"))
        batch_op.drop_index("ix_invoices_run")
        batch_op.drop_index("ix_invoices_org_id")
        batch_op.drop_index("ix_invoices_due_date")
        batch_op.drop_index(batch_op.f("ix_invoices_credit_of_id"))
        batch_op.drop_index("ix_invoices_agreement")

    op.drop_table("invoices")
    with op.batch_alter_table("indicator_survey_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_survey_targets_org")

    op.drop_table("indicator_survey_targets")
    with op.batch_alter_table("cc_pec_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cc_pec_receipts_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_cc_pec_receipts_ref_message_id"))
        batch_op.drop_index("ix_cc_pec_receipts_outbound")

    op.drop_table("cc_pec_receipts")
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoints_active"))

    op.drop_table("webhook_endpoints")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_updated_at")
        batch_op.drop_index(batch_op.f("ix_tickets_team_id"))
        batch_op.drop_index("ix_tickets_status_id")
        batch_op.drop_index("ix_tickets_sla_state")
        batch_op.drop_index("ix_tickets_service")
        batch_op.drop_index("ix_tickets_search", postgresql_using="gin")
        batch_op.drop_index("ix_tickets_resolved_at")
        batch_op.drop_index("ix_tickets_resolution_due")
        batch_op.drop_index(batch_op.f("ix_tickets_requester_contact_id"))
        batch_op.drop_index("ix_tickets_priority")
        batch_op.drop_index("ix_tickets_org_id")
        batch_op.drop_index("ix_tickets_merged_into")
        batch_op.drop_index("ix_tickets_follow_up_of")
        batch_op.drop_index("ix_tickets_created_at")
        batch_op.drop_index("ix_tickets_channel")
        batch_op.drop_index("ix_tickets_assignee_status")

    op.drop_table("tickets")
    op.drop_table("ticket_macros")
    op.drop_table("payment_imports")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_org_at")
        batch_op.drop_index(batch_op.f("ix_interactions_contact_id"))
        batch_op.drop_index(batch_op.f("ix_interactions_author_id"))

    op.drop_table("interactions")
    with op.batch_alter_table("indicator_values", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_values_org_ind")
        batch_op.drop_index("ix_indicator_values_ind")
        batch_op.drop_index(batch_op.f("ix_indicator_values_author_id"))

    op.drop_table("indicator_values")
    with op.batch_alter_table("indicator_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_surveys_due_date"))
        batch_op.drop_index(batch_op.f("ix_indicator_surveys_author_id"))

    op.drop_table("indicator_surveys")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_keys_created_at")

    op.drop_table("idempotency_keys")
    op.drop_table("gdpr_erasures")
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_user_id"))
        batch_op.drop_index(batch_op.f("ix_form_submissions_created_at"))

    op.drop_table("form_submissions")
    with op.batch_alter_table("billing_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_billing_runs_year")

    op.drop_table("billing_runs")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))
        batch_op.drop_index(batch_op.f("ix_users_organization_id"))
        batch_op.drop_index(batch_op.f("ix_users_contact_id"))

    op.drop_table("users")
    with op.batch_alter_table("cc_routing_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_cc_routing_rules_active_position")

    op.drop_table("cc_routing_rules")
    with op.batch_alter_table("cc_raw_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_cc_raw_messages_status_id")
        batch_op.drop_index(batch_op.f("ix_cc_raw_messages_message_id"))
        batch_op.drop_index(batch_op.f("ix_cc_raw_messages_mailbox_id"))
        batch_op.drop_index("ix_cc_raw_messages_client_ip")

    op.drop_table("cc_raw_messages")
    with op.batch_alter_table("agreement_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_services_service_id"))

    op.drop_table("agreement_services")
    op.drop_table("agreement_alerts")
    with op.batch_alter_table("union_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_union_members_member_id"))

    op.drop_table("union_members")
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_policies_match")
        batch_op.drop_index(batch_op.f("ix_sla_policies_calendar_id"))

    op.drop_table("sla_policies")
    with op.batch_alter_table("sla_calendar_hours", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_calendar_hours_cal")

    op.drop_table("sla_calendar_hours")
    with op.batch_alter_table("sla_calendar_closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_calendar_closures_calendar_id"))

    op.drop_table("sla_calendar_closures")
    op.drop_table("report_schedules")
    op.drop_table("report_alert_rules")
    op.drop_table("phone_menu_options")
    with op.batch_alter_table("indicator_fundings", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_fundings_indicator")

    op.drop_table("indicator_fundings")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_role")
        batch_op.drop_index("ix_contacts_phone")
        batch_op.drop_index(batch_op.f("ix_contacts_organization_id"))
        batch_op.drop_index("ix_contacts_name_id")
        batch_op.drop_index(batch_op.f("ix_contacts_fiscal_code"))
        batch_op.drop_index("ix_contacts_email_lower")

    op.drop_table("contacts")
    with op.batch_alter_table("cc_mailboxes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cc_mailboxes_active"))

    op.drop_table("cc_mailboxes")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_agreements_status_end")
        batch_op.drop_index("ix_agreements_org_status")
        batch_op.drop_index("ix_agreements_end_date")

    op.drop_table("agreements")
    op.drop_table("ticket_counters")
    op.drop_table("teams")
    with op.batch_alter_table("sla_calendars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_calendars_is_default"))

    op.drop_table("sla_calendars")
    op.drop_table("services")
    op.drop_table("report_rollup_days")
    with op.batch_alter_table("report_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_notices_organization_id"))

    op.drop_table("report_notices")
    with op.batch_alter_table("report_monthly_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_report_monthly_rollups_grain_day")

    op.drop_table("report_monthly_rollups")
    with op.batch_alter_table("report_daily_rollups", schema=None) as batch_op:
        batch_op.drop_index("ix_report_rollups_grain_day")

    op.drop_table("report_daily_rollups")
    op.drop_table("phone_sms_opt_outs")
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_outbox_jobs_dedupe_key",
            postgresql_where=sa.text("dedupe_key IS NOT NULL"),
            sqlite_where=sa.text("dedupe_key IS NOT NULL"),
        )
        batch_op.drop_index("ix_outbox_jobs_status_run_after")

    op.drop_table("outbox_jobs")
    with op.batch_alter_table("outbound_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_outbound_emails_to_created")
        batch_op.drop_index("ix_outbound_emails_ticket")

    op.drop_table("outbound_emails")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index("ix_organizations_vat_number")
        batch_op.drop_index("ix_organizations_province_kind")
        batch_op.drop_index(batch_op.f("ix_organizations_pec"))
        batch_op.drop_index("ix_organizations_name_lower")
        batch_op.drop_index("ix_organizations_name_id")
        batch_op.drop_index("ix_organizations_kind")
        batch_op.drop_index(batch_op.f("ix_organizations_fiscal_code"))

    op.drop_table("organizations")
    with op.batch_alter_table("oidc_login_states", schema=None) as batch_op:
        batch_op.drop_index("ix_oidc_login_states_created_at")

    op.drop_table("oidc_login_states")
    op.drop_table("mail_suppressions")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_key_at")

    op.drop_table("login_failures")
    op.drop_table("indicators")
    op.drop_table("gdpr_retention")
    op.drop_table("canned_responses")
    op.drop_table("billing_settings")
    op.drop_table("billing_sdi_counter")
    op.drop_table("billing_counters")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_org")
        batch_op.drop_index("ix_audit_entries_object")
        batch_op.drop_index("ix_audit_entries_actor")

    op.drop_table("audit_entries")
    op.drop_table("assist_models")
    op.drop_table("access_settings")
    # ### end Alembic commands ###
