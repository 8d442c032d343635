import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import PlanPortal

/// The verified-session cache alone: what it answers, and when it answers nothing.
@Suite struct SessionCacheUnitTests {
    let plan = PlanSlug("cache-unit")!
    let digest = SecretToken.digest("token")
    let account = UUID()

    @Test func nothingIsAnsweredNorKeptWhileTheListenerIsNotListening() {
        let cache = SessionCache()
        #expect(cache.ticket() == nil, "no verification is kept before the listener listens")
        cache.listenerConnected()
        let ticket = try! #require(cache.ticket())
        cache.store(ticket, plan: plan, digest: digest, accountID: account, lastSeenAge: .zero, remaining: .seconds(3600))
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800)) == account)
        cache.listenerLost()
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800)) == nil)
        cache.listenerConnected()
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800)) == nil, "the cache starts empty after a reconnection")
    }

    @Test func aVerificationThatStartedBeforeAnEvictionOrReconnectionIsNotKept() {
        let cache = SessionCache()
        cache.listenerConnected()
        let early = try! #require(cache.ticket())
        cache.evict(plan: plan, accountID: UUID())
        cache.store(early, plan: plan, digest: digest, accountID: account, lastSeenAge: .zero, remaining: .seconds(3600))
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800)) == nil)
        let beforeReconnect = try! #require(cache.ticket())
        cache.listenerLost()
        cache.listenerConnected()
        cache.store(beforeReconnect, plan: plan, digest: digest, accountID: account, lastSeenAge: .zero, remaining: .seconds(3600))
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800)) == nil)
    }

    @Test func anEntryAnswersOnlyBeforeTheDatabaseWouldRecordTheUseAndBeforeExpiry() {
        let cache = SessionCache()
        cache.listenerConnected()
        let ticket = try! #require(cache.ticket())
        // Last recorded use 4 s before the statement, absolute expiry 30 s after it.
        cache.store(ticket, plan: plan, digest: digest, accountID: account, lastSeenAge: .seconds(4), remaining: .seconds(30))
        let sent = ticket.sentAt
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800), now: sent + .seconds(5)) == account)
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800), now: sent + .seconds(6)) == nil,
                "10 s after the recorded use the database must be asked (it slides the idle timeout)")

        let again = try! #require(cache.ticket())
        cache.store(again, plan: plan, digest: digest, accountID: account, lastSeenAge: .zero, remaining: .seconds(2))
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800), now: again.sentAt + .seconds(1)) == account)
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800), now: again.sentAt + .seconds(2)) == nil, "expired")
    }

    @Test func aNotificationEvictsEverySessionOfItsAccountOnItsPlanOnly() {
        let cache = SessionCache()
        cache.listenerConnected()
        let other = PlanSlug("cache-other")!
        let second = SecretToken.digest("second")
        for (slug, token) in [(plan, digest), (plan, second), (other, digest)] {
            let ticket = try! #require(cache.ticket())
            cache.store(ticket, plan: slug, digest: token, accountID: account, lastSeenAge: .zero, remaining: .seconds(3600))
        }
        cache.evict(payload: SessionCache.payload(plan: plan, accountID: account))
        #expect(cache.account(plan: plan, digest: digest, idle: .seconds(1800)) == nil)
        #expect(cache.account(plan: plan, digest: second, idle: .seconds(1800)) == nil)
        #expect(cache.account(plan: other, digest: digest, idle: .seconds(1800)) == account)
        cache.evict(payload: "not a payload")
        #expect(cache.account(plan: other, digest: digest, idle: .seconds(1800)) == account)
    }
}

/// Two `planportal serve` processes on one database: a session replica B verified (and keeps in
/// its cache) stops working on B within 1 s of its revocation on replica A, for every path that
/// revokes sessions. Without the notification B would go on answering from its cache for up to
/// 10 s, so each test fails if a path does not announce its revocation.
@Suite(.serialized) struct SessionRevocationTests {
    static let password = "Soleil#Nord42"

