-- A login's two statements as functions of the plan schema (issue #15): PL/pgSQL plans each of
-- its statements once per connection, where a statement sent by the server is parsed, analysed
-- and planned on every login (that was half of PostgreSQL's CPU per login). `SET search_path
-- FROM CURRENT` keeps the plan schema (set while migrating) as the functions' own search path,
-- whatever the caller's. What a connection keeps per plan is the two compiled functions with
-- their plans (measured in the closing note of #15).

-- Before any hashing: counts the attempt on every login counter (control.rate_limit_hit), reads
-- the e-mail's account, the newest terms version and the plan's recorded "under attack" state.
CREATE FUNCTION login_begin(p_plan text, p_email text, p_keys text[], p_windows bigint[])
RETURNS TABLE (
    limit_keys text[], limit_hits integer[], limit_previous_hits integer[], limit_seconds bigint[],
    account_id uuid, account_password_hash text, account_status text, account_terms_version text,
    current_terms text, plan_under_attack boolean
)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
BEGIN
    RETURN QUERY
    WITH limits AS (
        SELECT h.limit_key, h.limit_hits, h.limit_previous_hits, h.limit_seconds FROM control.rate_limit_hit(p_keys, p_windows) h
    ), account AS (
        SELECT a.id, a.password_hash, a.status, a.terms_version FROM accounts a WHERE a.email = p_email
    )
    SELECT (SELECT coalesce(array_agg(l.limit_key ORDER BY l.limit_key), '{}') FROM limits l),
           (SELECT coalesce(array_agg(l.limit_hits ORDER BY l.limit_key), '{}') FROM limits l),
           (SELECT coalesce(array_agg(l.limit_previous_hits ORDER BY l.limit_key), '{}') FROM limits l),
           (SELECT coalesce(array_agg(l.limit_seconds ORDER BY l.limit_key), '{}') FROM limits l),
           account.id, account.password_hash, account.status, account.terms_version,
           (SELECT v.version FROM terms_versions v ORDER BY v.published_at DESC, v.version DESC LIMIT 1),
           coalesce((SELECT s.under_attack FROM control.login_plan_state s WHERE s.plan_slug = p_plan), false)
    FROM (VALUES (1)) AS one (x) LEFT JOIN account ON true;
END
$fn$;

-- After the password was verified: opens the session with its login.success event and issues a
-- new device token (ending the presented one, expired ones and those beyond the newest
-- p_kept_devices), only while the account still has the verified password hash and is active.
-- Returns when the session expires, or null when the account changed meanwhile (nothing written).
CREATE FUNCTION login_open_session(
    p_account uuid, p_password_hash text,
    p_action text, p_actor_type text, p_actor_id text, p_request_id text, p_ip text, p_details text,
    p_presented_device bytea, p_kept_devices bigint, p_new_device bytea, p_device_days bigint,
    p_session bytea, p_session_seconds bigint
)
RETURNS timestamptz
LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
DECLARE
    v_expires timestamptz;
BEGIN
    WITH still AS (
        SELECT a.id FROM accounts a WHERE a.id = p_account AND a.password_hash = p_password_hash AND a.status = 'active'
    ), audit AS (
        INSERT INTO audit_events (action, actor_type, actor_id, request_id, ip, details)
        SELECT p_action, p_actor_type, p_actor_id, p_request_id, p_ip::inet, p_details::jsonb FROM still
    ), ended_devices AS (
        DELETE FROM device_tokens d
        WHERE d.account_id = p_account
          AND (d.token_hash = p_presented_device OR d.expires_at <= now()
               OR d.token_hash IN (SELECT k.token_hash FROM device_tokens k WHERE k.account_id = p_account
                                   ORDER BY k.created_at DESC OFFSET p_kept_devices - 1))
    ), device AS (
        INSERT INTO device_tokens (token_hash, account_id, expires_at)
        SELECT p_new_device, still.id, now() + p_device_days * interval '1 day' FROM still
    )
    INSERT INTO sessions (token_hash, account_id, expires_at)
    SELECT p_session, still.id, now() + make_interval(secs => p_session_seconds) FROM still
    RETURNING sessions.expires_at INTO v_expires;
    RETURN v_expires;
END
$fn$;
