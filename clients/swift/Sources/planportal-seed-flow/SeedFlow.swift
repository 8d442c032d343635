import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import PlanPortalClient

/// Walks the member seed flow against a live PlanPortal server through the client generated
/// from openapi.yaml, and nothing else: every request is a call on the generated `Client`.
/// The only other input is the activation e-mail, read from the directory where the test SMTP
/// server (deploy/local/smtp-capture.py) writes each message it receives.
@main
struct SeedFlowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "planportal-seed-flow",
        abstract: "Walk the PlanPortal member seed flow through the generated OpenAPI client.",
        discussion: """
            Creates a fresh plan (proof-of-work challenge), imports a roster, publishes terms, sets \
            benefits, registers a member (identity with a solved challenge, activation from the \
            e-mailed link), logs in accepting the terms, reads /me, submits a claim with an \
            Idempotency-Key (and replays it) and reads it back. Exits non-zero on any deviation.
            """
    )

    @Option(name: .customLong("base-url"), help: "Server base URL, e.g. http://127.0.0.1:8080")
    var baseURL: String

    @Option(name: .customLong("admin-key"), help: "A platform admin key (ppk_…).")
    var adminKey: String

    @Option(name: .customLong("smtp-capture-dir"), help: "Directory where the test SMTP server writes each message.")
    var smtpCaptureDir: String

    @Option(name: .customLong("mail-timeout"), help: "Seconds to wait for the activation e-mail.")
    var mailTimeout: Double = 60

    func run() async throws {
        guard let url = URL(string: baseURL), url.scheme != nil, url.host != nil else {
            throw ValidationError("--base-url is not an absolute URL: \(baseURL)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: smtpCaptureDir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--smtp-capture-dir is not a directory: \(smtpCaptureDir)")
        }
        let flow = SeedFlow(baseURL: url, adminKey: adminKey, mailDirectory: URL(fileURLWithPath: smtpCaptureDir), mailTimeout: mailTimeout)
        let started = ContinuousClock.now
        do {
            try await flow.run()
        } catch let failure as FlowFailure {
            printError("FAIL: \(failure.description)")
            printError("seed flow: FAILED after \(flow.steps.count) step(s) passed")
            throw ExitCode(1)
        } catch {
            printError("FAIL: unexpected error: \(String(reflecting: error))")
            printError("seed flow: FAILED after \(flow.steps.count) step(s) passed")
            throw ExitCode(1)
        }
        let elapsed = ContinuousClock.now - started
        say("seed flow: \(flow.steps.count) passed, 0 failed (plan \(flow.slug), \(format(elapsed)))")
    }
}

struct FlowFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One line on standard output, unbuffered, so step lines and failures stay in order when piped.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

func format(_ duration: Duration) -> String {
    let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return ms >= 1000 ? String(format: "%.2f s", ms / 1000) : String(format: "%.0f ms", ms)
}

/// Fails the current step unless `condition` holds.
func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw FlowFailure(message()) }
}

/// Fails unless `actual == expected`, naming the field.
func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String) throws {
    if actual != expected { throw FlowFailure("\(what): expected \(expected), got \(actual)") }
}

/// A short rendering of an unexpected response case: its name, and the problem's status, code,
/// title and detail when the body is a problem (or the status code when undocumented).
func unexpected(_ operation: String, _ expected: String, _ output: Any) -> FlowFailure {
    let mirror = Mirror(reflecting: output)
    let caseName = mirror.children.first?.label ?? String(describing: output)
    var text = caseName
    if let problem = findProblem(output) {
        text += " — \(problem.status) \(problem.code): \(problem.title) \(problem.detail)"
        if let errors = problem.errors, !errors.isEmpty {
            text += " [" + errors.map { String(describing: $0) }.joined(separator: "; ") + "]"
        }
    } else if caseName == "undocumented", let payload = mirror.children.first?.value,
              let status = Mirror(reflecting: payload).children.first(where: { $0.label == "statusCode" })?.value {
        text += " status \(status)"
    } else {
        var full = String(describing: output)
        if full.count > 1500 { full = String(full.prefix(1500)) + "…" }
        text += " — \(full)"
    }
    return FlowFailure("\(operation) answered \(text), expected \(expected)")
}

