import Foundation
import Logging
import PostgresNIO

/// The dependants of a plan's members (`dependants` in the plan's schema): the TPA's dependants
/// file, and the family of a member as claims, coverage and support read it.
struct DependantRepository: Sendable {
    let client: Database
    /// The member roster's import machinery (staging COPY, counts, audit and webhook event).
    let roster: RosterRepository
    let logger: Logger

    /// Parses a dependants file and, when every line is valid and names a member of the plan,
    /// applies it; otherwise throws `roster_invalid` listing every bad line, and nothing is applied.
    func importCSV(_ text: String, plan: PlanSlug, audit event: NewAuditEvent) async throws -> RosterImportResult {
        switch DependantRosterCSV.parse(text) {
        case .failure(let errors): throw Problem.rosterInvalid(errors.lines)
        case .success(let rows): return try await importRows(rows, plan: plan, audit: event)
        }
    }

    /// Upserts `rows` by dependant id in one transaction, like the member roster: dependants not
    /// listed are left alone (coverage ends with `coverage_end`, never by omission). A line whose
    /// principal is not on the roster, or whose dependant id belongs to another member, is a line
    /// error. Principals are resolved with plain look-ups (no join of the staging table with the
    /// plan's tables, which Citus would have to plan across nodes).
    func importRows(_ rows: [DependantRosterRow], plan: PlanSlug, audit event: NewAuditEvent) async throws -> RosterImportResult {
        do {
            return try await apply(rows, plan: plan, audit: event)
        } catch let error as PostgresTransactionError {
            // `roster_invalid` found against the database: rolled back, answered as itself.
            if let problem = error.closureError as? Problem { throw problem }
            throw error
        }
    }

    /// One transaction without a statement deadline (a file may be large), like the member roster's.
    private func apply(_ rows: [DependantRosterRow], plan: PlanSlug, audit event: NewAuditEvent) async throws -> RosterImportResult {
        let setsCoverage = rows.contains(where: \.setsCoverage)
        return try await client.withTransaction(logger: logger) { tx in
            let certificates = Array(Set(rows.map(\.principalCertificateNumber)))
            var principals: [String: UUID] = [:]
            let members = try await tx.query(
                "SELECT certificate_number, id FROM \(schema: plan).members WHERE certificate_number = ANY(\(certificates)::text[])",
                logger: logger
            )
            for try await (certificate, id) in members.decode((String, UUID).self) { principals[certificate] = id }
            var owners: [String: UUID] = [:]
            let existing = try await tx.query(
                "SELECT dependant_id, member_id FROM \(schema: plan).dependants WHERE dependant_id = ANY(\(rows.map(\.dependantId))::text[])",
                logger: logger
            )
            for try await (id, member) in existing.decode((String, UUID).self) { owners[id] = member }
            var errors: [RosterLineError] = []
            for row in rows {
                guard let principal = principals[row.principalCertificateNumber] else {
                    errors.append(.init(line: row.line, field: "principal_certificate_number", reason: "unknown_principal"))
                    continue
                }
                if let owner = owners[row.dependantId], owner != principal {
                    errors.append(.init(line: row.line, field: "dependant_id", reason: "dependant_of_other_member"))
                }
            }
            guard errors.isEmpty else { throw Problem.rosterInvalid(errors) }

            try await tx.query(
                """
                CREATE TEMPORARY TABLE dependant_staging (
                    member_id uuid NOT NULL, dependant_id text NOT NULL, relationship text NOT NULL, last_name text NOT NULL,
                    first_name text NOT NULL, date_of_birth date NOT NULL, coverage_start date, coverage_end date
                ) ON COMMIT DROP
                """,
                logger: logger
            )
            try await RosterRepository.copy(
                rows.map { row in
                    [principals[row.principalCertificateNumber]?.uuidString, row.dependantId, row.relationship.rawValue, row.lastName, row.firstName,
                     row.dateOfBirth, row.coverageStart, row.coverageEnd]
                },
                into: "dependant_staging",
                columns: ["member_id", "dependant_id", "relationship", "last_name", "first_name", "date_of_birth", "coverage_start", "coverage_end"],
                on: tx, logger: logger
            )
            let result = try await tx.query(
                """
                WITH upserted AS (
                    INSERT INTO \(schema: plan).dependants AS d
                        (member_id, dependant_id, relationship, last_name, first_name, date_of_birth, coverage_start, coverage_end)
                    SELECT member_id, dependant_id, relationship, last_name, first_name, date_of_birth, coverage_start, coverage_end
                    FROM dependant_staging
                    ON CONFLICT (dependant_id) DO UPDATE SET
                        relationship = EXCLUDED.relationship, last_name = EXCLUDED.last_name, first_name = EXCLUDED.first_name,
                        date_of_birth = EXCLUDED.date_of_birth, updated_at = EXCLUDED.updated_at,
                        coverage_start = CASE WHEN \(setsCoverage) THEN EXCLUDED.coverage_start ELSE d.coverage_start END,
                        coverage_end = CASE WHEN \(setsCoverage) THEN EXCLUDED.coverage_end ELSE d.coverage_end END
                    WHERE (d.relationship, d.last_name, d.first_name, d.date_of_birth)
                        IS DISTINCT FROM (EXCLUDED.relationship, EXCLUDED.last_name, EXCLUDED.first_name, EXCLUDED.date_of_birth)
                       OR (\(setsCoverage) AND (d.coverage_start, d.coverage_end) IS DISTINCT FROM (EXCLUDED.coverage_start, EXCLUDED.coverage_end))
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
                """,
                logger: logger
            )
            return try await roster.record(result, lines: rows.count, roster: "dependants", plan: plan, audit: event, on: tx)
        }
    }

    /// The member's dependants, by dependant id.
    func family(plan: PlanSlug, memberID: UUID, on connection: PostgresConnection) async throws -> [Dependant] {
        let rows = try await connection.query(
            "SELECT \(unescaped: Dependant.columns) FROM \(schema: plan).dependants d WHERE d.member_id = \(memberID) ORDER BY d.dependant_id",
            logger: logger
        )
        var family: [Dependant] = []
        for try await row in rows { family.append(try Dependant(row)) }
        return family
    }

    /// The dependants of a member's account (`listMyDependants`).
    func family(plan: PlanSlug, accountID: UUID) async throws -> [Dependant] {
        try await client.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Dependant.columns)
                FROM \(schema: plan).accounts a JOIN \(schema: plan).dependants d ON d.member_id = a.member_id
                WHERE a.id = \(accountID) ORDER BY d.dependant_id
                """,
                logger: logger
            )
            var family: [Dependant] = []
            for try await row in rows { family.append(try Dependant(row)) }
            return family
        }
    }

    /// One dependant of `memberID`, or nil when the member has none with this id.
    func dependant(plan: PlanSlug, memberID: UUID, dependantID: String, on connection: PostgresConnection) async throws -> Dependant? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Dependant.columns) FROM \(schema: plan).dependants d WHERE d.member_id = \(memberID) AND d.dependant_id = \(dependantID)",
            logger: logger
        )
        return try await rows.one().map(Dependant.init)
    }
}