    /// A plan with one active member on two fresh replicas.
    struct Replicas {
        let a: ServerProcess
        let b: ServerProcess
        let key: String
        let slug: String
        let email: String
        let certificate: String
        let address = TestAddress.unique()

        var planA: String { "\(a.base)/v1/plans/\(slug)" }
        var planB: String { "\(b.base)/v1/plans/\(slug)" }

        func stop() {
            a.stop()
            b.stop()
        }

        func login(password: String = SessionRevocationTests.password) async throws -> String {
            let answer = try await ServerProcess.send("POST", "\(planA)/sessions", json: ["email": email, "password": password, "acceptTerms": false], from: address)
            #expect(answer.status == .created)
            return try #require(answer.body["accessToken"] as? String)
        }

        /// GET /me on B: B verifies the session (or answers it from its cache).
        func meOnB(_ token: String) async throws -> UInt {
            try await ServerProcess.send("GET", "\(planB)/me", bearer: token, from: address).status.code
        }

        /// B answers 401 for `token` within 1 s.
        func expectRevokedOnB(_ token: String, _ what: Comment) async throws {
            let deadline = ContinuousClock.now + .seconds(1)
            var status: UInt = 0
            repeat {
                status = try await meOnB(token)
                if status == 401 { break }
                try await Task.sleep(for: .milliseconds(20))
            } while ContinuousClock.now < deadline
            #expect(status == 401, what)
        }
    }

    static func replicas() async throws -> Replicas {
        let (_, key) = try await TestEnvironment.withServices { services in
            try await services.adminKeys.create(name: "session-cache", role: .platform, plans: [])
        }
        let a = try await ServerProcess.start()
        let b = try await ServerProcess.start()
        #expect(await a.ready())
        #expect(await b.ready())
        let slug = TestEnvironment.uniqueSlug("rev")
        let suffix = slug.split(separator: "-").last.map(String.init) ?? "x"
        let email = "jeanne.\(suffix)@umontreal.ca"
        let certificate = "R\(suffix.uppercased().prefix(9))"
        var plan = planBody(slug: slug, domain: "umontreal.ca")
        plan["challenge"] = ["provider": "none"]
        #expect(try await ServerProcess.send("POST", "\(a.base)/v1/admin/plans", json: plan, bearer: key).status == .created)
        #expect(try await ServerProcess.send("PATCH", "\(a.base)/v1/admin/plans/\(slug)", json: ["argon2": MemberFixture.lowArgon2Cost], bearer: key).status == .ok)
        var roster = HTTPClientRequest(url: "\(a.base)/v1/admin/plans/\(slug)/roster")
        roster.method = .PUT
        roster.headers.add(name: "Authorization", value: "Bearer \(key)")
        roster.headers.add(name: "Content-Type", value: "text/csv")
        roster.body = .bytes(ByteBuffer(string: "certificate_number,last_name,first_name,date_of_birth\n\(certificate),Tremblay,Jeanne,1998-04-01\n"))
        #expect(try await HTTPClient.shared.execute(roster, timeout: .seconds(30)).status == .ok)

        let replicas = Replicas(a: a, b: b, key: key, slug: slug, email: email, certificate: certificate)
        let started = try await ServerProcess.send("POST", "\(replicas.planA)/registrations", json: ["email": email, "emailConfirmation": email], from: replicas.address)
        let registration = try #require(started.body["registrationId"] as? String)
        let identity: [String: Any] = [
            "lastName": "Tremblay", "firstName": "Jeanne", "dateOfBirth": "1998-04-01", "certificateNumber": certificate, "challengeToken": "x",
        ]
        #expect(try await ServerProcess.send("POST", "\(replicas.planA)/registrations/\(registration)/identity", json: identity, from: replicas.address).status == .accepted)
        let token = try await queuedToken(slug: slug, kind: "activation")
        let activation: [String: Any] = [
            "dateOfBirth": "1998-04-01", "certificateNumber": certificate, "password": password, "passwordConfirmation": password,
            "securityQuestionId": "first-pet", "securityAnswer": "Minou Blanc",
        ]
        #expect(try await ServerProcess.send("POST", "\(replicas.planA)/activations/\(token)", json: activation, from: replicas.address).status == .created)
        return replicas
    }

