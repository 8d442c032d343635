import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import Testing

@testable import PlanPortal

/// Issue #15: the global chain folded into `EdgeMiddleware` (and the plan routes' into
/// `PlanGroupMiddleware`) answers what the six middlewares answered.
@Suite struct EdgeMiddlewareTests {
    /// Problems (the route's, the plan's, the session's, the router's) and 405s carry every header
    /// the outer steps add: security headers, `no-store`, `X-Request-Id` (the body's `requestId`),
    /// `Vary: Origin` and the CORS grant of the plan's origin.
    /// Hummingbird's request ids: hex, a per-process part then 16 digits (the process's part has no
    /// leading zeros, so an id is 32 digits in most processes, fewer in some).
    static func isRequestID(_ id: String) -> Bool {
        (17...32).contains(id.utf8.count) && id.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    @Test func problemsAndMethodNotAllowedCarryEveryHeader() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let origin = CrossOriginTests.portal
            let cases: [(uri: String, method: HTTPRequest.Method, status: HTTPResponse.Status, code: String, granted: Bool)] = [
                ("\(f.base)/security-questions", .put, .methodNotAllowed, "method_not_allowed", true),
                ("\(f.base)/me", .get, .unauthorized, "unauthorized", true),
                ("\(f.base)/nothing-here", .get, .notFound, "not_found", true),
                ("/v1/plans/no-such-plan/terms", .get, .notFound, "plan_not_found", false),
                ("/v1/plans/Not_A_Slug/terms", .get, .unprocessableContent, "invalid_plan_slug", false),
            ]
            for c in cases {
                let what = "\(c.method) \(c.uri)"
                try await client.execute(uri: c.uri, method: c.method, headers: [.origin: origin, .acceptLanguage: "en"]) { response in
                    #expect(response.status == c.status, "\(what)")
                    SecurityHeadersTests.expectAPIHeaders(response, what)
                    #expect(response.headers[.cacheControl] == "no-store", "\(what)")
                    #expect(response.headers[.contentType] == "application/problem+json", "\(what)")
                    #expect(response.headers[.contentLanguage] == "en", "\(what)")
                    #expect(response.headers[.vary] == "Origin", "\(what)")
                    #expect(response.headers[.accessControlAllowOrigin] == (c.granted ? origin : nil), "\(what)")
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(body?["code"] as? String == c.code, "\(what)")
                    let requestID = try #require(response.headers[.requestID], "\(what)")
                    #expect(Self.isRequestID(requestID) && body?["requestId"] as? String == requestID, "\(what)")
                }
            }
            try await client.execute(uri: "\(f.base)/security-questions", method: .put) { response in
                #expect(response.headers[.allow] == "GET")
            }
            // A preflight, answered before the method check, gets the security headers too.
            try await client.execute(uri: "\(f.base)/sessions", method: .options, headers: CrossOriginTests.preflight(origin)) { response in
                #expect(response.status == .noContent)
                SecurityHeadersTests.expectAPIHeaders(response, "preflight")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.requestID] != nil)
            }
            // Outside `/v1/`: the security headers and the request id, no `Cache-Control`, no `Vary`.
            try await client.execute(uri: "/healthz", method: .get, headers: [.origin: origin]) { response in
                #expect(response.status == .ok)
                SecurityHeadersTests.expectAPIHeaders(response, "healthz")
                #expect(response.headers[.cacheControl] == nil && response.headers[.vary] == nil)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
                #expect(response.headers[.requestID].map(Self.isRequestID) == true)
            }
            try await client.execute(uri: "/healthz", method: .delete) { response in
                #expect(response.status == .methodNotAllowed && response.headers[.allow] == "GET")
                SecurityHeadersTests.expectAPIHeaders(response, "405 outside /v1/")
            }
        }
    }

    /// At `info`, one line per request with its method, route template (never the raw path), status and time.
    @Test func logsOneLinePerRequestWithTheRouteTemplate() async throws {
        let capture = LogCapture()
        try await TestEnvironment.withApp(logger: capture.logger, configure: { $0.logLevel = .info }) { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key)
            try await client.execute(uri: "\(f.base)/security-questions", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "\(f.base)/activations/secret-token-\(f.slug)", method: .get) { #expect($0.status == .notFound) }
        }
        let lines = capture.all.filter { $0.contains(" request ") }
        #expect(lines.contains { $0.contains("method=GET") && $0.contains("route=/v1/plans/{plan}/security-questions") && $0.contains("status=200") && $0.contains("ms=") }, "\(lines)")
        #expect(lines.contains { $0.contains("route=/v1/plans/{plan}/activations/{token}") && $0.contains("status=404") }, "\(lines)")
        #expect(capture.all.allSatisfy { !$0.contains("secret-token-") }, "the raw path never reaches the log")
    }

    /// `RequestMetrics` writes the series Hummingbird's `MetricsMiddleware` writes for the same
    /// requests (names, labels, counts), run side by side with the same routes.
    @Test func requestMetricsKeepHummingbirdsNamesAndLabelProblemsWithTheirStatus() async throws {
        let routes = RouteTable()
        @Sendable func addRoutes(to router: Router<AppRequestContext>) {
            router.get("ok") { _, _ in Response(status: .ok) }
            router.get("v1/things/{id}") { _, _ -> Response in throw Problem.notFound }
            router.post("v1/things/{id}") { _, _ -> Response in throw HTTPError(.badRequest) }
        }
        @Sendable func exercise(_ router: Router<AppRequestContext>) async throws {
            addRoutes(to: router)
            routes.load(router.routes)
            try await Application(router: router, logger: TestEnvironment.logger).test(.router) { client in
                for _ in 0..<3 { try await client.execute(uri: "/ok", method: .get) { _ in } }
                try await client.execute(uri: "/v1/things/1", method: .get) { _ in }
                try await client.execute(uri: "/v1/things/2", method: .post) { _ in }
                try await client.execute(uri: "/ok", method: .put) { _ in }
                try await client.execute(uri: "/nowhere", method: .get) { _ in }
            }
        }
        func series(_ registry: PrometheusCollectorRegistry) -> [String] {
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            // Bucket counts and sums depend on timing; the series and their counts do not.
            return String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init)
                .filter { !$0.contains("_bucket") && !$0.contains("_sum") }.sorted()
        }
        let theirs = PrometheusCollectorRegistry()
        try await withMetricsFactory(PrometheusMetricsFactory(registry: theirs)) {
            let router = Router(context: AppRequestContext.self)
            router.add(middleware: MetricsMiddleware())
            router.add(middleware: MethodNotAllowedStep(routes: routes))
            try await exercise(router)
        }
        let ours = PrometheusCollectorRegistry()
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: EdgeMiddleware(
            clientAddress: ClientAddress(proxies: .init()), crossOrigin: CrossOrigin(plans: NoPlans(), adminOrigins: [], table: routes),
            metrics: RequestMetrics(factory: PrometheusMetricsFactory(registry: ours)), routes: routes
        ))
        try await exercise(router)
        let expected = series(theirs)
        #expect(expected.contains { $0.hasPrefix("hb_requests") && $0.contains(#"http_route="/ok""#) && $0.contains(#"http_response_status_code="200""#) && $0.hasSuffix(" 3") }, "\(expected)")
        #expect(expected.contains { $0.hasPrefix("hb_request_errors") && $0.contains(#"error_type="400""#) }, "\(expected)")
        // Hummingbird's middleware labels a thrown `Problem` 500 (it is no `HTTPResponseError`);
        // ours labels it with the status it is answered with: the 404 problem and the 405.
        let mine = series(ours)
        #expect(mine.contains { $0.hasPrefix("hb_requests") && $0.contains(#"http_route="/v1/things/{id}""#) && $0.contains(#"method="GET""#) && $0.contains(#"status_code="404""#) }, "\(mine)")
        #expect(mine.contains { $0.hasPrefix("hb_request_errors") && $0.contains(#"method="PUT""#) && $0.contains(#"error_type="405""#) }, "\(mine)")
        #expect(!mine.contains { $0.contains(#""500""#) }, "\(mine)")
        func problemsAs500(_ line: String) -> String {
            guard line.contains(#"method="PUT""#) || (line.contains(#"http_route="/v1/things/{id}""#) && line.contains(#"method="GET""#)) else { return line }
            return line.replacingOccurrences(of: #""404""#, with: #""500""#).replacingOccurrences(of: #""405""#, with: #""500""#)
        }
        // Every other series, name, label and count, is Hummingbird's.
        #expect(mine.map(problemsAs500).sorted() == expected)
    }
}

/// Step 6 alone, as the old chain ran it under Hummingbird's `MetricsMiddleware`.
private struct MethodNotAllowedStep: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            throw routes.methodNotAllowed(request, else: error)
        }
    }
}

/// No plan at all (the metrics test's routes are not a plan's).
private struct NoPlans: PlanRepository {
    func create(_ input: ValidPlanInput, audit: NewAuditEvent) async throws -> Plan { throw Problem.planNotFound }
    func list(slugs: [String]?) async throws -> [Plan] { [] }
    func find(_ slug: PlanSlug) async throws -> Plan? { nil }
    func update(_ slug: PlanSlug, patch: PlanPatch, audit: NewAuditEvent) async throws -> Plan? { nil }
}
