import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// Issue #11 §6: response headers, the documentation page, and where `/metrics` is served.
@Suite struct SecurityHeadersTests {
    static func expectAPIHeaders(_ response: TestResponse, _ what: String) {
        #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(what)")
        #expect(response.headers[.referrerPolicy] == "no-referrer", "\(what)")
        #expect(response.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'", "\(what)")
    }

    @Test func v1ResponsesCarrySecurityAndCacheHeaders() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key, challenge: "pow")
            for path in ["terms", "password-policy", "security-questions"] {
                let response = try await client.execute(uri: "\(f.base)/\(path)", method: .get, headers: [.acceptLanguage: "en"])
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.cacheControl] == "public, max-age=300", "\(path) is a public document")
                #expect(response.headers[.vary] == "Accept-Language, Origin", "\(path)")
                Self.expectAPIHeaders(response, path)
            }
            let challenge = try await client.execute(uri: "\(f.base)/challenge", method: .get)
            #expect(challenge.headers[.cacheControl] == "no-store", "each proof-of-work challenge is single-use")
            Self.expectAPIHeaders(challenge, "challenge")
            let admin = try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .get, headers: .admin(key))
            #expect(admin.status == .ok && admin.headers[.cacheControl] == "no-store")
            Self.expectAPIHeaders(admin, "admin")
            let problem = try await client.execute(uri: "/v1/plans/no-such-plan/terms", method: .get)
            #expect(problem.status == .notFound && problem.headers[.cacheControl] == "no-store")
            Self.expectAPIHeaders(problem, "problem")
            let registration = try await client.execute(uri: "\(f.base)/registrations", method: .post, headers: [.contentType: "application/json"],
                                                        body: .json(["email": f.email, "emailConfirmation": f.email]))
            #expect(registration.status == .created && registration.headers[.cacheControl] == "no-store")
            let contract = try await client.execute(uri: "/openapi.json", method: .get)
            Self.expectAPIHeaders(contract, "openapi.json")
        }
    }

    @Test func docsLoadsAPinnedViewerWithIntegrityUnderItsOwnPolicy() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            let response = try await client.execute(uri: "/docs", method: .get)
            #expect(response.status == .ok)
            let page = String(buffer: response.body)
            let script = try #require(page.range(of: #"<script src="https://cdn\.jsdelivr\.net/npm/redoc@\d+\.\d+\.\d+/bundles/redoc\.standalone\.js" integrity="sha384-[A-Za-z0-9+/=]{64}" crossorigin="anonymous">"#, options: .regularExpression))
            #expect(!page[script].contains("latest"))
            #expect(page.components(separatedBy: "<script").count == 2, "one script, no inline code")
            let policy = try #require(response.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src https://cdn.jsdelivr.net;"))
            #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"))
            #expect(!policy.contains("script-src 'unsafe") && !policy.contains("script-src *"))
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        }
    }

    @Test func metricsStayOffThePublicListenerInProduction() async throws {
        try await TestEnvironment.withApp(configure: { $0.environment = .production }) { client, _, _ in
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .notFound)
        }
        try await TestEnvironment.withApp { client, _, _ in
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok, "development and tests keep it on the main port")
        }
    }

    /// The clusters the scripts start ask for a password on TCP and keep it to their owner.
    @Test func localClustersNeverTrustTCP() async throws {
        let cluster = try await DurableCluster.make()
        defer { cluster.remove() }
        let url = try cluster.start()
        let hba = try String(contentsOf: cluster.directory.appendingPathComponent("data/pg_hba.conf"), encoding: .utf8)
        let rules = hba.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(!rules.isEmpty)
        #expect(rules.allSatisfy { !$0.contains("trust") }, "\(rules)")
        #expect(rules.filter { $0.hasPrefix("host") }.allSatisfy { $0.contains("scram-sha-256") })
        let mode = try FileManager.default.attributesOfItem(atPath: cluster.directory.appendingPathComponent("pg-password").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // Without the password, TCP is refused.
        var components = try #require(URLComponents(string: url))
        #expect(components.password != nil)
        components.password = nil
        var config = try DatabaseURL.configuration(from: try #require(components.string))
        config.options.connectTimeout = .seconds(3)
        let client = PostgresClient(configuration: config, backgroundLogger: TestEnvironment.logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            await #expect(throws: (any Error).self) {
                try await withDeadline(.seconds(5)) { for try await _ in try await client.query("SELECT 1") {} }
            }
            group.cancelAll()
        }
    }
}
