-- Control schema: the plan (tenant) registry and the admin API keys.
-- Applied with search_path = "control"; objects are still schema-qualified for readability.

CREATE TABLE control.plans (
    slug              text PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'),
    schema_name       text NOT NULL UNIQUE CHECK (schema_name = 'plan_' || replace(slug, '-', '_')),
    name_fr           text NOT NULL,
    name_en           text NOT NULL,
    email_domains     text[] NOT NULL CHECK (cardinality(email_domains) BETWEEN 1 AND 20),
    portal_url        text NOT NULL,
    support_phone     text,
    support_email     text,
    support_hours_fr  text,
    support_hours_en  text,
    -- Per-plan settings (default locale now; challenge, password policy and limits in later migrations).
    settings          jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE control.admin_keys (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role        text NOT NULL CHECK (role IN ('platform', 'plan-admin')),
    -- Plan slugs a plan-admin key may act on; empty for platform keys.
    plans       text[] NOT NULL DEFAULT '{}',
    -- SHA-256 of the secret key; the key itself is shown once and never stored.
    key_hash    bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    -- First characters of the key, so operators can tell keys apart in listings.
    key_prefix  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
