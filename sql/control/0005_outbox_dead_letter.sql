-- Outbox dead letters: a message still unsent after 24 hours or 20 attempts stops being retried.
-- Like a sent row, a dead row keeps no address, body (whose links carry tokens) or server reply.
ALTER TABLE control.outbox ADD COLUMN dead_at timestamptz;

DROP INDEX control.outbox_due;
CREATE INDEX outbox_due ON control.outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;

-- Errors kept on rows already sent could quote an SMTP reply that echoed the address.
UPDATE control.outbox SET last_error = NULL WHERE sent_at IS NOT NULL;
