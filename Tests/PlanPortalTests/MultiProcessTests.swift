import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import PlanPortal

/// Real `planportal serve` processes over the test database.
struct ServerProcess {
    let process: Process
    let base: String

    /// The binary the test command built (`PLANPORTAL_BIN`); tests that need it fail without it.
    static func binary() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["PLANPORTAL_BIN"], FileManager.default.isExecutableFile(atPath: path) else {
            throw ConfigError("PLANPORTAL_BIN is not set to the built planportal binary: run the test command (deploy/local/test)")
        }
        return path
    }

    /// A port nobody listens on right now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }

    static func start(environment extra: [String: String] = [:]) async throws -> ServerProcess {
        let port = try await freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary())
        process.arguments = ["serve"]
        var env = ProcessInfo.processInfo.environment
        env["DATABASE_URL"] = try TestEnvironment.databaseURL()
        env["PORT"] = "\(port)"
        env["HOST"] = "127.0.0.1"
        env["APP_ENV"] = "test"
        env["LOG_LEVEL"] = "warning"
        env["ASSETS_DIR"] = repositoryRoot.path
        env["MAIL_DIR"] = FileManager.default.temporaryDirectory.appendingPathComponent("planportal-test-mail").path
        env["SMTP_URL"] = nil
        // Other suites read queued messages from the shared outbox; these servers must not send them.
        env["OUTBOX_DELIVERY"] = "off"
        // Webhook tests run their own delivery (WebhookDeliveryTests turns it on for its replicas).
        env["WEBHOOK_DELIVERY"] = "off"
        // Generous database deadlines under the whole suite's load (DatabaseOutageTests sets the real ones).
        env["DATABASE_ACQUIRE_TIMEOUT_MS"] = "30000"
        env["DATABASE_STATEMENT_TIMEOUT_MS"] = "60000"
        // Tests give themselves their own client address (`X-Forwarded-For`): 127.0.0.1 is shared
        // by every suite, and per-address login rules count across plans.
        env["TRUSTED_PROXIES"] = "127.0.0.1/32"
        env.merge(extra) { $1 }
        process.environment = env
        try process.run()
        return ServerProcess(process: process, base: "http://127.0.0.1:\(port)")
    }

    /// Waits for `/readyz`; false if the process exits or 60 s pass first.
    func ready() async -> Bool {
        for _ in 0..<300 {
            if !process.isRunning { return false }
            if let status = try? await Self.send("GET", "\(base)/readyz").status, status == .ok { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// Whether the process exits within `limit` (it is not signalled here).
    func exits(within limit: Duration) async -> Bool {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < limit {
            var status: Int32 = 0
            let reaped = waitpid(process.processIdentifier, &status, WNOHANG)
            // Foundation may have reaped it first (then waitpid says ECHILD).
            if reaped == process.processIdentifier || (reaped == -1 && errno == ECHILD) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    static func send(
        _ method: String, _ url: String, json: [String: Any]? = nil, bearer: String? = nil, from address: String? = nil
    ) async throws -> (status: HTTPResponseStatus, body: [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let address { request.headers.add(name: "X-Forwarded-For", value: address) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        }
        // Generous: creating a plan on a Citus coordinator while every suite runs can take long.
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(90))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
        return (response.status, object)
    }
}

@Suite(.serialized) struct MultiProcessTests {
    @Test(.tags(.createSession)) func twoServersShareTheLimits() async throws {
        let (_, key) = try await TestEnvironment.withServices { services in
            try await services.adminKeys.create(name: "multi-process", role: .platform, plans: [])
        }
        let a = try await ServerProcess.start()
        let b = try await ServerProcess.start()
        defer { a.stop(); b.stop() }
        #expect(await a.ready())
        #expect(await b.ready())

        let slug = TestEnvironment.uniqueSlug("two")
        var plan = planBody(slug: slug, domain: "umontreal.ca")
        plan["challenge"] = ["provider": "none"]
        #expect(try await ServerProcess.send("POST", "\(a.base)/v1/admin/plans", json: plan, bearer: key).status == .created)

        // Five reset requests per e-mail per hour, whichever replica takes them.
        var statuses: [UInt] = []
        for i in 0..<8 {
            let server = i.isMultiple(of: 2) ? a : b
            statuses.append(try await ServerProcess.send("POST", "\(server.base)/v1/plans/\(slug)/password-resets", json: ["email": "jeanne@umontreal.ca"]).status.code)
        }
        #expect(statuses == [202, 202, 202, 202, 202, 429, 429, 429])

        // Login attempts for one e-mail from one address: the sixth wants a challenge on either server.
        #expect(try await ServerProcess.send("PATCH", "\(a.base)/v1/admin/plans/\(slug)", json: ["challenge": ["provider": "pow"]], bearer: key).status.code == 200)
        // B cached the plan while serving the resets above; A's change reaches it through NOTIFY,
        // long before B's cache entry would expire (60 s).
        var seenOnB = ""
        for _ in 0..<50 {
            seenOnB = try await ServerProcess.send("GET", "\(b.base)/v1/plans/\(slug)/challenge").body["provider"] as? String ?? ""
            if seenOnB == "pow" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(seenOnB == "pow", "the other replica sees the new challenge provider within 5 s")
        var codes: [String] = []
        let address = TestAddress.unique()
        for i in 0..<7 {
            let server = i.isMultiple(of: 2) ? b : a
            let answer = try await ServerProcess.send(
                "POST", "\(server.base)/v1/plans/\(slug)/sessions", json: ["email": "luc@umontreal.ca", "password": "nope"], from: address
            )
            codes.append(answer.body["code"] as? String ?? "\(answer.status.code)")
        }
        #expect(codes == Array(repeating: "invalid_credentials", count: 5) + ["challenge_required", "challenge_required"])
    }

    /// A SIGTERM with nothing in flight ends the replica cleanly: exit status 0, as an orchestrator
    /// expects of a graceful stop (before, the background loops' cancelled sleeps came out as
    /// "Error: CancellationError()" and status 1).
    @Test func aGracefulShutdownExitsZero() async throws {
        let server = try await ServerProcess.start()
        defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
        #expect(await server.ready())
        // Past the services' first wait, so each one is sleeping in its loop when the signal comes.
        try await Task.sleep(for: .seconds(1))
        server.process.terminate()
        let deadline = ContinuousClock.now + .seconds(15)
        while server.process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!server.process.isRunning, "the server stops within 15 s of SIGTERM")
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
    }

    /// SIGTERM drains requests in flight, but no longer than `SHUTDOWN_GRACE_SECONDS`: a request
    /// that cannot finish (here one waiting on a row lock the test holds, under a 60 s statement
    /// timeout) cannot keep the replica alive.
    @Test func shutdownIsBoundedByItsGraceWhileARequestHangs() async throws {
        try await TestEnvironment.withServices { services in
            let (_, key) = try await services.adminKeys.create(name: "shutdown", role: .platform, plans: [])
            let server = try await ServerProcess.start(environment: ["SHUTDOWN_GRACE_SECONDS": "2"])
            defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
            #expect(await server.ready())
            let slug = TestEnvironment.uniqueSlug("drain")
            var plan = planBody(slug: slug, domain: "umontreal.ca")
            plan["challenge"] = ["provider": "none"]
            #expect(try await ServerProcess.send("POST", "\(server.base)/v1/admin/plans", json: plan, bearer: key).status == .created)
            let started = try await ServerProcess.send(
                "POST", "\(server.base)/v1/plans/\(slug)/registrations", json: ["email": "lea@umontreal.ca", "emailConfirmation": "lea@umontreal.ca"],
                from: TestAddress.unique()
            )
            let id = try #require((started.body["registrationId"] as? String).flatMap(UUID.init(uuidString:)))
            let schema = try #require(PlanSlug(slug)).quotedSchema
            try await services.postgres.withConnection { holder in
                try await holder.query("BEGIN", logger: TestEnvironment.logger)
                try await holder.query("SELECT 1 FROM \(unescaped: schema).registrations WHERE id = \(id) FOR UPDATE", logger: TestEnvironment.logger)
                let identity = Task { () -> UInt? in
                    try? await ServerProcess.send(
                        "POST", "\(server.base)/v1/plans/\(slug)/registrations/\(id)/identity",
                        json: ["lastName": "Roy", "firstName": "Léa", "dateOfBirth": "2000-01-01", "certificateNumber": "X1"], from: TestAddress.unique()
                    ).status.code
                }
                var waiting = 0
                for _ in 0..<100 where waiting == 0 {
                    // (Another connection: inside the holder's transaction pg_stat_activity is a snapshot.)
                    waiting = try await Database.allowingNestedLeases { try await services.postgres.query(
                        // Active, not idle in a transaction like the holder: on a Citus coordinator
                        // the lock wait itself happens on the worker.
                        "SELECT count(*)::int FROM pg_stat_activity WHERE state = 'active' AND query LIKE \("%" + schema + ".registrations%FOR UPDATE%")",
                        logger: TestEnvironment.logger
                    ).decode(Int.self).one() ?? 0 }
                    if waiting == 0 { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(waiting >= 1, "the request is waiting on the test's row lock")
                let signalled = ContinuousClock.now
                server.process.terminate()
                let exited = await server.exits(within: .seconds(15))
                let took = ContinuousClock.now - signalled
                try await holder.query("ROLLBACK", logger: TestEnvironment.logger)
                _ = await identity.value
                print("shutdown with a request waiting on a lock took \(took)")
                #expect(exited, "exits after its 2 s grace, not after the request's 60 s statement timeout")
                #expect(took >= .seconds(1), "it waited for the request before cancelling it")
            }
        }
    }

    @Test func productionRefusesToServeAPlanWithoutChallenge() async throws {
        let slug = try await TestEnvironment.withServices { services in
            let input = try PlanCreateInput(
                slug: TestEnvironment.uniqueSlug("open"), nameFr: "Ouvert", nameEn: "Open", emailDomains: ["example.ca"],
                portalUrl: "https://portal.example.ca", challenge: { var p = ChallengePatch(); p.provider = ChallengeProvider.none; return p }()
            ).validated()
            return try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system)).slug
        }
        // Everything else production needs is given, so the refusal is the plan's.
        let server = try await ServerProcess.start(environment: ["APP_ENV": "production", "SMTP_URL": "smtp://127.0.0.1:1", "SECRETS_KEY": try ProcessInfo.processInfo.environment["SECRETS_KEY"] ?? SecretBox.localKey(in: URL(fileURLWithPath: ".data"))])
        defer { server.stop() }
        #expect(await server.ready() == false, "serve must not start")
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus != 0)
        // Put the plan back to a real challenge so later runs of this test start from the same state.
        try await TestEnvironment.withServices { services in
            var patch = PlanPatch()
            var challenge = ChallengePatch()
            challenge.provider = .pow
            patch.challenge = challenge
            _ = try await services.plans.update(slug, patch: patch, audit: NewAuditEvent(action: "plan.updated", actor: .system))
        }
    }
}
