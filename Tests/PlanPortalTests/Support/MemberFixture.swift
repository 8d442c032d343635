import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// A plan with one roster member, published terms and a unique institutional address.
struct MemberFixture: Sendable {
    let slug: String
    let email: String
    let certificate: String
    let lastName = "Côté-Tremblay"
    let firstName = "Jeanne"
    let dateOfBirth = "1998-04-01"
    let termsVersion = "2026-09"
    /// The member's own client address (`X-Forwarded-For`), apart from every other test's.
    let address = TestAddress.unique()
    static let domain = "umontreal.ca"

    var plan: PlanSlug { PlanSlug(slug)! }
    static let lowArgon2Cost = ["memoryKiB": 7168, "iterations": 1]
    var base: String { "/v1/plans/\(slug)" }

    /// `challenge` is the plan's provider; `none` lets the journey tests skip solving one.
    static func make(client: any TestClientProtocol, key: String, terms: Bool = true, challenge: String = "none") async throws -> MemberFixture {
        let slug = TestEnvironment.uniqueSlug("mem")
        let suffix = slug.split(separator: "-").last.map(String.init) ?? "x"
        let fixture = MemberFixture(slug: slug, email: "jeanne.\(suffix)@\(domain)", certificate: "C\(suffix.uppercased().prefix(9))")
        var body = planBody(slug: slug, domain: domain, name: "UdeM")
        body["support"] = ["phone": "1-888-509-7797", "email": "infocentre@example.ca", "hoursFr": "8 h à 17 h", "hoursEn": "8 a.m. to 5 p.m."]
        body["challenge"] = ["provider": challenge]
        try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(body)) {
            #expect($0.status == .created)
        }
        // The lowest cost a plan accepts: these journeys are not about hashing (PasswordHasherTests
        // and PlanSettingsTests are), and each activation and login hashes.
        try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .patch, headers: .admin(key), body: .json(["argon2": Self.lowArgon2Cost])) {
            #expect($0.status == .ok)
        }
        let csv = """
            certificate_number,last_name,first_name,date_of_birth,email
            \(fixture.certificate),\(fixture.lastName),\(fixture.firstName),\(fixture.dateOfBirth),
            Z\(fixture.certificate),Roy,Luc,1990-01-01,
            """
        try await client.execute(
            uri: "/v1/admin/plans/\(slug)/roster", method: .put,
            headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"], body: ByteBuffer(string: csv)
        ) { #expect($0.status == .ok) }
        if terms {
            let termsBody: [String: Any] = ["version": fixture.termsVersion, "textFr": "Conditions d'utilisation…", "textEn": "Terms of use…"]
            try await client.execute(uri: "/v1/admin/plans/\(slug)/terms", method: .put, headers: .admin(key), body: .json(termsBody)) {
                #expect($0.status == .created)
            }
        }
        return fixture
    }

    /// Starts a registration and returns its id.
    func register(_ client: any TestClientProtocol, email: String? = nil) async throws -> String {
        let address = email ?? self.email
        return try await client.execute(
            uri: "\(base)/registrations", method: .post, headers: [.contentType: "application/json"],
            body: .json(["email": " \(address.uppercased()) ", "emailConfirmation": address, "locale": "fr"])
        ) { response in
            #expect(response.status == .created)
            let body = try response.object()
            #expect(body["next"] as? String == "identity")
            return try #require(body["registrationId"] as? String)
        }
    }

    func identityBody(lastName: String? = nil, dateOfBirth: String? = nil) -> [String: Any] {
        [
            "lastName": lastName ?? "COTE TREMBLAY", "firstName": "jeanne", "dateOfBirth": dateOfBirth ?? self.dateOfBirth,
            "certificateNumber": certificate.lowercased().replacingOccurrences(of: "c", with: "c-"), "challengeToken": "test",
        ]
    }

    /// The token of the newest activation message queued for this plan, read from the outbox.
    func queuedToken(_ services: AppServices, kind: String = "activation") async throws -> String {
        let rows = try await services.postgres.query(
            "SELECT body_text FROM control.outbox WHERE plan_slug = \(slug) AND kind = \(kind) ORDER BY id DESC LIMIT 1"
        )
        for try await text in rows.decode(String?.self) {
            let body = try #require(text)
            let range = try #require(body.range(of: #"token=[A-Za-z0-9_-]{43}"#, options: .regularExpression))
            return String(body[range].dropFirst(6))
        }
        throw ConfigError("no \(kind) message queued")
    }

    /// A new registration's identity step with `challengeToken`.
    func submitIdentity(_ client: any TestClientProtocol, challengeToken: String) async throws -> TestResponse {
        let id = try await register(client)
        var body = identityBody()
        body["challengeToken"] = challengeToken
        return try await client.execute(uri: "\(base)/registrations/\(id)/identity", method: .post, headers: [.contentType: "application/json"], body: .json(body))
    }

    func activationBody(password: String = "Soleil#Nord42", dateOfBirth: String? = nil) -> [String: Any] {
        [
            "dateOfBirth": dateOfBirth ?? self.dateOfBirth, "certificateNumber": certificate, "password": password,
            "passwordConfirmation": password, "securityQuestionId": "first-pet", "securityAnswer": "Minou Blanc",
        ]
    }

    /// Registration, identity and activation straight through; returns nothing, the account is active.
    func activate(_ client: any TestClientProtocol, _ services: AppServices, password: String = "Soleil#Nord42") async throws {
        let id = try await register(client)
        try await client.execute(uri: "\(base)/registrations/\(id)/identity", method: .post, headers: [.contentType: "application/json"], body: .json(identityBody())) {
            #expect($0.status == .accepted)
        }
        let token = try await queuedToken(services)
        try await client.execute(uri: "\(base)/activations/\(token)", method: .post, headers: [.contentType: "application/json"], body: .json(activationBody(password: password))) {
            #expect($0.status == .created)
        }
    }

    /// Logs in from the member's own address; `deviceToken` and `challengeToken` when given.
    func login(
        _ client: any TestClientProtocol, password: String = "Soleil#Nord42", acceptTerms: Bool = true, deviceToken: String? = nil,
        challengeToken: String? = nil, from address: String? = nil
    ) async throws -> TestResponse {
        var body: [String: Any] = ["email": email, "password": password, "acceptTerms": acceptTerms]
        if acceptTerms { body["termsVersion"] = termsVersion }
        if let deviceToken { body["deviceToken"] = deviceToken }
        if let challengeToken { body["challengeToken"] = challengeToken }
        var headers = HTTPFields.json(from: address ?? self.address)
        headers[.userAgent] = "PlanPortalTests/1.0"
        return try await client.execute(uri: "\(base)/sessions", method: .post, headers: headers, body: .json(body))
    }

    func count(_ services: AppServices, _ sql: String) async throws -> Int {
        let rows = try await services.postgres.query(PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "$S", with: plan.quotedSchema)))
        for try await n in rows.decode(Int.self) { return n }
        return -1
    }
}
