-- The rate-limit statements as functions (issue #15): PL/pgSQL plans each of its statements once
-- per connection, where a statement sent by the server is parsed, analysed and planned on every
-- request (half of PostgreSQL's CPU per login was that). Both take the same parameters whatever
-- the plan, so a connection holds one plan of each, not one per plan schema.

-- Counts one hit on each key: an atomic upsert, so concurrent requests queue on the row lock and
-- each sees the count including its own hit. Keys come sorted (two requests hitting the same keys
-- lock them in the same order), each with its window in seconds. A key's window starts at its
-- first hit; when a window has ended the next hit starts a new one at 1 and keeps the ended
-- window's count in previous_hits (0 when that window was not the one just before).
CREATE FUNCTION control.rate_limit_hit(p_keys text[], p_windows bigint[])
RETURNS TABLE (limit_key text, limit_hits integer, limit_previous_hits integer, limit_seconds bigint)
LANGUAGE plpgsql AS $fn$
BEGIN
    RETURN QUERY
    INSERT INTO control.rate_limits AS r (key, hits, window_ends_at)
    SELECT t.k, 1, now() + t.w * interval '1 second'
    FROM unnest(p_keys, p_windows) AS t (k, w)
    ORDER BY t.k
    ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN r.window_ends_at <= now() THEN 1 ELSE r.hits + 1 END,
        previous_hits = CASE WHEN r.window_ends_at > now() THEN r.previous_hits
                             WHEN r.window_ends_at > now() - (excluded.window_ends_at - now()) THEN r.hits
                             ELSE 0 END,
        window_ends_at = CASE WHEN r.window_ends_at <= now() THEN excluded.window_ends_at ELSE r.window_ends_at END
    RETURNING r.key, r.hits, r.previous_hits, ceil(extract(epoch FROM r.window_ends_at - now()))::bigint;
END
$fn$;

-- Takes one hit back from each key after a successful login; p_reset (the (e-mail, address)
-- pair) starts over at 0.
CREATE FUNCTION control.rate_limit_refund(p_keys text[], p_reset text)
RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE control.rate_limits r
    SET hits = CASE WHEN r.key = p_reset THEN 0 ELSE greatest(r.hits - 1, 0) END
    WHERE r.key = ANY (p_keys);
END
$fn$;
