-- Per-plan schema. Applied with search_path set to the plan's schema only, so every
-- unqualified name below lands in that schema.

-- Append-only audit trail of the plan. No password, answer, token or full date of birth is
-- ever written here.
CREATE TABLE audit_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    action       text NOT NULL,
    actor_type   text NOT NULL CHECK (actor_type IN ('admin_key', 'member', 'system', 'anonymous')),
    actor_id     text,
    request_id   text,
    ip           inet,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE FUNCTION audit_events_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();
