-- Webhook events of the plan (issue #14), written in the transaction of the change that caused
-- them when at least one endpoint subscribes to their type. `body` is the JSON every delivery
-- and replay sends, byte for byte (what the signature covers): it names members by certificate
-- number only, never a password, answer, token, date of birth or receipt. Deliveries are queued
-- in control.webhook_deliveries; an event goes once none of its deliveries is kept any more.
CREATE TABLE webhook_events (
    id           uuid PRIMARY KEY,
    type         text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    body         text NOT NULL
);
