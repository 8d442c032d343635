import Foundation
import PostgresNIO

/// A claim as stored: the one column list (`c` claims joined with `m` members) and the one
/// decoder every claim read goes through. The plan schema's `member_claims_page`
/// (sql/tenant/0012) returns these columns in this order.
struct ClaimRow {
    static let columns = """
        c.seq, c.id, c.status, c.category, c.service_date::text, c.provider_name, c.amount_cents, c.currency,
        c.approved_amount_cents, c.submitted_at, c.updated_at, c.notes, m.certificate_number, c.patient
        """

    /// Keyset position (lists are newest first by it).
    var seq: Int64
    var summary: ClaimSummary
    var notes: String?
    var certificateNumber: String

    init(_ row: PostgresRow) throws {
        let (seq, id, status, category, serviceDate, provider, amount, currency, approved, submittedAt, updatedAt, notes, certificate, patient) =
            try row.decode((Int64, UUID, ClaimStatus, String, String, String, Int64, String, Int64?, Date, Date, String?, String, String).self)
        self.seq = seq
        self.summary = ClaimSummary(
            id: id, status: status, category: category, serviceDate: serviceDate, providerName: provider, amountCents: amount,
            currency: currency, approvedAmountCents: approved, submittedAt: submittedAt, updatedAt: updatedAt, patient: patient
        )
        self.notes = notes
        self.certificateNumber = certificate
    }
}
