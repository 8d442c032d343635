-- Rate-limit counters shared by every replica. Unlogged: counters are worth less than the WAL
-- they would write, and losing them in a crash only resets some windows. Keys are
-- "<policy>:<plan>:<sha256 of the subject>", so no e-mail, address or certificate number is stored.
CREATE UNLOGGED TABLE control.rate_limits (
    key             text PRIMARY KEY,
    hits            integer NOT NULL,
    window_ends_at  timestamptz NOT NULL
);
CREATE INDEX rate_limits_window_ends_at ON control.rate_limits (window_ends_at);

-- Proof-of-work challenges already redeemed, kept until their salt expires: each solution is
-- accepted once, whichever replica sees it.
CREATE TABLE control.challenge_solutions (
    plan_slug   text NOT NULL,
    challenge   text NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (plan_slug, challenge)
);
CREATE INDEX challenge_solutions_expires_at ON control.challenge_solutions (expires_at);

-- Every plan gets its own HMAC key for proof-of-work challenges (plans created from now on get
-- one from the server). Two v4 UUIDs give 244 random bits from PostgreSQL's strong generator.
UPDATE control.plans
SET settings = settings || jsonb_build_object(
    'powKey', encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'))
WHERE NOT settings ? 'powKey';
