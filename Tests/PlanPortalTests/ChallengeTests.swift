import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import PlanPortal

/// What a fake siteverify endpoint received.
actor SiteverifyLog {
    var forms: [[String: String]] = []
    func record(_ form: [String: String]) { forms.append(form) }
}

/// A siteverify double on loopback: each path answers like a provider in one situation.
func fakeSiteverify(_ log: SiteverifyLog) -> Application<RouterResponder<BasicRequestContext>> {
    let router = Router()
    func answer(_ json: String, delay: Duration = .zero, status: HTTPResponse.Status = .ok) -> @Sendable (Request, BasicRequestContext) async throws -> Response {
        { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            var form: [String: String] = [:]
            for pair in String(buffer: body).split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                if kv.count == 2 { form[kv[0]] = kv[1] }
            }
            await log.record(form)
            if delay > .zero { try await Task.sleep(for: delay) }
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
    }
    let good = #"{"success":true,"hostname":"portal.example.ca","action":"register","score":0.9,"challenge_ts":"2026-11-27T03:00:00Z"}"#
    router.post("ok", use: answer(good))
    router.post("fail", use: answer(#"{"success":false,"error-codes":["invalid-input-response"]}"#))
    router.post("low", use: answer(#"{"success":true,"hostname":"portal.example.ca","action":"register","score":0.2}"#))
    router.post("action", use: answer(#"{"success":true,"hostname":"portal.example.ca","action":"login","score":0.9}"#))
    router.post("host", use: answer(#"{"success":true,"hostname":"evil.example","action":"register","score":0.9}"#))
    router.post("slow", use: answer(good, delay: .seconds(8)))
    router.post("broken", use: answer("<html>oops</html>", status: .badGateway))
    router.post("redirect") { request, _ in
        _ = try await request.body.collect(upTo: 64 * 1024)
        await log.record(["redirect": "1"])
        return Response(status: .temporaryRedirect, headers: [.location: "/ok"])
    }
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

@Suite struct ChallengeTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    func patchPlan(_ client: any TestClientProtocol, _ key: String, _ slug: String, _ body: [String: Any]) async throws -> TestResponse {
        try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .patch, headers: .admin(key), body: .json(body))
    }

    func submitIdentity(_ client: any TestClientProtocol, _ f: MemberFixture, token: String?) async throws -> TestResponse {
        let id = try await f.register(client)
        var body = f.identityBody()
        body["challengeToken"] = token
        return try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: Self.json, body: .json(body))
    }

    @Test(.tags(.submitIdentity, .getChallenge)) func siteverifyProvidersAgainstFakeEndpoints() async throws {
        let log = SiteverifyLog()
        try await fakeSiteverify(log).test(.live) { fake in
            let base = "http://127.0.0.1:\(try #require(fake.port))"
            try await TestEnvironment.withApp { client, services, key in
                let f = try await MemberFixture.make(client: client, key: key)
                // Enough identity attempts per certificate for every case below.
                let raised = try await patchPlan(client, key, f.slug, ["rateLimits": ["identityCertificate": ["limit": 50, "windowSeconds": 3600]]])
                #expect(raised.status == .ok)
                let configured = try await patchPlan(client, key, f.slug, ["challenge": [
                    "provider": "recaptcha", "siteKey": "site-key-1", "secret": "s3cret-value", "verifyUrl": "\(base)/ok",
                    "minScore": 0.5, "action": "register", "hostname": "portal.example.ca",
                ]])
                #expect(configured.status == .ok)
                let view = try #require(try configured.object()["challenge"] as? [String: Any])
                #expect(view["provider"] as? String == "recaptcha")
                #expect(view["secretConfigured"] as? Bool == true)
                #expect(!String(buffer: configured.body).contains("s3cret-value"), "the secret is write-only")

                try await client.execute(uri: "\(f.base)/challenge", method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try response.object()
                    #expect(body["provider"] as? String == "recaptcha")
                    #expect(body["siteKey"] as? String == "site-key-1")
                    #expect(body["version"] as? String == "v3")
                    #expect(body["action"] as? String == "register")
                }

                let missing = try await submitIdentity(client, f, token: nil)
                #expect(missing.status == .forbidden)
                #expect(try missing.problemCode() == "challenge_required")

                let accepted = try await submitIdentity(client, f, token: "provider-token-ok")
                #expect(accepted.status == .accepted)
                let form = try #require(await log.forms.last)
                #expect(form["secret"] == "s3cret-value")
                #expect(form["response"] == "provider-token-ok")
                #expect(try await f.count(services, "SELECT count(*)::int FROM $S.activation_tokens") == 1)

                let cases: [(String, HTTPResponse.Status, String)] = [
                    ("fail", .forbidden, "challenge_failed"),
                    ("low", .forbidden, "challenge_failed"),
                    ("action", .forbidden, "challenge_failed"),
                    ("host", .forbidden, "challenge_failed"),
                    ("broken", .serviceUnavailable, "challenge_unavailable"),
                    ("slow", .serviceUnavailable, "challenge_unavailable"),
                ]
                for (path, status, code) in cases {
                    #expect(try await patchPlan(client, key, f.slug, ["challenge": ["verifyUrl": "\(base)/\(path)"]]).status == .ok)
                    let started = ContinuousClock.now
                    let response = try await submitIdentity(client, f, token: "token-\(path)")
                    #expect(response.status == status, "\(path)")
                    #expect(try response.problemCode() == code, "\(path)")
                    if path == "slow" {
                        let waited = ContinuousClock.now - started
                        #expect(waited >= .seconds(4) && waited < .seconds(8), "gives up after 5 s, took \(waited)")
                        #expect(response.headers[.retryAfter] != nil)
                    }
                }
                #expect(try await f.count(services, "SELECT count(*)::int FROM $S.activation_tokens") == 1, "refused attempts send nothing")

                // Turnstile and hCaptcha use the same siteverify exchange.
                for provider in ["turnstile", "hcaptcha"] {
                    let switched = try await patchPlan(client, key, f.slug, ["challenge": [
                        "provider": provider, "siteKey": "k-\(provider)", "secret": "s-\(provider)", "verifyUrl": "\(base)/ok",
                    ]])
                    #expect(switched.status == .ok)
                    #expect(try await submitIdentity(client, f, token: "t-\(provider)").status == .accepted, "\(provider)")
                    #expect(await log.forms.last?["secret"] == "s-\(provider)")
                }
                #expect(try await f.count(services, "SELECT count(*)::int FROM $S.activation_tokens") == 3)
            }
        }
    }

    @Test(.tags(.updatePlan)) func challengeSettingsAreValidated() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            let noSecret = try await patchPlan(client, key, f.slug, ["challenge": ["provider": "recaptcha", "siteKey": "k"]])
            #expect(noSecret.status == .unprocessableContent)
            let fields = try #require(try noSecret.object()["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String }
            #expect(fields.contains("challenge.secret"))
            let plainHTTP = try await patchPlan(client, key, f.slug, ["challenge": [
                "provider": "hcaptcha", "siteKey": "k", "secret": "s", "verifyUrl": "http://siteverify.example.com/x",
            ]])
            #expect(plainHTTP.status == .unprocessableContent)
            #expect(try plainHTTP.problemCode() == "challenge_verify_url_forbidden")
            let scoreAndAction = try await patchPlan(client, key, f.slug, ["challenge": [
                "provider": "hcaptcha", "siteKey": "k", "secret": "s", "minScore": 0.5, "action": "login",
            ]])
            #expect(scoreAndAction.status == .unprocessableContent)
            let rules = Set(try #require(try scoreAndAction.object()["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String })
            #expect(rules == ["challenge.action", "challenge.minScore"])
            let unknown = try await patchPlan(client, key, f.slug, ["challenge": ["provider": "captcha9000"]])
            #expect(unknown.status == .unprocessableContent || unknown.status == .badRequest)
            let difficulty = try await patchPlan(client, key, f.slug, ["challenge": ["provider": "pow", "powMaxNumber": 5000]])
            #expect(difficulty.status == .ok)
            let view = try #require(try difficulty.object()["challenge"] as? [String: Any])
            #expect(view["powMaxNumber"] as? Int == 5000)
            #expect(view["secretConfigured"] as? Bool == false)
        }
    }

    /// Solves what `GET /challenge` handed out.
    func solvedToken(_ client: any TestClientProtocol, _ f: MemberFixture) async throws -> String {
        let challenge = try await client.execute(uri: "\(f.base)/challenge", method: .get) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let body = try response.object()
            #expect(body["provider"] as? String == "pow")
            let pow = try JSONSerialization.data(withJSONObject: try #require(body["pow"]))
            return try JSONDecoder().decode(ProofOfWorkChallenge.self, from: pow)
        }
        #expect(challenge.maxnumber == 1000)
        return ProofOfWork.token(try #require(ProofOfWork.solve(challenge)))
    }

    @Test(.tags(.getChallenge, .submitIdentity)) func proofOfWorkIsAcceptedOnceAndNotAfterExpiry() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, challenge: "pow")
            #expect(try await patchPlan(client, key, f.slug, [
                "challenge": ["powMaxNumber": 1000], "rateLimits": ["identityCertificate": ["limit": 50, "windowSeconds": 3600]],
            ]).status == .ok)

            let token = try await solvedToken(client, f)
            #expect(try await submitIdentity(client, f, token: token).status == .accepted)
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.activation_tokens") == 1)

            let replay = try await submitIdentity(client, f, token: token)
            #expect(replay.status == .forbidden)
            #expect(try replay.problemCode() == "challenge_failed")

            // A challenge signed with the plan's own key but issued 10 minutes ago.
            var rows = try await services.postgres.query("SELECT settings->>'powKey' FROM control.plans WHERE slug = \(f.slug)")
            var key = ""
            for try await value in rows.decode(String.self) { key = value }
            #expect(key.count >= 32)
            let old = ProofOfWork.make(key: key, maxNumber: 1000, now: Date().addingTimeInterval(-600))
            let expired = try await submitIdentity(client, f, token: ProofOfWork.token(try #require(ProofOfWork.solve(old))))
            #expect(expired.status == .forbidden)
            #expect(try expired.problemCode() == "challenge_failed")

            // Same answer, forged signature.
            var forged = try #require(ProofOfWork.solve(ProofOfWork.make(key: "not-the-plan-key", maxNumber: 1000)))
            forged.signature = String(repeating: "0", count: 64)
            #expect(try await submitIdentity(client, f, token: ProofOfWork.token(forged)).status == .forbidden)
            #expect(try await submitIdentity(client, f, token: "bm90LWpzb24=").status == .forbidden)

            // A fresh solution still works: refusals consumed nothing.
            #expect(try await submitIdentity(client, f, token: try await solvedToken(client, f)).status == .accepted)
            rows = try await services.postgres.query("SELECT count(*)::int FROM control.challenge_solutions WHERE plan_slug = \(f.slug)")
            for try await n in rows.decode(Int.self) { #expect(n == 2) }
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.activation_tokens WHERE used_at IS NULL") >= 1)
        }
    }

    @Test(.tags(.createPlan, .getChallenge)) func newPlansDefaultToProofOfWorkAndNoneIsRefusedInProduction() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let slug = TestEnvironment.uniqueSlug("pow")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) { response in
                #expect(response.status == .created)
                let view = try #require(try response.object()["challenge"] as? [String: Any])
                #expect(view["provider"] as? String == "pow")
                #expect(view["powMaxNumber"] as? Int == ChallengeSettings.defaultPowMaxNumber)
            }
        }
        try await TestEnvironment.withApp(configure: { $0.environment = .production }) { client, _, key in
            var body = planBody(slug: TestEnvironment.uniqueSlug("prod"))
            body["challenge"] = ["provider": "none"]
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(body)) { response in
                #expect(response.status == .unprocessableContent)
                let errors = try #require(try response.object()["errors"] as? [[String: Any]])
                #expect(errors.first?["field"] as? String == "challenge.provider")
            }
        }
    }
}
