import ArgumentParser
import Foundation

/// `planportal admin-keys create|list|revoke`.
struct AdminKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-keys",
        abstract: "Manage admin API keys.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; the key itself is printed once, alone on the last line."
        )

        @OptionGroup var common: CommonOptions
        @Option(help: "Who or what the key is for.") var name: String
        @Option(help: "platform or plan-admin.") var role: String
        @Option(name: .customLong("plan"), help: "Plan a plan-admin key may act on (repeat for several).")
        var plans: [String] = []

        func run() async throws {
            try await reportingProblems {
                guard let parsedRole = AdminRole(rawValue: role) else { throw ConfigError("--role must be platform or plan-admin") }
                let slugs = try plans.map { raw -> PlanSlug in
                    guard let slug = PlanSlug(raw) else { throw ConfigError("invalid plan slug: \(raw)") }
                    return slug
                }
                let services = try common.servicesForCommand()
                let (key, secret) = try await services.withRunningDatabase { services in
                    try await services.migrator.migrate()
                    let known = Set(try await services.plans.list(slugs: slugs.map(\.value)).map(\.slug.value))
                    if let missing = slugs.first(where: { !known.contains($0.value) }) {
                        throw ConfigError("no plan \(missing.value)")
                    }
                    return try await services.adminKeys.create(name: name, role: parsedRole, plans: slugs)
                }
                print("created admin key \(key.id) (\(key.role.rawValue)); store it now, it is not shown again:")
                print(secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never the secrets).")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingProblems {
                let services = try common.servicesForCommand()
                let keys = try await services.withRunningDatabase { try await $0.adminKeys.list() }
                for key in keys {
                    let state = key.revokedAt.map { "revoked \($0.formatted(.iso8601))" } ?? "active"
                    print([key.id.uuidString.lowercased(), key.name, key.role.rawValue, key.plans.joined(separator: ","), key.prefix + "…", state]
                        .joined(separator: "\t"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id.")

        @OptionGroup var common: CommonOptions
        @Argument(help: "Key id from `admin-keys list`.") var id: String

        func run() async throws {
            try await reportingProblems {
                guard let uuid = UUID(uuidString: id) else { throw ConfigError("not a key id: \(id)") }
                let services = try common.servicesForCommand()
                guard try await services.withRunningDatabase({ try await $0.adminKeys.revoke(id: uuid) }) else {
                    throw ConfigError("no active key \(id)")
                }
                print("revoked \(uuid.uuidString.lowercased())")
            }
        }
    }
}
