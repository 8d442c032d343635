import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import PlanPortal

/// Issue #11 §2: `verifyUrl` cannot be turned into a server-side request forgery.
@Suite struct OutboundPolicyTests {
    @Test func policyRefusesEveryNonPublicDestination() throws {
        let production = OutboundPolicy(allowsLoopbackForTests: false)
        let refused = [
            "https://10.0.0.1/x", "https://172.16.5.4/", "https://192.168.1.1/", "https://127.0.0.1/", "https://[::1]/",
            "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/", "https://[fd00::1]/", "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/", "https://[::ffff:10.0.0.1]/", "https://[64:ff9b::a00:1]/", "https://[64:ff9b:1::1]/",
            "https://0.0.0.0/", "https://localhost/", "https://metadata/", "https://api.localhost/", "https://2130706433/",
            "https://0x7f.1/", "http://www.google.com/recaptcha/api/siteverify", "https://user:pw@api.hcaptcha.com/siteverify",
            "ftp://api.hcaptcha.com/", "http://127.0.0.1:8080/ok", "https://[2002:a00:1::]/", "https://224.0.0.1/",
        ]
        for url in refused {
            #expect(throws: OutboundPolicy.Refusal.self, "\(url)") { try production.check(url: url) }
        }
        for url in ["https://www.google.com/recaptcha/api/siteverify", "https://api.hcaptcha.com/siteverify", "https://93.184.216.34/x", "https://[2606:4700::1]/"] {
            #expect(throws: Never.self, "\(url)") { try production.check(url: url) }
        }
        // APP_ENV=test lets loopback through for the test doubles, and nothing else private.
        let test = OutboundPolicy(environment: .test)
        #expect(throws: Never.self) { try test.check(url: "http://127.0.0.1:8080/ok") }
        for url in ["http://10.0.0.1/", "https://192.168.0.1/", "http://93.184.216.34/"] {
            #expect(throws: OutboundPolicy.Refusal.self, "\(url)") { try test.check(url: url) }
        }
        #expect(OutboundPolicy(environment: .development) == production)
        #expect(OutboundPolicy(environment: .production) == production)
    }