    /// The newest queued message's link token (`MemberFixture.queuedToken`).
    static func queuedToken(slug: String, kind: String) async throws -> String {
        try await TestEnvironment.withServices { services in
            try await MemberFixture(slug: slug, email: "", certificate: "").queuedToken(services, kind: kind)
        }
    }

    /// A session B has just verified, so B's cache holds it for the next 10 s.
    static func cachedOnB(_ r: Replicas) async throws -> String {
        let token = try await r.login()
        #expect(try await r.meOnB(token) == 200)
        #expect(try await r.meOnB(token) == 200)
        return token
    }

    @Test(.tags(.deleteCurrentSession, .getMe)) func aLogoutOnOneReplicaReachesTheOther() async throws {
        let r = try await Self.replicas()
        defer { r.stop() }
        let token = try await Self.cachedOnB(r)
        #expect(try await ServerProcess.send("DELETE", "\(r.planA)/sessions/current", bearer: token, from: r.address).status == .noContent)
        try await r.expectRevokedOnB(token, "logged out on A")
        // And on the replica that logged out, at once.
        #expect(try await ServerProcess.send("GET", "\(r.planA)/me", bearer: token, from: r.address).status == .unauthorized)
    }

    @Test(.tags(.lockMember, .getMe)) func aLockOnOneReplicaReachesTheOther() async throws {
        let r = try await Self.replicas()
        defer { r.stop() }
        let token = try await Self.cachedOnB(r)
        let member = "\(r.a.base)/v1/admin/plans/\(r.slug)/members/\(r.certificate)"
        #expect(try await ServerProcess.send("POST", "\(member)/lock", bearer: r.key).status == .ok)
        try await r.expectRevokedOnB(token, "locked on A")
    }

    @Test(.tags(.revokeMemberSessions, .getMe)) func supportRevokingSessionsOnOneReplicaReachesTheOther() async throws {
        let r = try await Self.replicas()
        defer { r.stop() }
        let token = try await Self.cachedOnB(r)
        let member = "\(r.a.base)/v1/admin/plans/\(r.slug)/members/\(r.certificate)"
        #expect(try await ServerProcess.send("DELETE", "\(member)/sessions", bearer: r.key).status == .ok)
        try await r.expectRevokedOnB(token, "every session revoked by support on A (log out everywhere)")
    }

    @Test(.tags(.changePassword, .getMe)) func aPasswordChangeOnOneReplicaReachesTheOther() async throws {
        let r = try await Self.replicas()
        defer { r.stop() }
        let changing = try await r.login()
        let token = try await Self.cachedOnB(r)
        let body: [String: Any] = ["currentPassword": Self.password, "newPassword": "Brume#Fleuve27", "newPasswordConfirmation": "Brume#Fleuve27"]
        #expect(try await ServerProcess.send("POST", "\(r.planA)/me/password", json: body, bearer: changing, from: r.address).status == .noContent)
        try await r.expectRevokedOnB(token, "the password changed with another session on A")
        #expect(try await r.meOnB(changing) == 200, "the session that changed the password goes on, on B too")
    }

    @Test(.tags(.completePasswordReset, .getMe)) func aPasswordResetOnOneReplicaReachesTheOther() async throws {
        let r = try await Self.replicas()
        defer { r.stop() }
        #expect(try await ServerProcess.send("POST", "\(r.planA)/password-resets", json: ["email": r.email], from: r.address).status == .accepted)
        let reset = try await Self.queuedToken(slug: r.slug, kind: "password_reset")
        let token = try await Self.cachedOnB(r)
        let body: [String: Any] = ["securityAnswer": "Minou Blanc", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
        #expect(try await ServerProcess.send("POST", "\(r.planA)/password-resets/\(reset)", json: body, from: r.address).status == .noContent)
        try await r.expectRevokedOnB(token, "the password was reset on A")
    }
}
