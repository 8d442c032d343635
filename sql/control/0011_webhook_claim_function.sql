-- The webhook claim as a function: PL/pgSQL plans its statement once per connection, where the
-- statement sent by every replica's delivery service four times a second was parsed, analysed and
-- planned each time (0.75 ms of planning per poll, most of an idle replica's PostgreSQL CPU).
--
-- Claims up to p_limit due deliveries: from each endpoint its oldest due ones (up to its free
-- share, p_per_endpoint minus what this replica has in flight to it), round-robin over plans
-- (each plan's first before any plan's second, counting what the replica has in flight to the
-- plan, at most p_per_plan), locked with FOR UPDATE SKIP LOCKED and leased by pushing
-- next_attempt_at p_lease_seconds ahead, so two replicas never claim the same row while the lease
-- runs. p_plans limits the claim to those plans (null: every plan). A delivery older than
-- p_lifetime_seconds comes back with `expired` (given up without another attempt).
CREATE FUNCTION control.webhook_claim_due(
    p_busy_endpoints uuid[], p_busy_endpoint_counts integer[], p_busy_plans text[], p_busy_plan_counts integer[],
    p_per_endpoint bigint, p_per_plan bigint, p_limit bigint, p_plans text[], p_replica text,
    p_lease_seconds bigint, p_lifetime_seconds bigint
)
RETURNS TABLE (
    claimed_seq bigint, claimed_id uuid, claimed_plan text, claimed_endpoint uuid, claimed_event uuid, claimed_type text,
    claimed_attempts integer, claimed_expired boolean, endpoint_enabled boolean, endpoint_url text, endpoint_secret text,
    endpoint_previous_secret text
)
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN QUERY
    WITH busy_endpoints AS (
        SELECT * FROM unnest(p_busy_endpoints, p_busy_endpoint_counts) AS b (endpoint_id, n)
    ), busy_plans AS (
        SELECT * FROM unnest(p_busy_plans, p_busy_plan_counts) AS b (plan_slug, n)
    ), candidates AS (
        SELECT d.seq, d.next_attempt_at,
               row_number() OVER (PARTITION BY e.plan_slug ORDER BY d.next_attempt_at, d.seq) + coalesce(bp.n, 0) AS plan_rank
        FROM control.webhook_endpoints e
        LEFT JOIN busy_endpoints be ON be.endpoint_id = e.id
        LEFT JOIN busy_plans bp ON bp.plan_slug = e.plan_slug
        CROSS JOIN LATERAL (
            SELECT w.seq, w.next_attempt_at FROM control.webhook_deliveries w
            WHERE w.endpoint_id = e.id AND w.status = 'pending' AND w.next_attempt_at <= now()
            ORDER BY w.next_attempt_at
            LIMIT greatest(0, p_per_endpoint - coalesce(be.n, 0))
        ) d
        WHERE p_plans IS NULL OR e.plan_slug = ANY (p_plans)
    ), picked AS (
        SELECT c.seq FROM candidates c WHERE c.plan_rank <= p_per_plan ORDER BY c.plan_rank, c.next_attempt_at LIMIT p_limit
    ), locked AS (
        SELECT w.seq FROM control.webhook_deliveries w
        WHERE w.seq IN (SELECT p.seq FROM picked p) AND w.status = 'pending' AND w.next_attempt_at <= now()
        FOR UPDATE SKIP LOCKED
    )
    UPDATE control.webhook_deliveries d
    SET next_attempt_at = now() + make_interval(secs => p_lease_seconds), attempts = d.attempts + 1, claimed_by = p_replica
    FROM control.webhook_endpoints e
    WHERE d.seq IN (SELECT l.seq FROM locked l) AND e.id = d.endpoint_id
    RETURNING d.seq, d.id, d.plan_slug, d.endpoint_id, d.event_id, d.event_type, d.attempts,
              d.created_at < now() - make_interval(secs => p_lifetime_seconds), e.enabled, e.url, e.secret,
              CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END;
END
$fn$;
