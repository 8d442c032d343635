import ArgumentParser
import Foundation

/// `planportal plans create|list`.
struct PlansCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans",
        abstract: "Create and list plans (tenants).",
        subcommands: [Create.self, List.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a plan and create its schema.")

        @OptionGroup var common: CommonOptions
        @Option(help: "Plan identifier, e.g. ramu-udem.") var slug: String
        @Option(name: .customLong("name-fr"), help: "Display name in French.") var nameFr: String
        @Option(name: .customLong("name-en"), help: "Display name in English.") var nameEn: String
        @Option(name: .customLong("email-domain"), help: "Institutional e-mail domain (repeat for several).")
        var emailDomains: [String] = []
        @Option(name: .customLong("portal-url"), help: "Base URL of the member portal (activation links).") var portalURL: String
        @Option(name: .customLong("support-phone")) var supportPhone: String?
        @Option(name: .customLong("support-email")) var supportEmail: String?
        @Option(name: .customLong("support-hours-fr")) var supportHoursFr: String?
        @Option(name: .customLong("support-hours-en")) var supportHoursEn: String?
        @Option(name: .customLong("default-locale"), help: "fr (default) or en.") var defaultLocale: String?

        func run() async throws {
            try await reportingProblems {
                var locale: Language?
                if let defaultLocale {
                    guard let parsed = Language(rawValue: defaultLocale) else { throw ConfigError("--default-locale must be fr or en") }
                    locale = parsed
                }
                let input = try PlanCreateInput(
                    slug: slug, nameFr: nameFr, nameEn: nameEn, emailDomains: emailDomains, portalUrl: portalURL,
                    support: SupportContact(phone: supportPhone, email: supportEmail, hoursFr: supportHoursFr, hoursEn: supportHoursEn),
                    defaultLocale: locale
                ).validated()
                let services = try common.servicesForCommand()
                let plan = try await services.withRunningDatabase { services in
                    try await services.migrator.migrate()
                    return try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
                }
                print("created plan \(plan.slug) (schema \(plan.schema))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List plans.")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingProblems {
                let services = try common.servicesForCommand()
                let plans = try await services.withRunningDatabase { try await $0.plans.list(slugs: nil) }
                for plan in plans {
                    print([plan.slug, plan.schema, plan.emailDomains.joined(separator: ","), plan.nameEn].joined(separator: "\t"))
                }
            }
        }
    }
}
