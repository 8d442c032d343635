import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import NIOConcurrencyHelpers
import PostgresNIO
import Prometheus
import Testing

@testable import PlanPortal

/// Issue #11 §1: password spraying from one address, a plan under attack, and device tokens that
/// keep a member in while their e-mail is flooded.
@Suite struct LoginDefenceTests {
    /// A plan whose challenge is a real proof of work (cheap to solve in tests), its member
    /// activated first when `activated` (the identity step always wants a challenge).
    static func powPlan(
        _ client: any TestClientProtocol, key: String, activated services: AppServices? = nil, secondMember: Bool = false
    ) async throws -> MemberFixture {
        let f = try await MemberFixture.make(client: client, key: key, terms: false)
        if let services { try await f.activate(client, services) }
        if let services, secondMember { _ = try await ClaimsFixture.activateSecondMember(f, client, services) }
        try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": ["provider": "pow", "powMaxNumber": 1000]])) {
            #expect($0.status == .ok)
        }
        return f
    }

    /// A solved proof-of-work challenge of the plan.
    static func solvedChallenge(_ client: any TestClientProtocol, _ f: MemberFixture) async throws -> String {
        let challenge = try await client.execute(uri: "\(f.base)/challenge", method: .get) { response in
            let pow = try JSONSerialization.data(withJSONObject: try #require(try response.object()["pow"]))
            return try JSONDecoder().decode(ProofOfWorkChallenge.self, from: pow)
        }
        return ProofOfWork.token(try #require(ProofOfWork.solve(challenge)))
    }

    static func wrongLogin(_ client: any TestClientProtocol, _ f: MemberFixture, email: String, from address: String, challengeToken: String? = nil) async throws -> TestResponse {
        var body: [String: Any] = ["email": email, "password": "Wrong#Guess99"]
        if let challengeToken { body["challengeToken"] = challengeToken }
        return try await client.execute(uri: "\(f.base)/sessions", method: .post, headers: .json(from: address), body: .json(body))
    }

    static func failures(_ services: AppServices, _ f: MemberFixture) async throws -> Int {
        try await f.count(services, "SELECT count(*)::int FROM $S.audit_events WHERE action = 'login.failure'")
    }

    @Test(.tags(.createSession)) func fiftyWrongLoginsWithFiftyEmailsFromOneAddressNeedAChallengeByTheEleventh() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await Self.powPlan(client, key: key, activated: services)
            let address = TestAddress.unique()
            var codes: [String] = []
            for i in 0..<50 {
                let response = try await Self.wrongLogin(client, f, email: "sprayed\(i).\(f.email)", from: address)
                codes.append(try response.problemCode() ?? "\(response.status.code)")
            }
            #expect(codes.prefix(10).allSatisfy { $0 == "invalid_credentials" }, "\(codes)")
            #expect(codes.dropFirst(10).allSatisfy { $0 == "challenge_required" }, "never a 429, a challenge: \(codes)")
            #expect(try await Self.failures(services, f) == 10, "only ten reached Argon2 (the dummy hash of unknown e-mails)")
            // The count is the address's, whatever the plan: the same address on another plan needs one too.
            let other = try await Self.powPlan(client, key: key)
            #expect(try await Self.wrongLogin(client, other, email: "x.\(other.email)", from: address).problemCode() == "challenge_required")
            // A solved challenge still lets a member behind that address in (a campus NAT is not banned).
            let solved = try await Self.solvedChallenge(client, f)
            #expect(try await f.login(client, acceptTerms: false, challengeToken: solved, from: address).status == .created)
        }
    }

    /// Successful logins do not count: members behind one NAT log in all day without a challenge.
    @Test(.tags(.createSession)) func successfulLoginsFromOneAddressNeverNeedAChallenge() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await Self.powPlan(client, key: key, activated: services)
            let address = TestAddress.unique()
            for _ in 0..<12 {
                #expect(try await f.login(client, acceptTerms: false, from: address).status == .created)
            }
            for i in 0..<9 {
                #expect(try await Self.wrongLogin(client, f, email: "n\(i).\(f.email)", from: address).status == .unauthorized)
            }
            #expect(try await f.login(client, acceptTerms: false, from: address).status == .created, "9 failures: under the threshold")
        }
    }

    /// Every per-address rule counts an IPv6 client by its /64: new interface ids of one /64 share
    /// a counter, another /64 has its own.
    @Test(.tags(.startRegistration, .createSession)) func ipv6ClientsCountByTheirSlash64() async throws {
        #expect(IPAddressRange.rateLimitSubject("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64")
        #expect(IPAddressRange.rateLimitSubject("2001:DB8:1:2::1") == "2001:db8:1:2::/64")
        #expect(IPAddressRange.rateLimitSubject("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(IPAddressRange.rateLimitSubject("192.0.2.7") == "192.0.2.7")
        #expect(IPAddressRange.rateLimitSubject("nonsense") == nil)
        try await TestEnvironment.withApp { client, _, key in
            let f = try await Self.powPlan(client, key: key)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["rateLimits": ["registrationIp": ["limit": 2, "windowSeconds": 300]]])) {
                #expect($0.status == .ok)
            }
            let prefix = TestAddress.uniqueIPv6Prefix()
            var statuses: [Int] = []
            for suffix in [":1", ":2", "abcd:ef01:2345:6789"] {
                let body: [String: Any] = ["email": f.email, "emailConfirmation": f.email]
                statuses.append(try await client.execute(uri: "\(f.base)/registrations", method: .post, headers: .json(from: prefix + suffix), body: .json(body)).status.code)
            }
            #expect(statuses == [201, 201, 429], "three interface ids of one /64 are one client")
            let elsewhere = TestAddress.uniqueIPv6Prefix() + ":1"
            #expect(try await client.execute(uri: "\(f.base)/registrations", method: .post, headers: .json(from: elsewhere),
                                             body: .json(["email": f.email, "emailConfirmation": f.email])).status == .created)
            // The login rule too: ten failures spread over ten interface ids of one /64.
            let spray = TestAddress.uniqueIPv6Prefix()
            for i in 0..<10 {
                #expect(try await Self.wrongLogin(client, f, email: "v6.\(i).\(f.email)", from: spray + ":\(i + 1)").status == .unauthorized)
            }
            #expect(try await Self.wrongLogin(client, f, email: "v6.last.\(f.email)", from: spray + ":ffff").problemCode() == "challenge_required")
        }
    }

    @Test(.tags(.createSession)) func aFloodOfUnknownEmailsFromOneAddressDoesNotStopALoginFromAnotherAddressOfAnotherPlan() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let flooded = try await Self.powPlan(client, key: key)
            let other = try await Self.powPlan(client, key: key, activated: services)
            let attacker = TestAddress.unique()
            let codes = NIOLockedValueBox<[String]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<10 {
                    group.addTask {
                        for i in 0..<20 {
                            let response = try await Self.wrongLogin(client, flooded, email: "flood\(worker)-\(i)@\(MemberFixture.domain)", from: attacker)
                            let code = try response.problemCode() ?? "\(response.status.code)"
                            codes.withLockedValue { $0.append(code) }
                        }
                    }
                }
                // While the flood runs, the other plan's member logs in from their own address, no challenge.
                let response = try await other.login(client, acceptTerms: false)
                #expect(response.status == .created, "\(String(buffer: response.body))")
                try await group.waitForAll()
            }
            let all = codes.withLockedValue { $0 }
            #expect(all.count == 200)
            // At most ten of the flood were hashed; every other attempt stopped before Argon2.
            let hashed = try await Self.failures(services, flooded)
            #expect(hashed <= 10, "\(hashed) flood attempts reached Argon2")
            #expect(all.filter { $0 == "invalid_credentials" }.count == hashed)
            #expect(all.filter { $0 == "challenge_required" }.count == 200 - hashed)
            #expect(try await other.login(client, acceptTerms: false).status == .created)
        }
    }

    /// More than N failed logins in the plan's window: every login of the plan needs a challenge,
    /// from any address; the switch is recorded once, logged and counted.
    @Test(.tags(.createSession, .updatePlan)) func aPlanUnderAttackNeedsAChallengeForEveryLogin() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await Self.powPlan(client, key: key, activated: services)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["rateLimits": ["loginPlanFailures": ["limit": 6, "windowSeconds": 300]]])) { response in
                #expect(response.status == .ok)
                let limits = try #require(try response.object()["rateLimits"] as? [String: [String: Int]])
                #expect(limits["loginPlanFailures"] == ["limit": 6, "windowSeconds": 300])
                #expect(limits["loginIp"] == ["limit": 10, "windowSeconds": 900])
            }
            // The operation itself, with a log and metrics of its own: what any presentation gets.
            let capture = LogCapture()
            let registry = PrometheusCollectorRegistry()
            let operations = SessionOperations(
                sessions: services.sessionRepository, terms: services.terms, audit: services.audit, limiter: services.limiter,
                challenge: services.challenge, hasher: services.hasher, logger: capture.logger, metrics: PrometheusMetricsFactory(registry: registry)
            )
            let plan = try #require(try await services.plans.find(f.plan))
            func attempt(_ email: String, password: String = "Wrong#Guess99") async throws -> String {
                let facts = RequestFacts(ip: TestAddress.unique())
                do {
                    _ = try await operations.createSession(plan: plan, input: LoginRequest(email: email, password: password), facts: facts)
                    return "created"
                } catch let problem as Problem {
                    return problem.code
                }
            }
            // Failures from seven addresses: none of them is over any per-address or per-e-mail rule.
            var codes: [String] = []
            for i in 0..<7 { codes.append(try await attempt("spread\(i).\(f.email)")) }
            #expect(codes == Array(repeating: "invalid_credentials", count: 6) + ["challenge_required"], "the seventh failure in the window is one too many")
            // Now the plan is under attack: even the right password from a fresh address needs a challenge.
            #expect(try await attempt(f.email, password: "Soleil#Nord42") == "challenge_required")
            #expect(try await f.login(client, acceptTerms: false, from: TestAddress.unique()).problemCode() == "challenge_required")
            let solved = try await Self.solvedChallenge(client, f)
            #expect(try await f.login(client, acceptTerms: false, challengeToken: solved, from: TestAddress.unique()).status == .created)
            // Recorded once, logged once, counted once.
            let state = try await services.postgres.query("SELECT under_attack FROM control.login_plan_state WHERE plan_slug = \(f.slug)").decode(Bool.self).one()
            #expect(state == true)
            #expect(capture.all.filter { $0.contains("plan under attack") && $0.contains("plan=\(f.slug)") }.count == 1)
            var exposition: [UInt8] = []
            registry.emit(into: &exposition)
            #expect(String(decoding: exposition, as: UTF8.self).contains(#"planportal_login_under_attack_switches_total{plan="\#(f.slug)",state="on"} 1"#))

            // The window ends and the next one stays quiet: the switch back is recorded once too.
            // (Windows are ended by moving this plan's counter into the past, not by waiting.)
            let counter = RateLimitKey(.loginPlanFailures, plan: plan).storageKey
            try await services.postgres.query(
                "UPDATE control.rate_limits SET window_ends_at = now() - interval '1 second', previous_hits = 0, hits = 3 WHERE key = \(counter)"
            )
            #expect(try await attempt(f.email, password: "Soleil#Nord42") == "created")
            #expect(try await services.postgres.query("SELECT under_attack FROM control.login_plan_state WHERE plan_slug = \(f.slug)").decode(Bool.self).one() == false)
            #expect(capture.all.filter { $0.contains("plan no longer under attack") && $0.contains("plan=\(f.slug)") }.count == 1)
            exposition = []
            registry.emit(into: &exposition)
            #expect(String(decoding: exposition, as: UTF8.self).contains(#"planportal_login_under_attack_switches_total{plan="\#(f.slug)",state="off"} 1"#))
        }
    }

    /// A window over the limit keeps the plan under attack for the whole next window.
    @Test func underAttackCarriesOverIntoTheNextWindow() async throws {
        try await TestEnvironment.withServices { services in
            let key = RateLimitKey(name: "carry-test", rule: .init(limit: 2, windowSeconds: 300), effect: .challenge, scope: UUID().uuidString, subject: [])
            var carrying = key
            carrying.carriesOver = true
            for _ in 0..<3 { _ = try await services.limiter.hit([carrying]) }
            try await services.postgres.query("UPDATE control.rate_limits SET window_ends_at = now() - interval '1 second' WHERE key = \(key.storageKey)")
            let next = try #require(try await services.limiter.hit([carrying]).states.first)
            #expect(next.hits == 1 && next.previousHits == 3)
            #expect(next.exceeded, "the window after one over the limit is still over")
            #expect(try await services.limiter.hit([key]).states.first?.exceeded == false, "a rule that does not carry over starts afresh")
            // Two windows later (or after a gap longer than a window) the previous count is gone.
            try await services.postgres.query("UPDATE control.rate_limits SET window_ends_at = now() - interval '400 seconds' WHERE key = \(key.storageKey)")
            let later = try #require(try await services.limiter.hit([carrying]).states.first)
            #expect(later.previousHits == 0 && !later.exceeded)
        }
    }

    @Test(.tags(.createSession)) func aMemberWithADeviceTokenLogsInWhileTheirEmailIsFloodedPastTheCap() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await Self.powPlan(client, key: key, activated: services, secondMember: true)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["rateLimits": ["loginAccount": ["limit": 10, "windowSeconds": 3600]]])) {
                #expect($0.status == .ok)
            }
            let first = try await f.login(client, acceptTerms: false)
            #expect(first.status == .created)
            let device = try #require(try first.object()["deviceToken"] as? String)
            #expect(device.count == 43)
            let stored = try await f.count(services, "SELECT count(*)::int FROM $S.device_tokens WHERE token_hash = sha256(convert_to('\(device)', 'UTF8'))")
            #expect(stored == 1, "stored as its SHA-256 only")

            // The flood: ten wrong passwords with solved challenges reach the cap, twelve more get 429.
            let attacker = TestAddress.unique()
            var flood: [Int] = []
            for _ in 0..<10 {
                let solved = try await Self.solvedChallenge(client, f)
                flood.append(try await Self.wrongLogin(client, f, email: f.email, from: attacker, challengeToken: solved).status.code)
            }
            for _ in 0..<12 { flood.append(try await Self.wrongLogin(client, f, email: f.email, from: attacker).status.code) }
            #expect(flood == Array(repeating: 401, count: 10) + Array(repeating: 429, count: 12), "\(flood)")

            // Without the token the owner is kept out; with it they get in, without a challenge.
            #expect(try await f.login(client, acceptTerms: false).status == .tooManyRequests)
            let inside = try await f.login(client, acceptTerms: false, deviceToken: device)
            #expect(inside.status == .created, "\(String(buffer: inside.body))")
            let renewed = try #require(try inside.object()["deviceToken"] as? String)
            #expect(renewed != device, "a device token is used once")
            #expect(try await f.login(client, acceptTerms: false, deviceToken: device).status == .tooManyRequests, "the used token exempts no more")
            #expect(try await f.login(client, acceptTerms: false, deviceToken: renewed).status == .created)

            // Another account's token exempts nothing.
            let luc = "luc.\(f.slug.split(separator: "-").last ?? "x")@\(MemberFixture.domain)"
            let lucDevice = try await client.execute(
                uri: "\(f.base)/sessions", method: .post, headers: .json(from: TestAddress.unique()),
                body: .json(["email": luc, "password": "Soleil#Nord42", "acceptTerms": true, "termsVersion": f.termsVersion])
            ) { response in
                #expect(response.status == .created)
                return try #require(try response.object()["deviceToken"] as? String)
            }
            #expect(try await f.login(client, acceptTerms: false, deviceToken: lucDevice).status == .tooManyRequests)
            #expect(try await f.count(services, "SELECT failed_attempts FROM $S.device_tokens WHERE token_hash = sha256(convert_to('\(lucDevice)', 'UTF8'))") == 0,
                    "nor does it count against that token")
        }
    }

    /// Ten failed passwords with one device token end its exemption; until then it keeps its
    /// owner clear of the cap even while they mistype.
    @Test(.tags(.createSession)) func aDeviceTokenStopsExemptingAfterTenFailedPasswords() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await f.activate(client, services)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["rateLimits": [
                "loginAccount": ["limit": 3, "windowSeconds": 3600], "loginPair": ["limit": 100, "windowSeconds": 900],
            ]])) { #expect($0.status == .ok) }
            let device = try #require(try await f.login(client, acceptTerms: false).object()["deviceToken"] as? String)
            var statuses: [Int] = []
            for _ in 0..<10 { statuses.append(try await f.login(client, password: "Wrong#Guess99", acceptTerms: false, deviceToken: device).status.code) }
            #expect(statuses == Array(repeating: 401, count: 10), "exempt from the cap of 3: every password was checked")
            #expect(try await f.login(client, acceptTerms: false, deviceToken: device).status == .tooManyRequests, "the eleventh attempt with it is not exempt")
            let failed = try await f.count(services, "SELECT failed_attempts FROM $S.device_tokens WHERE token_hash = sha256(convert_to('\(device)', 'UTF8'))")
            #expect(failed == 11)
        }
    }

    /// A reset, a lock and "log out everywhere" end every device token of the account at once.
    @Test(.tags(.completePasswordReset, .lockMember, .revokeMemberSessions)) func resetsLocksAndLogoutsEndDeviceTokens() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await f.activate(client, services)
            let live = "SELECT count(*)::int FROM $S.device_tokens d JOIN $S.accounts a ON a.id = d.account_id WHERE a.email = '\(f.email)'"
            let sessions = "SELECT count(*)::int FROM $S.sessions s JOIN $S.accounts a ON a.id = s.account_id WHERE a.email = '\(f.email)' AND s.revoked_at IS NULL"
            func twoDevices() async throws -> String {
                _ = try await f.login(client, acceptTerms: false)
                return try #require(try await f.login(client, acceptTerms: false).object()["deviceToken"] as? String)
            }
            _ = try await twoDevices()
            #expect(try await f.count(services, live) == 2)

            let admin = "/v1/admin/plans/\(f.slug)/members/\(f.certificate)"
            try await client.execute(uri: "\(admin)/sessions", method: .delete, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                let body = try response.object()
                #expect(body["sessionsRevoked"] as? Int == 2)
                #expect(body["deviceTokensRevoked"] as? Int == 2)
            }
            #expect(try await f.count(services, live) == 0)
            #expect(try await f.count(services, sessions) == 0)

            _ = try await twoDevices()
            try await client.execute(uri: "\(admin)/lock", method: .post, headers: .admin(key)) { #expect($0.status == .ok) }
            #expect(try await f.count(services, live) == 0)
            #expect(try await f.count(services, sessions) == 0)
            try await client.execute(uri: "\(admin)/unlock", method: .post, headers: .admin(key)) { #expect($0.status == .ok) }

            #expect(try await twoDevices().count == 43)
            #expect(try await f.count(services, live) == 2)
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: .json(from: f.address), body: .json(["email": f.email])) {
                #expect($0.status == .accepted)
            }
            let token = try await f.queuedToken(services, kind: "password_reset")
            let completion: [String: Any] = ["securityAnswer": "minou blanc", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            try await client.execute(uri: "\(f.base)/password-resets/\(token)", method: .post, headers: .json(from: f.address), body: .json(completion)) {
                #expect($0.status == .noContent)
            }
            #expect(try await f.count(services, live) == 0)
            #expect(try await f.count(services, sessions) == 0)
        }
    }

    /// A login whose password was verified against a hash that a reset, a password change or a
    /// lock replaced meanwhile opens nothing: no session, no device token, no `login.success`.
    @Test(.tags(.createSession)) func aLoginThatLosesTheRaceToAResetOrLockOpensNothing() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await f.activate(client, services)
            let plan = try #require(try await services.plans.find(f.plan))
            let rows = try await services.postgres.query(
                "SELECT id, password_hash FROM \(unescaped: f.plan.quotedSchema).accounts WHERE email = \(f.email)"
            )
            let (accountID, hash) = try #require(try await rows.decode((UUID, String).self).one())
            func open(verified: String) async throws -> Date {
                try await services.sessionRepository.open(
                    plan: plan, token: SecretToken.generate(), accountID: accountID, verifiedHash: verified, acceptingTerms: nil, rehash: nil,
                    success: .init(refund: [], resetting: nil, newDeviceToken: SecretToken.generate(), presentedDeviceToken: nil),
                    facts: RequestFacts(ip: f.address)
                )
            }
            let counts = "SELECT ((SELECT count(*) FROM $S.sessions) + (SELECT count(*) FROM $S.device_tokens) + (SELECT count(*) FROM $S.audit_events WHERE action = 'login.success'))::int"
            let stale = await #expect(throws: Problem.self) { _ = try await open(verified: hash + "-replaced") }
            #expect(stale?.code == "invalid_credentials")
            #expect(try await f.count(services, counts) == 0, "nothing written for a replaced hash")
            // The same call with the hash the account still has opens the session, its device token and its event.
            _ = try await open(verified: hash)
            #expect(try await f.count(services, counts) == 3)
        }
    }
}
