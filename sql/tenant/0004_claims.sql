-- Coverage, benefits and claims (issue #5). Applied with search_path set to the plan's schema.

-- A member's coverage, from the roster's optional coverage columns. Members loaded before
-- these columns existed are active with open-ended coverage.
ALTER TABLE members
    ADD COLUMN coverage_status text NOT NULL DEFAULT 'active'
        CHECK (coverage_status IN ('active', 'suspended', 'terminated')),
    ADD COLUMN coverage_start date,
    ADD COLUMN coverage_end date,
    ADD CONSTRAINT members_coverage_order CHECK (coverage_start IS NULL OR coverage_end IS NULL OR coverage_end >= coverage_start);

-- The plan's benefit year: one row at most, written by PUT /v1/admin/plans/{plan}/benefits.
CREATE TABLE benefit_settings (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- MM-DD on which each benefit year starts.
    benefit_year_start  text NOT NULL CHECK (benefit_year_start ~ '^[0-9]{2}-[0-9]{2}$'),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE benefit_categories (
    code                     text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,29}$'),
    position                 integer NOT NULL,
    name_fr                  text NOT NULL,
    name_en                  text NOT NULL,
    coverage_percent         integer NOT NULL CHECK (coverage_percent BETWEEN 0 AND 100),
    annual_maximum_cents     bigint CHECK (annual_maximum_cents >= 0),
    per_claim_maximum_cents  bigint CHECK (per_claim_maximum_cents > 0)
);

-- Claims keep their category code even if the TPA later drops the category.
CREATE TABLE claims (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Keyset order of the lists (newest first).
    seq                    bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    account_id             uuid NOT NULL REFERENCES accounts (id),
    member_id              uuid NOT NULL REFERENCES members (id),
    category               text NOT NULL,
    service_date           date NOT NULL,
    provider_name          text NOT NULL,
    amount_cents           bigint NOT NULL CHECK (amount_cents > 0),
    currency               text NOT NULL CHECK (currency = 'CAD'),
    notes                  text,
    status                 text NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'in_review', 'approved', 'partially_approved', 'denied', 'paid')),
    -- Set by the decision (0 when denied); counts against the annual maximum of the benefit year
    -- that holds service_date.
    approved_amount_cents  bigint CHECK (approved_amount_cents >= 0),
    submitted_at           timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claims_account_seq ON claims (account_id, seq DESC);
CREATE INDEX claims_account_status_seq ON claims (account_id, status, seq DESC);
CREATE INDEX claims_status_seq ON claims (status, seq DESC);
CREATE INDEX claims_member_usage ON claims (member_id, category, service_date) WHERE approved_amount_cents IS NOT NULL;

CREATE TABLE claim_status_history (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    claim_id  uuid NOT NULL REFERENCES claims (id),
    status    text NOT NULL,
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    reason    text
);
CREATE INDEX claim_status_history_claim ON claim_status_history (claim_id, id);

-- Receipts, sniffed by their first bytes; the declared Content-Type is never trusted.
CREATE TABLE claim_attachments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    claim_id      uuid NOT NULL REFERENCES claims (id),
    content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    filename      text,
    size_bytes    integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    content       bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claim_attachments_claim ON claim_attachments (claim_id, created_at);

-- Idempotency-Key of claim submissions: the key is taken (unique) before the claim is written, in
-- the same transaction, so two concurrent requests with one key write one claim.
CREATE TABLE claim_idempotency_keys (
    account_id       uuid NOT NULL REFERENCES accounts (id),
    idempotency_key  text NOT NULL,
    request_hash     bytea NOT NULL CHECK (length(request_hash) = 32),
    claim_id         uuid REFERENCES claims (id),
    response_body    text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, idempotency_key)
);