/// The first problem body held anywhere in a response value.
func findProblem(_ value: Any, depth: Int = 0) -> Components.Schemas.Problem? {
    if let problem = value as? Components.Schemas.Problem { return problem }
    guard depth < 8 else { return nil }
    for child in Mirror(reflecting: value).children {
        if let problem = findProblem(child.value, depth: depth + 1) { return problem }
    }
    return nil
}

final class SeedFlow: @unchecked Sendable {
    let baseURL: URL
    let adminKey: String
    let mailDirectory: URL
    let mailTimeout: Double

    /// Names of the steps that passed.
    private(set) var steps: [String] = []

    // Fresh names for this run, so the flow can run again and again on one database.
    let suffix = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(10))
    var slug: String { "seed-\(suffix)" }
    var domain: String { "\(slug).example.ca" }
    var email: String { "jeanne.tremblay@\(domain)" }
    var certificateNumber: String { "SF\(suffix.uppercased())" }
    var termsVersion: String { "seed-\(suffix)" }
    let firstName = "Jeanne"
    let lastName = "Tremblay"
    let dateOfBirth = "1998-04-01"
    let password = "Quartz#Maple7291"

    let publicClient: Client
    let adminClient: Client
    let transport: AsyncHTTPClientTransport

    init(baseURL: URL, adminKey: String, mailDirectory: URL, mailTimeout: Double) {
        self.baseURL = baseURL
        self.adminKey = adminKey
        self.mailDirectory = mailDirectory
        self.mailTimeout = mailTimeout
        transport = AsyncHTTPClientTransport(configuration: .init(client: HTTPClient.shared))
        publicClient = Client(serverURL: baseURL, transport: transport)
        adminClient = Client(serverURL: baseURL, transport: transport, middlewares: [BearerTokenMiddleware(token: adminKey)])
    }

    /// Runs one step, printing one line: its number, name, outcome detail and duration.
    func step<T>(_ name: String, _ body: () async throws -> (T, String)) async throws -> T {
        let number = steps.count + 1
        let started = ContinuousClock.now
        do {
            let (value, detail) = try await body()
            steps.append(name)
            say("[\(String(format: "%2d", number))] \(name): ok — \(detail) (\(format(ContinuousClock.now - started)))")
            return value
        } catch let failure as FlowFailure {
            say("[\(String(format: "%2d", number))] \(name): FAILED")
            throw FlowFailure("step \(number) \(name): \(failure.description)")
        } catch {
            say("[\(String(format: "%2d", number))] \(name): FAILED")
            throw FlowFailure("step \(number) \(name): request failed: \(String(reflecting: error))")
        }
    }

    func run() async throws {
        say("seed flow against \(baseURL.absoluteString), plan \(slug)")

        // 1. Admin: a fresh plan whose challenge is PlanPortal's own proof of work.
        try await step("createPlan") {
            let output = try await adminClient.createPlan(body: .json(.init(
                slug: slug,
                nameFr: "Régime de démonstration \(suffix)",
                nameEn: "Seed flow plan \(suffix)",
                emailDomains: [domain],
                portalUrl: "https://portal.example.ca/\(slug)",
                defaultLocale: .en,
                challenge: .init(provider: .pow, powMaxNumber: 1000)
            )))
            guard case .created(let created) = output else { throw unexpected("createPlan", "201", output) }
            let plan = try created.body.json
            try expectEqual(plan.slug, slug, "slug")
            try expectEqual(plan.emailDomains, [domain], "emailDomains")
            try expectEqual(plan.defaultLocale, .en, "defaultLocale")
            try expectEqual(plan.challenge.provider, .pow, "challenge.provider")
            try expectEqual(plan.challenge.powMaxNumber, 1000, "challenge.powMaxNumber")
            try expectEqual(created.headers.location, "/v1/admin/plans/\(slug)", "Location header")
            return ((), "201, schema \(plan.schema), challenge pow/1000")
        }

        // 2. Admin: a merge patch of one rate limit (RateLimitsPatch), the rest left alone.
        try await step("updatePlan") {
            let output = try await adminClient.updatePlan(path: .init(plan: slug), body: .applicationMergePatchJson(.init(
                rateLimits: .init(identityCertificate: .init(limit: 20, windowSeconds: 3600))
            )))
            guard case .ok(let ok) = output else { throw unexpected("updatePlan", "200", output) }
            let plan = try ok.body.json
            try expectEqual(plan.rateLimits.identityCertificate.limit, 20, "rateLimits.identityCertificate.limit")
            try expectEqual(plan.rateLimits.identityCertificate.windowSeconds, 3600, "rateLimits.identityCertificate.windowSeconds")
            try expectEqual(plan.challenge.provider, .pow, "challenge.provider after the patch")
            return ((), "200, identityCertificate 20 per 3600 s")
        }

        // 3. Admin: the roster (text/csv), two members.
        try await step("importRoster") {
            let csv = """
                certificate_number,last_name,first_name,date_of_birth,email
                \(certificateNumber),\(lastName),\(firstName),\(dateOfBirth),\(email)
                SF-\(suffix.uppercased())-2,Côté-Lévesque,Émile,1997-11-30,

                """
            let output = try await adminClient.importRoster(path: .init(plan: slug), body: .csv(HTTPBody(csv)))
            guard case .ok(let ok) = output else { throw unexpected("importRoster", "200", output) }
            let result = try ok.body.json
            try expectEqual(result.inserted, 2, "inserted")
            try expectEqual(result.updated, 0, "updated")
            try expectEqual(result.unchanged, 0, "unchanged")
            return ((), "200, inserted 2")
        }

        // 4. Admin: terms of use, which the member must accept at login.
        try await step("publishTerms") {
            let output = try await adminClient.publishTerms(path: .init(plan: slug), body: .json(.init(
                version: termsVersion,
                textFr: "Conditions d'utilisation \(termsVersion).",
                textEn: "Terms of use \(termsVersion)."
            )))
            guard case .created(let created) = output else { throw unexpected("publishTerms", "201", output) }
            try expectEqual(try created.body.json.version, termsVersion, "version")
            return ((), "201, version \(termsVersion)")
        }

        // 5. Admin: benefits, so that claims can be submitted.
        try await step("putBenefits") {
            let output = try await adminClient.putBenefits(path: .init(plan: slug), body: .json(.init(
                benefitYearStart: "01-01",
                categories: [
                    .init(code: "dental", nameFr: "Soins dentaires", nameEn: "Dental care", coveragePercent: 80, annualMaximumCents: 75000),
                    .init(code: "vision", nameFr: "Soins de la vue", nameEn: "Vision care", coveragePercent: 100,
                          annualMaximumCents: 20000, perClaimMaximumCents: 20000),
                ]
            )))
            guard case .ok(let ok) = output else { throw unexpected("putBenefits", "200", output) }
            let benefits = try ok.body.json
            try expectEqual(benefits.benefitYearStart, "01-01", "benefitYearStart")
            try expectEqual(benefits.categories.map(\.code), ["dental", "vision"], "category codes")
            try expectEqual(benefits.categories.first?.annualMaximumCents, 75000, "dental annualMaximumCents")
            return ((), "200, categories dental, vision")
        }

        // 6. Public: the current terms, in English.
        try await step("getTerms") {
            let output = try await publicClient.getTerms(path: .init(plan: slug), headers: .init(acceptLanguage: "en"))
            guard case .ok(let ok) = output else { throw unexpected("getTerms", "200", output) }
            let terms = try ok.body.json
            try expectEqual(terms.version, termsVersion, "version")
            try expectEqual(terms.text, "Terms of use \(termsVersion).", "text (English)")
            return ((), "200, version \(terms.version)")
        }

        // 7. Member: start the registration with the institutional e-mail.
        let registrationID: String = try await step("startRegistration") {
            let output = try await publicClient.startRegistration(path: .init(plan: slug), body: .json(.init(
                email: email,
                emailConfirmation: email.uppercased(),
                locale: .en
            )))
            guard case .created(let created) = output else { throw unexpected("startRegistration", "201", output) }
            let started = try created.body.json
            try expectEqual(started.next, .identity, "next")
            try expect(UUID(uuidString: started.registrationId) != nil, "registrationId is not a UUID: \(started.registrationId)")
            try expect(started.expiresAt > Date(), "expiresAt \(started.expiresAt) is not in the future")
            return (started.registrationId, "201, registration \(started.registrationId)")
        }

        // 8. Member: fetch and solve the proof-of-work challenge.
        let challengeToken: String = try await step("getChallenge+solve") {
            let output = try await publicClient.getChallenge(path: .init(plan: slug))
            guard case .ok(let ok) = output else { throw unexpected("getChallenge", "200", output) }
            let info = try ok.body.json
            try expectEqual(info.provider, .pow, "provider")
            guard let pow = info.pow else { throw FlowFailure("provider pow but no `pow` challenge in the answer") }
            try expectEqual(pow.maxnumber, 1000, "pow.maxnumber")
            let token = try ProofOfWork.solve(pow)
            return (token.token, "200, solved number \(token.number) of 0…\(pow.maxnumber)")
        }

        // 9. Member: the identity, matched against the roster.
        try await step("submitIdentity") {
            let output = try await publicClient.submitIdentity(
                path: .init(plan: slug, registrationId: registrationID),
                body: .json(.init(
                    lastName: lastName.uppercased(),
                    firstName: firstName,
                    dateOfBirth: dateOfBirth,
                    certificateNumber: certificateNumber.lowercased(),
                    challengeToken: challengeToken
                ))
            )
            guard case .accepted(let accepted) = output else { throw unexpected("submitIdentity", "202", output) }
            try expectEqual(try accepted.body.json.status, .emailSent, "status")
            return ((), "202 email_sent")
        }

        // 10. The activation e-mail, as the SMTP server received it.
        let activationToken: String = try await step("activation e-mail") {
            let (file, token) = try await ActivationMail.waitForToken(
                in: mailDirectory, recipient: email, timeout: mailTimeout
            )
            return (token, "token from \(file.lastPathComponent)")
        }

        // 11. Member: the link is usable (and not consumed by looking at it).
        try await step("getActivation") {
            let output = try await publicClient.getActivation(path: .init(plan: slug, token: activationToken))
            guard case .ok(let ok) = output else { throw unexpected("getActivation", "200", output) }
            let status = try ok.body.json
            try expectEqual(status.status, .valid, "status")
            try expectEqual(status.emailHint, "j•••@\(domain)", "emailHint")
            return ((), "200 valid, hint \(status.emailHint)")
        }

        // 12. Member: activate with password and security question.
        try await step("activateAccount") {
            let output = try await publicClient.activateAccount(
                path: .init(plan: slug, token: activationToken),
                body: .json(.init(
                    dateOfBirth: dateOfBirth,
                    certificateNumber: certificateNumber,
                    password: password,
                    passwordConfirmation: password,
                    securityQuestionId: "first-pet",
                    securityAnswer: "Minou Blanc"
                ))
            )
            guard case .created(let created) = output else { throw unexpected("activateAccount", "201", output) }
            try expectEqual(try created.body.json.status, .active, "status")
            return ((), "201 active")
        }

        // 13. Member: login without accepting the terms is refused, naming the version.
        try await step("createSession without terms") {
            let output = try await publicClient.createSession(path: .init(plan: slug), body: .json(.init(email: email, password: password)))
            guard case .forbidden(let forbidden) = output else { throw unexpected("createSession", "403", output) }
            let problem = try forbidden.body.applicationProblemJson
            try expectEqual(problem.code, "terms_acceptance_required", "problem code")
            try expectEqual(problem.termsVersion, termsVersion, "problem termsVersion")
            return ((), "403 terms_acceptance_required, version \(termsVersion)")
        }

        // 14. Member: login accepting the terms.
        let accessToken: String = try await step("createSession") {
            let output = try await publicClient.createSession(path: .init(plan: slug), body: .json(.init(
                email: email.uppercased(),
                password: password,
                acceptTerms: true,
                termsVersion: termsVersion
            )))
            guard case .created(let created) = output else { throw unexpected("createSession", "201", output) }
            let session = try created.body.json
            try expectEqual(session.tokenType, .bearer, "tokenType")
            try expectEqual(session.termsVersion, termsVersion, "termsVersion")
            try expectEqual(session.accessToken.count, 43, "accessToken length")
            try expect(session.expiresAt > Date(), "expiresAt \(session.expiresAt) is not in the future")
            return (session.accessToken, "201, session until \(session.expiresAt)")
        }
        let memberClient = Client(serverURL: baseURL, transport: transport, middlewares: [BearerTokenMiddleware(token: accessToken)])

        // 15. Member: the profile.
        try await step("getMe") {
            let output = try await memberClient.getMe(path: .init(plan: slug))
            guard case .ok(let ok) = output else { throw unexpected("getMe", "200", output) }
            let me = try ok.body.json
            try expectEqual(me.email, email, "email")
            try expectEqual(me.firstName, firstName, "firstName")
            try expectEqual(me.lastName, lastName, "lastName")
            try expectEqual(me.certificateNumber, certificateNumber, "certificateNumber")
            try expectEqual(me.locale, .en, "locale")
            try expectEqual(me.termsVersion, termsVersion, "termsVersion")
            return ((), "200, \(me.firstName) \(me.lastName), certificate \(me.certificateNumber)")
        }

        // 16. Member: a claim, with an Idempotency-Key.
        let idempotencyKey = UUID().uuidString.lowercased()
        let serviceDate = Self.yesterday()
        let submission = Components.Schemas.ClaimSubmission(
            category: "dental",
            serviceDate: serviceDate,
            providerName: "Clinique dentaire du Plateau",
            amountCents: 18500,
            currency: .cad,
            notes: "Examen et détartrage"
        )
        let claim: Components.Schemas.ClaimDetail = try await step("submitClaim") {
            let output = try await memberClient.submitClaim(
                path: .init(plan: slug), headers: .init(idempotencyKey: idempotencyKey), body: .json(submission)
            )
            guard case .created(let created) = output else { throw unexpected("submitClaim", "201", output) }
            let claim = try created.body.json
            try Self.check(claim, matches: submission)
            try expectEqual(claim.value1.status, .submitted, "status")
            try expectEqual(claim.value2.statusHistory.map(\.status), [.submitted], "statusHistory")
            try expect(claim.value2.attachments.isEmpty, "attachments: expected none, got \(claim.value2.attachments.count)")
            return (claim, "201, claim \(claim.value1.id) submitted")
        }

        // 17. Member: the same request again with the same key is a replay, not a second claim.
        try await step("submitClaim replay") {
            let output = try await memberClient.submitClaim(
                path: .init(plan: slug), headers: .init(idempotencyKey: idempotencyKey), body: .json(submission)
            )
            guard case .created(let created) = output else { throw unexpected("submitClaim (replay)", "201", output) }
            try expectEqual(try created.body.json.value1.id, claim.value1.id, "replayed claim id")
            return ((), "201, same claim \(claim.value1.id)")
        }

        // 18. Member: the claim read back.
        try await step("getMyClaim") {
            let output = try await memberClient.getMyClaim(path: .init(plan: slug, claimId: claim.value1.id))
            guard case .ok(let ok) = output else { throw unexpected("getMyClaim", "200", output) }
            let read = try ok.body.json
            try expectEqual(read.value1.id, claim.value1.id, "id")
            try Self.check(read, matches: submission)
            try expectEqual(read.value1.status, .submitted, "status")
            try expectEqual(read.value1.approvedAmountCents, nil, "approvedAmountCents")
            try expectEqual(read.value1.submittedAt, claim.value1.submittedAt, "submittedAt")
            try expectEqual(read.value2.statusHistory.count, 1, "statusHistory count")
            return ((), "200, \(read.value1.category) \(read.value1.amountCents) ¢ \(read.value1.status.rawValue)")
        }

        // 19. Member: exactly one claim in the list, despite the replay.
        try await step("listMyClaims") {
            let output = try await memberClient.listMyClaims(path: .init(plan: slug))
            guard case .ok(let ok) = output else { throw unexpected("listMyClaims", "200", output) }
            let page = try ok.body.json
            try expectEqual(page.items.map(\.id), [claim.value1.id], "claim ids")
            try expectEqual(page.nextCursor, nil, "nextCursor")
            return ((), "200, 1 claim")
        }
    }

    static func check(_ claim: Components.Schemas.ClaimDetail, matches submission: Components.Schemas.ClaimSubmission) throws {
        try expectEqual(claim.value1.category, submission.category, "category")
        try expectEqual(claim.value1.serviceDate, submission.serviceDate, "serviceDate")
        try expectEqual(claim.value1.providerName, submission.providerName, "providerName")
        try expectEqual(claim.value1.amountCents, submission.amountCents, "amountCents")
        try expectEqual(claim.value1.currency.rawValue, submission.currency.rawValue, "currency")
        try expectEqual(claim.value2.notes, submission.notes, "notes")
    }

    /// Yesterday in UTC: never in the future in the plan's time zone (Eastern), whatever the hour.
    static func yesterday() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.date(byAdding: .day, value: -1, to: Date())!
        let parts = calendar.dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