    /// The name is resolved once, every answer is checked, and the connection goes to the checked
    /// address: a resolver that would answer differently the second time is never asked again.
    @Test func connectsToTheAddressItChecked() async throws {
        let hosts = NIOLockedValueBox<[String]>([])
        let router = Router()
        router.post("ok") { request, _ -> Response in
            hosts.withLockedValue { $0.append(request.head.authority ?? "") }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { fake in
            let port = try #require(fake.port)
            let resolver = ScriptedResolver([
                "siteverify.test": [[127, 0, 0, 1]],
                "mixed.example": [[93, 184, 216, 34], [10, 0, 0, 9]],
            ])
            var policy = OutboundPolicy(environment: .test)
            policy.allowsHTTPNamesForTests = true
            let client = OutboundHTTPClient(policy: policy, resolver: resolver)
            let answer = try await client.post("http://siteverify.test:\(port)/ok", headers: [], body: ByteBuffer(string: "a=1"), timeout: .seconds(5))
            #expect(answer.status == 200)
            #expect(resolver.calls("siteverify.test") == 1)
            #expect(hosts.withLockedValue { $0 } == ["siteverify.test:\(port)"], "Host stays the name; the socket went to the checked address")

            // One private answer among public ones refuses the name before anything is sent.
            let error = await #expect(throws: OutboundHTTPClient.Refused.self) {
                try await client.post("https://mixed.example/x", headers: [], body: ByteBuffer(), timeout: .seconds(5))
            }
            #expect(error?.reason == .forbiddenAddress)
            // Plain http to a name that resolves to a public address is refused even in tests.
            let plain = OutboundHTTPClient(policy: policy, resolver: ScriptedResolver(["public.example": [[93, 184, 216, 34]]]))
            await #expect(throws: OutboundHTTPClient.Refused.self) {
                try await plain.post("http://public.example/x", headers: [], body: ByteBuffer(), timeout: .seconds(5))
            }
        }
    }

    @Test func onlyPlatformKeysSetVerifyUrlAndOnlyToPublicHTTPS() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            let (_, tpa) = try await services.adminKeys.create(name: "tpa", role: .planAdmin, plans: [PlanSlug(f.slug)!])
            let recaptcha: [String: Any] = ["provider": "recaptcha", "siteKey": "k", "secret": "s"]
            var withURL = recaptcha
            withURL["verifyUrl"] = "https://siteverify.example.com/recaptcha"
            let byTPA = try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(tpa), body: .json(["challenge": withURL]))
            #expect(byTPA.status == .unprocessableContent)
            #expect(try byTPA.problemCode() == "challenge_verify_url_forbidden")
            #expect((try byTPA.object()["errors"] as? [[String: Any]])?.first?["rule"] as? String == "platform_only")
            // The plan-admin picks a provider; its own siteverify host is used.
            let plain = try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(tpa), body: .json(["challenge": recaptcha]))
            #expect(plain.status == .ok)

            for url in ["https://169.254.169.254/latest/meta-data", "https://[::ffff:10.1.2.3]/x", "http://siteverify.example.com/x", "https://localhost/x"] {
                var body = recaptcha
                body["verifyUrl"] = url
                let byPlatform = try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": body]))
                #expect(byPlatform.status == .unprocessableContent, "\(url)")
                #expect(try byPlatform.problemCode() == "challenge_verify_url_forbidden", "\(url)")
            }
            withURL["verifyUrl"] = "https://siteverify.example.com/recaptcha"
            #expect(try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": withURL])).status == .ok)
        }
    }

    /// A 307 to another path is not followed (a redirect would take the call anywhere).
    @Test func siteverifyDoesNotFollowRedirects() async throws {
        let log = SiteverifyLog()
        try await fakeSiteverify(log).test(.live) { fake in
            let base = "http://127.0.0.1:\(try #require(fake.port))"
            try await TestEnvironment.withApp { client, _, key in
                let f = try await MemberFixture.make(client: client, key: key)
                let configured = try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": [
                    "provider": "turnstile", "siteKey": "k", "secret": "s", "verifyUrl": "\(base)/redirect",
                ]]))
                #expect(configured.status == .ok)
                let response = try await f.submitIdentity(client, challengeToken: "token")
                #expect(response.status == .serviceUnavailable)
                #expect(try response.problemCode() == "challenge_unavailable")
                #expect(await log.forms.count == 1, "only the redirecting endpoint was called")
            }
        }
    }

    /// A URL stored before this policy (or written behind the API's back) is refused when it would
    /// be called: 503 `challenge_unavailable`, a log line, and nothing sent.
    @Test func storedPrivateVerifyUrlIsRefusedAtRequestTime() async throws {
        let log = SiteverifyLog()
        let capture = LogCapture()
        try await fakeSiteverify(log).test(.live) { fake in
            let base = "http://127.0.0.1:\(try #require(fake.port))"
            try await TestEnvironment.withApp(logger: capture.logger, configure: { $0.environment = .development }) { client, services, key in
                let f = try await MemberFixture.make(client: client, key: key)
                #expect(try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["challenge": [
                    "provider": "turnstile", "siteKey": "k", "secret": "s",
                ]])).status == .ok)
                try await services.postgres.query("""
                    UPDATE control.plans SET settings = jsonb_set(settings, '{challenge,verifyUrl}', to_jsonb(\(base + "/ok")::text))
                    WHERE slug = \(f.slug)
                    """)
                services.planCache?.evict(try PlanSlug.parse(f.slug))
                let response = try await f.submitIdentity(client, challengeToken: "token")
                #expect(response.status == .serviceUnavailable)
                #expect(try response.problemCode() == "challenge_unavailable")
                #expect(await log.forms.isEmpty, "nothing reached the private address")
                #expect(capture.all.contains { $0.contains("outbound policy") && $0.contains("reason=scheme") })
            }
        }
    }
}

/// A resolver that answers from a table and counts the questions.
final class ScriptedResolver: OutboundResolver {
    let table: [String: [[UInt8]]]
    private let asked = NIOLockedValueBox<[String: Int]>([:])

    init(_ table: [String: [[UInt8]]]) { self.table = table }

    func calls(_ host: String) -> Int { asked.withLockedValue { $0[host] ?? 0 } }

    func resolve(host: String) async throws -> [[UInt8]] {
        asked.withLockedValue { $0[host, default: 0] += 1 }
        guard let answer = table[host] else { throw SystemResolver.Failure(description: "NXDOMAIN") }
        return answer
    }
}
