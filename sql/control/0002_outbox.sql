-- Transactional e-mail outbox shared by every plan: rows are written in the same transaction as
-- the state change that needs them, and any replica's delivery service claims due rows with
-- FOR UPDATE SKIP LOCKED. Address and bodies are cleared once the message is sent.
CREATE TABLE control.outbox (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_slug        text NOT NULL REFERENCES control.plans (slug),
    kind             text NOT NULL,
    to_address       text,
    subject          text NOT NULL,
    body_text        text,
    body_html        text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    attempts         integer NOT NULL DEFAULT 0,
    sent_at          timestamptz,
    last_error       text
);
CREATE INDEX outbox_due ON control.outbox (next_attempt_at) WHERE sent_at IS NULL;
