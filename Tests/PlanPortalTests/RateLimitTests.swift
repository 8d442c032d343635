import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

@Suite struct RateLimitTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    func statuses(_ responses: [TestResponse]) -> [HTTPResponse.Status: Int] {
        responses.reduce(into: [:]) { $0[$1.status, default: 0] += 1 }
    }

    @Test(.tags(.createSession)) func thousandWrongPasswordsReachVerificationAtMostTenTimes() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            try await f.activate(client, services)
            #expect(try await f.login(client).status == .created)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": ["provider": "pow", "powMaxNumber": 1000]])) {
                #expect($0.status == .ok)
            }
            let verifiedBefore = try await f.count(services, "SELECT count(*)::int FROM $S.audit_events WHERE action = 'login.failure'")
            let responses = try await withThrowingTaskGroup(of: [TestResponse].self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        var mine: [TestResponse] = []
                        for _ in 0..<50 {
                            let body = ByteBuffer.json(["email": f.email, "password": "Wrong#Guess99"])
                            mine.append(try await client.execute(uri: "\(f.base)/sessions", method: .post, headers: .json(from: f.address), body: body))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(responses.count == 1000)
            let verified = try await f.count(services, "SELECT count(*)::int FROM $S.audit_events WHERE action = 'login.failure'") - verifiedBefore
            #expect(verified >= 1 && verified <= 10, "\(verified) guesses reached Argon2")
            let counts = statuses(responses)
            #expect(counts[.unauthorized] == verified)
            #expect(counts[.forbidden] == 1000 - verified, "\(counts)")
            let codes = Set(try responses.filter { $0.status == .forbidden }.map { try $0.problemCode() })
            #expect(codes == ["challenge_required"])

            // With a solved challenge the member gets in, and the attempt is taken back.
            let challenge = try await client.execute(uri: "\(f.base)/challenge", method: .get) { response in
                let pow = try JSONSerialization.data(withJSONObject: try #require(try response.object()["pow"]))
                return try JSONDecoder().decode(ProofOfWorkChallenge.self, from: pow)
            }
            let token = ProofOfWork.token(try #require(ProofOfWork.solve(challenge)))
            try await client.execute(
                uri: "\(f.base)/sessions", method: .post, headers: .json(from: f.address),
                body: .json(["email": f.email, "password": "Soleil#Nord42", "challengeToken": token])
            ) { response in
                #expect(response.status == .created)
            }
        }
    }

    @Test(.tags(.requestPasswordReset)) func parallelRequestsDoNotOvershootALimit() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: Self.json, body: .json(["email": f.email]))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let counts = statuses(responses)
            #expect(counts[.accepted] == 5, "\(counts)")
            #expect(counts[.tooManyRequests] == 35, "\(counts)")
            let limited = try #require(responses.first { $0.status == .tooManyRequests })
            #expect(try limited.problemCode() == "rate_limited")
            let retryHeader = try #require(limited.headers[.retryAfter])
            let retry = try #require(Int(retryHeader))
            #expect(retry > 0 && retry <= 3600)
            let ok = try #require(responses.first { $0.status == .accepted })
            #expect(ok.headers[HTTPField.Name("RateLimit-Policy")!]?.contains(#""reset-email";q=5;w=3600"#) == true)
            #expect(ok.headers[HTTPField.Name("RateLimit")!]?.contains(#""reset-email";r="#) == true)
            // Counters hold no e-mail or address in clear.
            let rows = try await services.postgres.query("SELECT key FROM control.rate_limits WHERE key LIKE \("reset-email:\(f.slug):%")")
            var keys: [String] = []
            for try await key in rows.decode(String.self) { keys.append(key) }
            #expect(keys.count == 1)
            #expect(keys.allSatisfy { !$0.contains(f.email) && $0.range(of: #":[0-9a-f]{64}$"#, options: .regularExpression) != nil })
        }
    }

    @Test(.tags(.requestPasswordReset)) func resetRequestsNeedAChallengeFromTheThirdPerEmail() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false, challenge: "pow")
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": ["powMaxNumber": 1000]])) {
                #expect($0.status == .ok)
            }
            for _ in 1...2 {
                try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: Self.json, body: .json(["email": f.email])) {
                    #expect($0.status == .accepted)
                }
            }
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: Self.json, body: .json(["email": f.email])) { response in
                #expect(response.status == .forbidden)
                try #expect(response.problemCode() == "challenge_required")
            }
            let challenge = try await client.execute(uri: "\(f.base)/challenge", method: .get) { response in
                let pow = try JSONSerialization.data(withJSONObject: try #require(try response.object()["pow"]))
                return try JSONDecoder().decode(ProofOfWorkChallenge.self, from: pow)
            }
            let token = ProofOfWork.token(try #require(ProofOfWork.solve(challenge)))
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: Self.json, body: .json(["email": f.email, "challengeToken": token])) {
                #expect($0.status == .accepted)
            }
        }
    }

    @Test(.tags(.submitIdentity, .resendActivation, .createSession)) func identityResendAndHardCapLimits() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            // Five identity attempts per certificate number per hour.
            var last: TestResponse?
            for _ in 1...6 {
                let id = try await f.register(client)
                last = try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: Self.json, body: .json(f.identityBody()))
                if last?.status != .accepted { break }
            }
            #expect(last?.status == .tooManyRequests)
            #expect(try last?.problemCode() == "rate_limited")
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.audit_events WHERE action LIKE 'identity.%'") == 5)

            // One resend per minute per registration.
            let id = try await f.register(client, email: "autre.\(f.email)")
            try await client.execute(uri: "\(f.base)/registrations/\(id)/resend", method: .post) { #expect($0.status == .accepted) }
            try await client.execute(uri: "\(f.base)/registrations/\(id)/resend", method: .post) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter].flatMap(Int.init).map { $0 > 0 && $0 <= 60 } == true)
            }

            // Hard cap on verified passwords per account, lowered for the test: 429, not a lock.
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["rateLimits": [
                "loginAccount": ["limit": 3, "windowSeconds": 120], "loginPair": ["limit": 50, "windowSeconds": 900],
            ]])) { response in
                #expect(response.status == .ok)
                let limits = try #require(try response.object()["rateLimits"] as? [String: [String: Int]])
                #expect(limits["loginAccount"] == ["limit": 3, "windowSeconds": 120])
                #expect(limits["resetIp"] == ["limit": 30, "windowSeconds": 300])
            }
            for expected in [HTTPResponse.Status.unauthorized, .unauthorized, .unauthorized, .tooManyRequests] {
                let response = try await client.execute(uri: "\(f.base)/sessions", method: .post, headers: .json(from: f.address), body: .json(["email": "nobody@\(MemberFixture.domain)", "password": "x"]))
                #expect(response.status == expected)
            }
        }
    }

    @Test(.tags(.updatePlan)) func rateLimitSettingsAreValidated() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["rateLimits": [
                "loginEverything": ["limit": 3, "windowSeconds": 60], "resetIp": ["limit": 0, "windowSeconds": 60],
            ]])) { response in
                #expect(response.status == .unprocessableContent)
                let errors = try #require(try response.object()["errors"] as? [[String: Any]])
                #expect(Set(errors.compactMap { $0["field"] as? String }) == ["rateLimits.loginEverything", "rateLimits.resetIp.limit"])
            }
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["rateLimits": ["resetIp": ["limit": 3]]])) {
                #expect($0.status == .unprocessableContent)
            }
        }
    }

    @Test(.tags(.listPlans)) func adminKeysHaveARequestBudget() async throws {
        try await TestEnvironment.withApp(configure: { $0.adminRateLimit = RateLimitRule(limit: 4, windowSeconds: 60) }) { client, _, key in
            var seen: [HTTPResponse.Status] = []
            for _ in 1...5 {
                try await client.execute(uri: "/v1/admin/plans", method: .get, headers: .admin(key)) { response in
                    seen.append(response.status)
                    if response.status == .ok {
                        #expect(response.headers[HTTPField.Name("RateLimit-Policy")!] == #""admin-key";q=4;w=60"#)
                    } else {
                        #expect(response.headers[.retryAfter] != nil)
                    }
                }
            }
            #expect(seen == [.ok, .ok, .ok, .ok, .tooManyRequests])
        }
    }

    /// Windows are ended by moving this test's own counter into the past (no clock to wait on),
    /// and only this counter's row is asserted on: other suites' counters come and go meanwhile.
    @Test func sweepRemovesExpiredCounters() async throws {
        try await TestEnvironment.withServices { services in
            let limiter = services.limiter
            let key = RateLimitKey(name: "sweep-test", rule: .init(limit: 1, windowSeconds: 3600), effect: .reject, scope: UUID().uuidString, subject: ["x"])
            func endWindow() async throws {
                try await services.postgres.query("UPDATE control.rate_limits SET window_ends_at = now() - interval '1 second' WHERE key = \(key.storageKey)")
            }
            func rows() async throws -> Int {
                try await services.postgres.query("SELECT count(*)::int FROM control.rate_limits WHERE key = \(key.storageKey)").decode(Int.self).one() ?? -1
            }
            #expect(try await limiter.hit([key]).states.first?.hits == 1)
            #expect(try await limiter.hit([key]).states.first?.exceeded == true)
            try await endWindow()
            #expect(try await limiter.hit([key]).states.first?.hits == 1, "a new window starts from one")
            try await limiter.sweep()
            #expect(try await rows() == 1, "a counter whose window is running stays")
            try await endWindow()
            try await limiter.sweep()
            #expect(try await rows() == 0, "an expired counter is swept")
        }
    }

    @Test func clientAddressHonoursOnlyTrustedProxies() throws {
        let proxies = try #require(TrustedProxies(list: "10.0.0.0/8, 2001:db8::/32"))
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["203.0.113.7, 10.0.0.9"]) == "203.0.113.7")
        #expect(proxies.clientAddress(peer: "10.1.2.3", forwardedFor: ["1.1.1.1", "203.0.113.7"]) == "203.0.113.7", "spoofed left entries are ignored")
        #expect(proxies.clientAddress(peer: "198.51.100.4", forwardedFor: ["203.0.113.7"]) == "198.51.100.4", "untrusted peers cannot claim another address")
        #expect(proxies.clientAddress(peer: "::ffff:10.0.0.1", forwardedFor: ["2001:DB8::1, 192.0.2.44"]) == "192.0.2.44")
        #expect(proxies.clientAddress(peer: "2001:db8::5", forwardedFor: ["not-an-ip, 10.0.0.7"]) == "10.0.0.7", "a malformed hop stops the walk")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwardedFor: []) == "10.0.0.2")
        #expect(TrustedProxies(list: "10.0.0.0/33") == nil)
        #expect(TrustedProxies(list: "example.com") == nil)
        #expect(IPAddressRange("192.168.0.0/16")?.contains("192.168.255.1") == true)
        #expect(IPAddressRange("192.168.0.0/16")?.contains("192.169.0.1") == false)
        #expect(IPAddressRange("0.0.0.0/0")?.contains("8.8.8.8") == true)
    }
}
