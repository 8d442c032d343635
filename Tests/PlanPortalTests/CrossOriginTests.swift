import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PlanPortal

/// Issue #12: CORS for universities' own browser apps, per plan; none for the admin API unless
/// `ADMIN_ALLOWED_ORIGINS` names an origin.
@Suite struct CrossOriginTests {
    static let portal = "https://portal.example.ca"

    static func preflight(_ origin: String, method: String = "POST", headers: String = "content-type") -> HTTPFields {
        [.origin: origin, .accessControlRequestMethod: method, .accessControlRequestHeaders: headers]
    }

    static func expectNoGrant(_ response: TestResponse, _ what: String) {
        #expect(response.headers[.accessControlAllowOrigin] == nil, "\(what)")
        #expect(response.headers[.accessControlAllowMethods] == nil, "\(what)")
        #expect(response.headers[.accessControlExposeHeaders] == nil, "\(what)")
        #expect(response.headers[.accessControlAllowCredentials] == nil, "\(what)")
    }

    @Test(.tags(.updatePlan, .getPublicPlan)) func thePortalsOriginIsGrantedByDefaultAndNoOtherIs() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key)
            try await client.execute(uri: "\(f.base)/sessions", method: .options, headers: Self.preflight(Self.portal)) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == Self.portal)
                #expect(response.headers[.accessControlAllowMethods] == "POST")
                #expect(response.headers[.accessControlAllowHeaders] == "Authorization, Content-Type, Idempotency-Key, Accept-Language")
                #expect(response.headers[.accessControlMaxAge] == "600")
                #expect(response.headers[.accessControlAllowCredentials] == nil)
                #expect(response.headers[.vary] == "Origin")
                #expect(response.headers[.requestID] != nil)
            }
            try await client.execute(uri: "\(f.base)/me", method: .options, headers: Self.preflight(Self.portal, method: "PATCH", headers: "authorization, content-type")) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowMethods] == "GET, PATCH")
            }
            for origin in ["https://evil.example.com", "https://portal.example.ca.evil.com", "http://portal.example.ca", "null"] {
                try await client.execute(uri: "\(f.base)/sessions", method: .options, headers: Self.preflight(origin)) { response in
                    #expect(response.status == .noContent, "\(origin)")
                    Self.expectNoGrant(response, origin)
                    #expect(response.headers[.vary] == "Origin")
                }
            }
            // Actual requests: the grant and the exposed headers for the portal, nothing for others.
            try await client.execute(uri: "\(f.base)/terms", method: .get, headers: [.origin: Self.portal]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == Self.portal)
                #expect(response.headers[.accessControlExposeHeaders] == "Retry-After, RateLimit, RateLimit-Policy, X-Request-Id, Content-Language")
                #expect(response.headers[.vary] == "Accept-Language, Origin")
            }
            try await client.execute(uri: "\(f.base)/me", method: .get, headers: [.origin: Self.portal]) { response in
                #expect(response.status == .unauthorized, "problems carry the grant too, so the page can read them")
                #expect(response.headers[.accessControlAllowOrigin] == Self.portal)
            }
            try await client.execute(uri: "\(f.base)", method: .get, headers: [.origin: "https://evil.example.com"]) { response in
                #expect(response.status == .ok)
                Self.expectNoGrant(response, "actual request from another origin")
                #expect(response.headers[.vary] == "Origin")
            }
            try await client.execute(uri: "\(f.base)/terms", method: .get) { response in
                #expect(response.headers[.vary] == "Accept-Language, Origin", "Vary: Origin without an Origin too, for shared caches")
            }
            // An OPTIONS that is not a preflight stays 405; a preflight of an unknown path stays 404.
            try await client.execute(uri: "\(f.base)/sessions", method: .options, headers: [.origin: Self.portal]) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "\(f.base)/nothing-here", method: .options, headers: Self.preflight(Self.portal)) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/healthz", method: .options, headers: Self.preflight(Self.portal)) { response in
                #expect(response.status == .methodNotAllowed, "only the API's plan and admin routes speak CORS")
            }
        }
    }

    @Test(.tags(.updatePlan, .getPlan)) func allowedOriginsAreSetPerPlanAndReturnToTheDefault() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let other = try await MemberFixture.make(client: client, key: key)
            let university = "https://my.umontreal.ca"
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key),
                                     body: .json(["allowedOrigins": ["HTTPS://My.UMontreal.ca:443", "http://localhost:3000"]])) { response in
                #expect(response.status == .ok)
                try #expect(response.object()["allowedOrigins"] as? [String] == [university, "http://localhost:3000"])
            }
            for (origin, granted) in [(university, true), ("http://localhost:3000", true), (Self.portal, false)] {
                try await client.execute(uri: "\(f.base)/sessions", method: .options, headers: Self.preflight(origin)) { response in
                    #expect((response.headers[.accessControlAllowOrigin] == origin) == granted, "\(origin)")
                }
            }
            // Another plan's list grants nothing here, and this plan's grants nothing there.
            try await client.execute(uri: "\(other.base)/sessions", method: .options, headers: Self.preflight(university)) { response in
                Self.expectNoGrant(response, "another plan")
            }
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["allowedOrigins": NSNull()])) { response in
                try #expect(response.object()["allowedOrigins"] as? [String] == [Self.portal])
            }
            try await client.execute(uri: "\(f.base)/sessions", method: .options, headers: Self.preflight(Self.portal)) { response in
                #expect(response.headers[.accessControlAllowOrigin] == Self.portal)
            }
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["allowedOrigins": [String]()])) { response in
                try #expect(response.object()["allowedOrigins"] as? [String] == [])
            }
            try await client.execute(uri: "\(f.base)/sessions", method: .options, headers: Self.preflight(Self.portal)) { response in
                Self.expectNoGrant(response, "an empty list grants none")
            }
            let bad: [Any] = ["https://a.example.ca/path", "http://plain.example.ca", "*", "https://a.example.ca?x=1", "https://dup.example.ca", "https://DUP.example.ca"]
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key, language: "en"), body: .json(["allowedOrigins": bad])) { response in
                #expect(response.status == .unprocessableContent)
                let errors = try #require(try response.object()["errors"] as? [[String: Any]])
                #expect(errors.compactMap { $0["field"] as? String } == [0, 1, 2, 3, 5].map { "allowedOrigins[\($0)]" })
                #expect(errors.compactMap { $0["rule"] as? String } == ["origin", "origin", "origin", "origin", "unique"])
            }
        }
    }

    @Test(.tags(.listPlans)) func theAdminAPIGrantsOnlyTheConfiguredOrigins() async throws {
        try await TestEnvironment.withApp { client, _, key in
            try await client.execute(uri: "/v1/admin/plans", method: .options, headers: Self.preflight(Self.portal, method: "GET", headers: "authorization")) { response in
                #expect(response.status == .noContent)
                Self.expectNoGrant(response, "no ADMIN_ALLOWED_ORIGINS")
            }
            var headers = HTTPFields.admin(key)
            headers[.origin] = Self.portal
            try await client.execute(uri: "/v1/admin/plans", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                Self.expectNoGrant(response, "no ADMIN_ALLOWED_ORIGINS")
                #expect(response.headers[.vary] == "Origin")
            }
        }
        let console = "https://admin.planportal.example.ca"
        try await TestEnvironment.withApp(configure: { $0.adminAllowedOrigins = [WebOrigin(console)!] }) { client, _, key in
            try await client.execute(uri: "/v1/admin/plans", method: .options, headers: Self.preflight(console, method: "GET", headers: "authorization")) { response in
                #expect(response.headers[.accessControlAllowOrigin] == console)
                #expect(response.headers[.accessControlAllowMethods] == "GET, POST")
            }
            var headers = HTTPFields.admin(key)
            headers[.origin] = console
            try await client.execute(uri: "/v1/admin/plans", method: .get, headers: headers) { response in
                #expect(response.headers[.accessControlAllowOrigin] == console)
            }
            try await client.execute(uri: "/v1/admin/plans", method: .options, headers: Self.preflight(Self.portal, method: "GET")) { response in
                Self.expectNoGrant(response, "an origin the operator did not name")
            }
        }
    }

    @Test func adminAllowedOriginsAreParsedStrictly() throws {
        let config = try AppConfig.fromEnvironment(["DATABASE_URL": "postgres://u@127.0.0.1/db", "ADMIN_ALLOWED_ORIGINS": "https://Admin.Example.ca, http://localhost:8080"])
        #expect(config.adminAllowedOrigins.map(\.value) == ["https://admin.example.ca", "http://localhost:8080"])
        for bad in ["https://admin.example.ca/console", "http://admin.example.ca", "*"] {
            #expect(throws: ConfigError.self, "\(bad)") {
                try AppConfig.fromEnvironment(["DATABASE_URL": "postgres://u@127.0.0.1/db", "ADMIN_ALLOWED_ORIGINS": bad])
            }
        }
    }

    @Test func originsAreNormalisedAsBrowsersSendThem() {
        #expect(WebOrigin("HTTPS://Portail.Example.CA:443")?.value == "https://portail.example.ca")
        #expect(WebOrigin("https://portail.example.ca:8443")?.value == "https://portail.example.ca:8443")
        #expect(WebOrigin("http://127.0.0.1:8080")?.value == "http://127.0.0.1:8080")
        #expect(WebOrigin("http://[::1]:3000")?.value == "http://[::1]:3000")
        #expect(WebOrigin(ofURL: "http://127.0.0.1:8080/portal/ramu-demo")?.value == "http://127.0.0.1:8080")
        for bad in ["null", "https://", "https://a.example.ca/", "ftp://a.example.ca", "https://user@a.example.ca", "https://é.example.ca", "http://example.ca"] {
            #expect(WebOrigin(bad) == nil, "\(bad)")
        }
    }
    @Test func theScopeOfAPathIsItsFirstSegments() {
        let cases: [(String, CrossOrigin.Scope?)] = [
            ("/v1/plans/ramu-demo/security-questions", .plan("ramu-demo")), ("/v1/plans/x", .plan("x")), ("//v1//plans//abc//", .plan("abc")),
            ("/v1/admin", .admin), ("/v1/admin/plans/x", .admin), ("/v1/plans", nil), ("/v1/plans/", nil), ("/v1", nil), ("/", nil), ("", nil),
            ("/healthz", nil), ("/v2/plans/x", nil), ("/v1x/plans/x", nil), ("/portal/ramu-demo/", nil), ("/v1/planss/x", nil), ("v1/admin", .admin),
        ]
        for (path, scope) in cases {
            #expect(CrossOrigin.scope(of: Substring(path)) == scope, "\(path)")
        }
    }
}
