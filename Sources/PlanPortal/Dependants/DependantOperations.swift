import Foundation

/// A member's family (tag `member-dependants`) for every presentation.
struct DependantOperations: Sendable {
    let dependants: DependantRepository

    /// `listMyDependants`: the member's dependants with their coverage dates.
    func listMyDependants(plan: Plan, session: MemberSession) async throws -> DependantList {
        DependantList(items: try await dependants.family(plan: plan.slug, accountID: session.accountID))
    }
}

/// What the TPA does with dependants (tag `admin-dependants`), for every presentation.
struct AdminDependantOperations: Sendable {
    let dependants: DependantRepository

    /// `importDependantRoster`: the dependants file, all lines or none.
    func importDependantRoster(plan: Plan, csv: String, event: NewAuditEvent) async throws -> RosterImportResult {
        try await dependants.importCSV(csv, plan: plan.slug, audit: event)
    }
}
