-- Device tokens (OWASP's device cookies against lock-out): a successful login returns one; a later
-- login of the same account that presents it is exempt from the per-e-mail challenge threshold and
-- the per-account cap. Stored as SHA-256 only. A token ends when it is used again (a new one is
-- issued), after 180 days, after 10 failed passwords (it stays, without its exemption), and when
-- the account's password changes or is reset, the account is locked, or support logs it out
-- everywhere (rows deleted).
CREATE TABLE device_tokens (
    token_hash       bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id       uuid NOT NULL REFERENCES accounts (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    failed_attempts  integer NOT NULL DEFAULT 0
);
CREATE INDEX device_tokens_account ON device_tokens (account_id, created_at DESC);
