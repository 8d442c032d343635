import ArgumentParser
import Foundation

/// `planportal roster import --plan SLUG [--dependants] FILE.csv`: the CLI twin of
/// `PUT /v1/admin/plans/{plan}/roster` (and, with `--dependants`, of `…/roster/dependants`).
struct RosterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roster",
        abstract: "Load a plan's member roster or dependants file.",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: """
                Upsert members from a CSV file (certificate_number,last_name,first_name,date_of_birth[,email]), or with --dependants \
                dependants (principal_certificate_number,dependant_id,relationship,last_name,first_name,date_of_birth[,coverage_start,coverage_end]).
                """
        )

        @OptionGroup var common: CommonOptions
        @Option(help: "Plan slug.") var plan: String
        @Flag(help: "The file lists dependants, not members.") var dependants = false
        @Argument(help: "CSV file.") var file: String

        func run() async throws {
            try await reportingProblems {
                let slug = try PlanSlug.parse(plan)
                // Opened now so that a missing file is reported before anything else; the member
                // roster is read from it piece by piece, the dependants file as a whole.
                let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
                defer { try? input.close() }
                let text = try dependants ? String(contentsOfFile: file, encoding: .utf8) : ""
                let services = try common.servicesForCommand()
                let result = try await services.withRunningDatabase { services in
                    guard try await services.plans.find(slug) != nil else { throw Problem.planNotFound }
                    if dependants {
                        return try await services.adminDependants.dependants.importCSV(
                            text, plan: slug, audit: NewAuditEvent(action: "roster.dependants_imported", actor: .system)
                        )
                    }
                    return try await services.roster.importCSV(plan: slug, audit: NewAuditEvent(action: "roster.imported", actor: .system)) { feed in
                        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                            chunk.withUnsafeBytes(feed)
                        }
                    }
                }
                print("inserted \(result.inserted), updated \(result.updated), unchanged \(result.unchanged)")
            }
        }
    }
}
