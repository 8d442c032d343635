-- A member's claims, newest first by keyset (GET /v1/plans/{plan}/me/claims), as a function of the
-- plan schema (issue #15): PL/pgSQL plans each statement once per connection, where the statement
-- sent by the server was parsed, analysed and planned on every page (two thirds of PostgreSQL's
-- time for it). One statement per shape, so each cached plan walks claims_account_seq or
-- claims_account_status_seq. Columns as ClaimRepository's ClaimRow.columns.
CREATE FUNCTION member_claims_page(p_account uuid, p_status text, p_before bigint, p_limit bigint)
RETURNS TABLE (
    claim_seq bigint, claim_id uuid, claim_status text, claim_category text, claim_service_date text, claim_provider_name text,
    claim_amount_cents bigint, claim_currency text, claim_approved_amount_cents bigint, claim_submitted_at timestamptz,
    claim_updated_at timestamptz, claim_notes text, member_certificate_number text, claim_patient text
)
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $fn$
BEGIN
    IF p_status IS NULL THEN
        RETURN QUERY
        SELECT c.seq, c.id, c.status, c.category, c.service_date::text, c.provider_name, c.amount_cents, c.currency,
               c.approved_amount_cents, c.submitted_at, c.updated_at, c.notes, m.certificate_number, c.patient
        FROM claims c JOIN members m ON m.id = c.member_id
        WHERE c.account_id = p_account AND c.seq < p_before
        ORDER BY c.seq DESC
        LIMIT p_limit;
    ELSE
        RETURN QUERY
        SELECT c.seq, c.id, c.status, c.category, c.service_date::text, c.provider_name, c.amount_cents, c.currency,
               c.approved_amount_cents, c.submitted_at, c.updated_at, c.notes, m.certificate_number, c.patient
        FROM claims c JOIN members m ON m.id = c.member_id
        WHERE c.account_id = p_account AND c.status = p_status AND c.seq < p_before
        ORDER BY c.seq DESC
        LIMIT p_limit;
    END IF;
END
$fn$;
