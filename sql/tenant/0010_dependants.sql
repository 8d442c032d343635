-- Dependants (issue #14): the member's spouse and children from the TPA's dependants file or from
-- an approved enrolment request, the patient of each claim, and per-family annual maximums.
-- Applied with search_path set to the plan's schema.

CREATE TABLE dependants (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id       uuid NOT NULL REFERENCES members (id),
    -- The TPA's identifier of the dependant, unique in the plan (normalised like certificate
    -- numbers): what a claim names as its `patient`.
    dependant_id    text NOT NULL UNIQUE CHECK (dependant_id ~ '^[A-Z0-9]{1,30}$' AND dependant_id <> 'SELF'),
    relationship    text NOT NULL CHECK (relationship IN ('spouse', 'child', 'other')),
    last_name       text NOT NULL,
    first_name      text NOT NULL,
    date_of_birth   date NOT NULL,
    coverage_start  date,
    coverage_end    date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE dependants ADD CONSTRAINT dependants_coverage_order
    CHECK (coverage_start IS NULL OR coverage_end IS NULL OR coverage_end >= coverage_start);
CREATE INDEX dependants_member ON dependants (member_id, dependant_id);

-- Self-service enrolment: asked by the member, decided by the TPA.
CREATE TABLE dependant_requests (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Keyset order of the lists (newest first).
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    account_id      uuid NOT NULL REFERENCES accounts (id),
    member_id       uuid NOT NULL REFERENCES members (id),
    relationship    text NOT NULL CHECK (relationship IN ('spouse', 'child', 'other')),
    last_name       text NOT NULL,
    first_name      text NOT NULL,
    date_of_birth   date NOT NULL,
    -- The life event (arrival, marriage, birth…) the enrolment follows.
    event_date      date NOT NULL,
    -- Asked more than the plan's enrolment window after the event: flagged, not refused.
    late            boolean NOT NULL,
    status          text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'denied')),
    reason          text,
    -- The dependant an approval added.
    dependant_ref   uuid REFERENCES dependants (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz
);
CREATE INDEX dependant_requests_account_seq ON dependant_requests (account_id, seq DESC);
CREATE INDEX dependant_requests_status_seq ON dependant_requests (status, seq DESC);

-- Proof documents of a request, stored like receipts (sniffed type, at most 10 MiB).
CREATE TABLE dependant_request_documents (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    request_id    uuid NOT NULL REFERENCES dependant_requests (id),
    content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    filename      text,
    size_bytes    integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    content       bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dependant_request_documents_request ON dependant_request_documents (request_id, created_at);

-- Whose care a claim paid for: 'self' (the member) or a dependant's `dependant_id`.
ALTER TABLE claims ADD COLUMN patient text NOT NULL DEFAULT 'self';
CREATE INDEX claims_member_patient_usage ON claims (member_id, patient, category, service_date)
    WHERE approved_amount_cents IS NOT NULL;

-- Whether a category's annual maximum is per person or shared by the family.
ALTER TABLE benefit_categories ADD COLUMN maximum_scope text NOT NULL DEFAULT 'person';
ALTER TABLE benefit_categories ADD CONSTRAINT benefit_categories_maximum_scope
    CHECK (maximum_scope IN ('person', 'family'));
