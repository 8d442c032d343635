import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// A plan with benefits and two logged-in members (A: the `MemberFixture` member, B: the roster's
/// second member), for the coverage and claims tests.
struct ClaimsFixture: Sendable {
    let member: MemberFixture
    let key: String
    let tokenA: String
    let tokenB: String

    var base: String { member.base }
    var adminBase: String { "/v1/admin/plans/\(member.slug)" }
    var slug: String { member.slug }

    static var benefits: [String: Any] { [
        "benefitYearStart": "01-01",
        "categories": [
            ["code": "dental", "nameFr": "Soins dentaires", "nameEn": "Dental care", "coveragePercent": 80,
             "annualMaximumCents": 50_000, "perClaimMaximumCents": NSNull()],
            ["code": "vision", "nameFr": "Soins de la vue", "nameEn": "Vision care", "coveragePercent": 100,
             "annualMaximumCents": NSNull(), "perClaimMaximumCents": 20_000],
        ],
    ] }

    static func make(_ client: any TestClientProtocol, _ services: AppServices, key: String, benefits: [String: Any] = benefits) async throws -> ClaimsFixture {
        let f = try await MemberFixture.make(client: client, key: key)
        try await f.activate(client, services)
        let tokenA = try #require(try await f.login(client).object()["accessToken"] as? String)
        let tokenB = try await activateSecondMember(f, client, services)
        try await client.execute(uri: "/v1/admin/plans/\(f.slug)/benefits", method: .put, headers: .admin(key), body: .json(benefits)) {
            #expect($0.status == .ok)
        }
        return ClaimsFixture(member: f, key: key, tokenA: tokenA, tokenB: tokenB)
    }

    /// Registers, activates and logs in the roster's second member (Luc Roy); returns the session token.
    static func activateSecondMember(_ f: MemberFixture, _ client: any TestClientProtocol, _ services: AppServices) async throws -> String {
        let json: HTTPFields = [.contentType: "application/json"]
        let email = "luc.\(f.slug.split(separator: "-").last ?? "x")@\(MemberFixture.domain)"
        let id = try await f.register(client, email: email)
        let identity: [String: Any] = [
            "lastName": "Roy", "firstName": "Luc", "dateOfBirth": "1990-01-01", "certificateNumber": "Z\(f.certificate)", "challengeToken": "test",
        ]
        try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: json, body: .json(identity)) {
            #expect($0.status == .accepted)
        }
        let token = try await f.queuedToken(services)
        var activation = f.activationBody(dateOfBirth: "1990-01-01")
        activation["certificateNumber"] = "Z\(f.certificate)"
        try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: json, body: .json(activation)) {
            #expect($0.status == .created)
        }
        let login: [String: Any] = ["email": email, "password": "Soleil#Nord42", "acceptTerms": true, "termsVersion": f.termsVersion]
        return try await client.execute(uri: "\(f.base)/sessions", method: .post, headers: json, body: .json(login)) { response in
            #expect(response.status == .created)
            return try #require(try response.object()["accessToken"] as? String)
        }
    }

    static func member(_ token: String, key idempotencyKey: String? = nil, json: Bool = true) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)"]
        if json { fields[.contentType] = "application/json" }
        if let idempotencyKey { fields[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return fields
    }

    static func claimBody(category: String = "dental", serviceDate: String = CalendarDate.today(), amount: Int = 10_000, provider: String = "Clinique du Plateau") -> [String: Any] {
        ["category": category, "serviceDate": serviceDate, "providerName": provider, "amountCents": amount, "currency": "CAD", "notes": "Détartrage"]
    }

    /// Submits a claim as `token` and returns its id.
    func submit(_ client: any TestClientProtocol, token: String? = nil, _ body: [String: Any] = claimBody()) async throws -> String {
        try await client.execute(
            uri: "\(base)/me/claims", method: .post, headers: Self.member(token ?? tokenA, key: UUID().uuidString), body: .json(body)
        ) { response in
            #expect(response.status == .created, "\(String(buffer: response.body))")
            return try #require(try response.object()["id"] as? String)
        }
    }

    /// Moves a claim with the status or decision endpoint; returns the response.
    func admin(_ client: any TestClientProtocol, _ claimID: String, _ action: String, _ body: [String: Any]) async throws -> TestResponse {
        try await client.execute(uri: "\(adminBase)/claims/\(claimID)/\(action)", method: .post, headers: .admin(key), body: .json(body))
    }

    func review(_ client: any TestClientProtocol, _ claimID: String) async throws {
        #expect(try await admin(client, claimID, "status", ["status": "in_review"]).status == .ok)
    }

    func coverage(_ client: any TestClientProtocol, token: String? = nil) async throws -> [String: Any] {
        try await client.execute(uri: "\(base)/me/coverage", method: .get, headers: Self.member(token ?? tokenA, json: false)) { response in
            #expect(response.status == .ok)
            return try response.object()
        }
    }
}

/// Calendar arithmetic on `YYYY-MM-DD` for tests.
func day(_ offset: Int, from date: String = CalendarDate.today()) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = .gmt
    let parts = date.split(separator: "-").compactMap { Int($0) }
    let base = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
    let shifted = calendar.date(byAdding: .day, value: offset, to: base)!
    let c = calendar.dateComponents([.year, .month, .day], from: shifted)
    return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
}
