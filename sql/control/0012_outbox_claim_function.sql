-- The mail outbox claim as a function, like the webhook claim (0011): PL/pgSQL plans its statement
-- once per connection, where the statement every replica's mail sender sent twice a second was
-- parsed, analysed and planned each time.
--
-- Claims up to p_limit due messages (oldest first), locked with FOR UPDATE SKIP LOCKED and leased
-- by pushing next_attempt_at p_lease_seconds ahead, so two replicas never claim the same row while
-- the lease runs. p_plans limits the claim to those plans (null: every plan). A message older than
-- p_lifetime_seconds comes back with `expired` (given up without another attempt).
CREATE FUNCTION control.outbox_claim_due(p_limit bigint, p_plans text[], p_lease_seconds bigint, p_lifetime_seconds bigint)
RETURNS TABLE (
    claimed_id bigint, claimed_plan text, claimed_kind text, claimed_to text, claimed_subject text, claimed_text text,
    claimed_html text, claimed_attempts integer, claimed_expired boolean
)
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN QUERY
    UPDATE control.outbox o
    SET next_attempt_at = now() + make_interval(secs => p_lease_seconds), attempts = o.attempts + 1
    WHERE o.id IN (
        SELECT c.id FROM control.outbox c
        WHERE c.sent_at IS NULL AND c.dead_at IS NULL AND c.next_attempt_at <= now()
          AND (p_plans IS NULL OR c.plan_slug = ANY (p_plans))
        ORDER BY c.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    )
    RETURNING o.id, o.plan_slug, o.kind, o.to_address, o.subject, o.body_text, o.body_html, o.attempts,
              o.created_at < now() - make_interval(secs => p_lifetime_seconds);
END
$fn$;
