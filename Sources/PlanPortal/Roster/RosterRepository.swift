import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Counts of a roster import, as returned by `PUT /v1/admin/plans/{plan}/roster`.
public struct RosterImportResult: Codable, Sendable, Equatable {
    public var inserted: Int
    public var updated: Int
    public var unchanged: Int
}

/// The roster of each plan (`members` in the plan's schema).
public struct RosterRepository: Sendable {
    let client: Database
    let audit: AuditRepository
    let webhooks: WebhookOutbox
    let logger: Logger

    /// Checks a roster file that `read` hands over piece by piece (each piece to the function it
    /// is given) and, when every line is valid, applies it; otherwise throws `roster_invalid`
    /// listing every bad line, and nothing is applied. The valid rows wait in COPY's text format
    /// (about the file's size), never as values, until the file is known to be valid.
    public func importCSV(
        plan: PlanSlug, audit: NewAuditEvent, read: (_ feed: (UnsafeRawBufferPointer) -> Void) throws -> Void
    ) async throws -> RosterImportResult {
        var parser = RosterCSV.Parser()
        var staged = RosterStaging()
        try read { chunk in parser.feed(chunk) { staged.append($0) } }
        if let errors = parser.finish({ staged.append($0) }) { throw Problem.rosterInvalid(errors.lines) }
        return try await importStaged(staged, plan: plan, audit: audit)
    }

    /// `importCSV` of a file held in memory (a request body).
    public func importCSV(_ buffer: ByteBuffer, plan: PlanSlug, audit: NewAuditEvent) async throws -> RosterImportResult {
        try await importCSV(plan: plan, audit: audit) { feed in buffer.withUnsafeReadableBytes(feed) }
    }

    /// Upserts the staged rows by certificate number in one transaction; members not listed are left alone.
    /// COPY into a transaction-scoped staging table, then one `INSERT … ON CONFLICT DO UPDATE`
    /// that only touches rows whose data changed. Coverage is replaced only when the file has coverage columns.
    func importStaged(_ staged: RosterStaging, plan: PlanSlug, audit event: NewAuditEvent) async throws -> RosterImportResult {
        let setsCoverage = staged.setsCoverage
        return try await client.withTransaction(logger: logger) { tx in
            try await tx.query(
                """
                CREATE TEMPORARY TABLE roster_staging (
                    certificate_number text NOT NULL, last_name text NOT NULL, first_name text NOT NULL,
                    last_name_key text NOT NULL, first_name_key text NOT NULL, date_of_birth date NOT NULL, email text,
                    coverage_status text, coverage_start date, coverage_end date
                ) ON COMMIT DROP
                """,
                logger: logger
            )
            try await Self.copy(staged.data, into: "roster_staging", columns: RosterStaging.columns, on: tx, logger: logger)
            let result = try await tx.query(
                """
                WITH upserted AS (
                    INSERT INTO \(schema: plan).members AS m
                        (certificate_number, last_name, first_name, last_name_key, first_name_key, date_of_birth, email,
                         coverage_status, coverage_start, coverage_end)
                    SELECT certificate_number, last_name, first_name, last_name_key, first_name_key, date_of_birth, email,
                           coalesce(coverage_status, 'active'), coverage_start, coverage_end
                    FROM roster_staging
                    ON CONFLICT (certificate_number) DO UPDATE SET
                        last_name = EXCLUDED.last_name, first_name = EXCLUDED.first_name,
                        last_name_key = EXCLUDED.last_name_key, first_name_key = EXCLUDED.first_name_key,
                        date_of_birth = EXCLUDED.date_of_birth, email = EXCLUDED.email, updated_at = EXCLUDED.updated_at,
                        coverage_status = CASE WHEN \(setsCoverage) THEN EXCLUDED.coverage_status ELSE m.coverage_status END,
                        coverage_start = CASE WHEN \(setsCoverage) THEN EXCLUDED.coverage_start ELSE m.coverage_start END,
                        coverage_end = CASE WHEN \(setsCoverage) THEN EXCLUDED.coverage_end ELSE m.coverage_end END
                    WHERE (m.last_name, m.first_name, m.date_of_birth, m.email)
                        IS DISTINCT FROM (EXCLUDED.last_name, EXCLUDED.first_name, EXCLUDED.date_of_birth, EXCLUDED.email)
                       OR (\(setsCoverage) AND (m.coverage_status, m.coverage_start, m.coverage_end)
                           IS DISTINCT FROM (EXCLUDED.coverage_status, EXCLUDED.coverage_start, EXCLUDED.coverage_end))
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
                """,
                logger: logger
            )
            return try await record(result, lines: staged.rows, roster: "members", plan: plan, audit: event, on: tx)
        }
    }

    /// The counts of an upsert that answered `(inserted, updated)`, recorded with their audit event
    /// and `roster.imported` webhook event (`roster`: `members` or `dependants`) in its transaction.
    func record(
        _ result: PostgresRowSequence, lines: Int, roster: String, plan: PlanSlug, audit event: NewAuditEvent, on tx: PostgresConnection
    ) async throws -> RosterImportResult {
        let (inserted, updated) = try await result.decode((Int, Int).self).one() ?? (0, 0)
        let counts = RosterImportResult(inserted: inserted, updated: updated, unchanged: lines - inserted - updated)
        var event = event
        event.details.outcome = "inserted=\(counts.inserted) updated=\(counts.updated) unchanged=\(counts.unchanged)"
        try await audit.append(event, plan: plan, on: tx)
        try await webhooks.enqueue(.rosterImported(counts, roster: roster), plan: plan, on: tx)
        return counts
    }

    /// COPYs `rows` (nil is NULL) into a staging table.
    static func copy(_ rows: [[String?]], into table: String, columns: [String], on tx: PostgresConnection, logger: Logger) async throws {
        var buffer = ByteBuffer()
        for row in rows {
            buffer.writeString(row.map { $0.map(Self.copyText) ?? "\\N" }.joined(separator: "\t") + "\n")
        }
        try await copy(buffer, into: table, columns: columns, on: tx, logger: logger)
    }

    /// COPYs rows already in COPY's text format into a staging table, in messages of 1 MiB.
    static func copy(_ data: ByteBuffer, into table: String, columns: [String], on tx: PostgresConnection, logger: Logger) async throws {
        try await tx.copyFrom(table: table, columns: columns, logger: logger) { writer in
            var data = data
            while data.readableBytes > 0, let chunk = data.readSlice(length: min(data.readableBytes, 1 << 20)) {
                try await writer.write(chunk)
            }
        }
    }

    /// Escapes a value for COPY's text format.
    static func copyText(_ value: String) -> String {
        var out = ""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
