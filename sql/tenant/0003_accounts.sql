-- The member journey of the seed (steps 3-10): registrations, activation tokens, accounts,
-- terms of use, sessions and password resets. Tokens are stored as SHA-256 digests only.

CREATE TABLE registrations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email           text NOT NULL,
    locale          text NOT NULL CHECK (locale IN ('fr', 'en')),
    -- Set when the identity step matched a roster member.
    member_id       uuid REFERENCES members (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    last_email_at   timestamptz,
    emails_sent     integer NOT NULL DEFAULT 0
);
CREATE INDEX registrations_member ON registrations (member_id) WHERE member_id IS NOT NULL;

CREATE TABLE activation_tokens (
    token_hash       bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    registration_id  uuid NOT NULL REFERENCES registrations (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    -- A newer e-mail for the same registration supersedes older tokens.
    superseded_at    timestamptz,
    failed_attempts  integer NOT NULL DEFAULT 0
);
CREATE INDEX activation_tokens_registration ON activation_tokens (registration_id);

CREATE TABLE accounts (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id             uuid NOT NULL UNIQUE REFERENCES members (id),
    email                 text NOT NULL UNIQUE,
    password_hash         text NOT NULL,
    security_question_id  text NOT NULL,
    security_answer_hash  text NOT NULL,
    locale                text NOT NULL CHECK (locale IN ('fr', 'en')),
    status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'locked')),
    terms_version         text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE terms_versions (
    version       text PRIMARY KEY CHECK (length(version) BETWEEN 1 AND 40),
    text_fr       text NOT NULL,
    text_en       text NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE terms_acceptances (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id),
    version      text NOT NULL REFERENCES terms_versions (version),
    accepted_at  timestamptz NOT NULL DEFAULT now(),
    ip           inet,
    user_agent   text
);

CREATE TABLE sessions (
    token_hash    bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id    uuid NOT NULL REFERENCES accounts (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    -- Absolute end of the session; the idle timeout is checked against last_seen_at.
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE password_resets (
    token_hash       bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id       uuid NOT NULL REFERENCES accounts (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    superseded_at    timestamptz,
    failed_attempts  integer NOT NULL DEFAULT 0
);
CREATE INDEX password_resets_account ON password_resets (account_id);
