import ArgumentParser
import Foundation

/// `planportal plans create|list|set-challenge`.
struct PlansCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans",
        abstract: "Create and list plans (tenants).",
        subcommands: [Create.self, List.self, SetChallenge.self]
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
        @OptionGroup var challenge: ChallengeOptions

        func run() async throws {
            try await reportingProblems {
                var locale: Language?
                if let defaultLocale {
                    guard let parsed = Language(rawValue: defaultLocale) else { throw ConfigError("--default-locale must be fr or en") }
                    locale = parsed
                }
                let services = try common.servicesForCommand()
                let input = try PlanCreateInput(
                    slug: slug, nameFr: nameFr, nameEn: nameEn, emailDomains: emailDomains, portalUrl: portalURL,
                    support: SupportContact(phone: supportPhone, email: supportEmail, hoursFr: supportHoursFr, hoursEn: supportHoursEn),
                    defaultLocale: locale, challenge: try challenge.patch(environment: services.config.environment)
                ).validated()
                let plan = try await services.withRunningDatabase { services in
                    try await services.migrator.migrate()
                    return try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
                }
                print("created plan \(plan.slug) (schema \(plan.schema))")
            }
        }
    }

    struct SetChallenge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-challenge", abstract: "Choose a plan's anti-bot challenge provider."
        )

        @OptionGroup var common: CommonOptions
        @Option(help: "Plan identifier.") var plan: String
        @OptionGroup var challenge: ChallengeOptions

        func run() async throws {
            try await reportingProblems {
                let slug = try PlanSlug.parse(plan)
                let services = try common.servicesForCommand()
                var patch = PlanPatch()
                patch.challenge = try challenge.patch(environment: services.config.environment)
                guard patch.challenge != nil else { throw ConfigError("give at least --challenge-provider or another --challenge-* option") }
                let change = patch
                let updated = try await services.withRunningDatabase { services in
                    try await services.plans.update(
                        slug, patch: change,
                        audit: NewAuditEvent(action: "plan.updated", actor: .system, details: .init(fields: change.fieldNames))
                    )
                }
                guard let updated else { throw Problem.planNotFound }
                print("plan \(updated.slug): challenge provider \(updated.challenge.provider.rawValue)")
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
                    print([plan.slug.value, plan.schema, plan.emailDomains.joined(separator: ","), plan.nameEn].joined(separator: "\t"))
                }
            }
        }
    }
}

/// `--challenge-*` flags of `plans create` and `plans set-challenge`.
struct ChallengeOptions: ParsableArguments {
    @Option(name: .customLong("challenge-provider"), help: "recaptcha, hcaptcha, turnstile, pow (default) or none (development only).")
    var provider: String?
    @Option(name: .customLong("challenge-site-key")) var siteKey: String?
    @Option(name: .customLong("challenge-secret-file"), help: "File holding the provider secret, or - for standard input (stored sealed, never shown again).")
    var secretFile: String?
    @Option(name: .customLong("challenge-verify-url"), help: "Siteverify URL override (proxy, test double).") var verifyURL: String?
    @Option(name: .customLong("challenge-min-score"), help: "reCAPTCHA v3 minimum score (0-1).") var minScore: Double?
    @Option(name: .customLong("challenge-action"), help: "Expected action (reCAPTCHA v3, Turnstile).") var action: String?
    @Option(name: .customLong("challenge-hostname"), help: "Hostname the provider must report.") var hostname: String?
    @Option(name: .customLong("challenge-pow-max-number"), help: "Proof-of-work difficulty (1000-10000000).") var powMaxNumber: Int?

    /// The patch the flags describe, or nil when none is given. The operator is a platform
    /// operator, but the verify URL still has to pass the outbound policy.
    func patch(environment: AppEnvironment) throws -> ChallengePatch? {
        var patch = ChallengePatch()
        if let provider {
            guard let parsed = ChallengeProvider(rawValue: provider) else {
                throw ConfigError("--challenge-provider must be one of \(ChallengeProvider.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            patch.provider = parsed
        }
        if let siteKey { patch.siteKey = .value(siteKey) }
        if let secretFile { patch.secret = .value(try readSecret(from: secretFile)) }
        if let verifyURL { patch.verifyUrl = .value(verifyURL) }
        if let minScore { patch.minScore = .value(minScore) }
        if let action { patch.action = .value(action) }
        if let hostname { patch.hostname = .value(hostname) }
        if let powMaxNumber { patch.powMaxNumber = .value(powMaxNumber) }
        let given = provider != nil || siteKey != nil || secretFile != nil || verifyURL != nil || minScore != nil
            || action != nil || hostname != nil || powMaxNumber != nil
        guard given else { return nil }
        try patch.checkVerifyURL(byPlatform: true, policy: OutboundPolicy(environment: environment))
        return patch
    }
}
