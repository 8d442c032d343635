-- Webhooks (issue #14). Endpoints are plan configuration, kept here like the plan's challenge
-- settings so every replica's delivery service claims across plans with one query; the events
-- themselves (what members did) stay in each plan's schema (tenant 0008_webhook_events.sql).

-- An endpoint a plan's admins registered. `secret` and `previous_secret` are the Standard
-- Webhooks signing secrets (`whsec_…`) sealed with SECRETS_KEY (`enc:v1:<key id>:…`, bound to
-- the plan and the endpoint); after a rotation the previous one also signs until it expires.
CREATE TABLE control.webhook_endpoints (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_slug                   text NOT NULL REFERENCES control.plans (slug),
    url                         text NOT NULL,
    description                 text,
    events                      text[] NOT NULL CHECK (cardinality(events) > 0),
    enabled                     boolean NOT NULL DEFAULT true,
    secret                      text NOT NULL,
    previous_secret             text,
    previous_secret_expires_at  timestamptz,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_plan ON control.webhook_endpoints (plan_slug, created_at, id);

-- One event for one endpoint: written in the transaction of the change that caused the event,
-- claimed by any replica with FOR UPDATE SKIP LOCKED (a claim pushes next_attempt_at ahead as a
-- lease), retried with back-off for 3 days, then dead. `seq` orders the keyset lists; `id` is
-- the public delivery id; the event id is the `webhook-id` every attempt and replay carries.
CREATE TABLE control.webhook_deliveries (
    seq                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    plan_slug           text NOT NULL REFERENCES control.plans (slug),
    endpoint_id         uuid NOT NULL REFERENCES control.webhook_endpoints (id) ON DELETE CASCADE,
    event_id            uuid NOT NULL,
    event_type          text NOT NULL,
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'dead')),
    attempts            integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    last_attempt_at     timestamptz,
    last_response_code  integer,
    -- Why the last attempt failed: a status, `timeout`, `connect`, `refused: <rule>`; never a
    -- response body.
    last_error          text,
    finished_at         timestamptz,
    -- Host and process that made the last attempt (operators, and the two-replica test).
    claimed_by          text,
    replay_of           uuid
);
CREATE INDEX webhook_deliveries_due ON control.webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_queue ON control.webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON control.webhook_deliveries (endpoint_id, seq);
CREATE INDEX webhook_deliveries_finished ON control.webhook_deliveries (finished_at) WHERE status <> 'pending';
CREATE INDEX webhook_deliveries_event ON control.webhook_deliveries (event_id);
