import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@testable import PlanPortal

/// Issue #11 §3 (hashing and HTTP limits): what an admin or a member can push.
@Suite struct HashingLimitsTests {
    @Test func planAdminsStayUnderTheArgon2Caps() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let slug = TestEnvironment.uniqueSlug("cost")
            #expect(try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))).status == .created)
            let (_, tpa) = try await services.adminKeys.create(name: "tpa", role: .planAdmin, plans: [PlanSlug(slug)!])
            func patch(_ key: String, _ argon2: [String: Any]) async throws -> TestResponse {
                try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .patch, headers: .admin(key), body: .json(["argon2": argon2]))
            }
            let tooDear = try await patch(tpa, ["memoryKiB": 131_072, "iterations": 5, "parallelism": 3])
            #expect(tooDear.status == .unprocessableContent)
            let errors = try #require(try tooDear.object()["errors"] as? [[String: Any]])
            #expect(Set(errors.compactMap { $0["field"] as? String }) == ["argon2.memoryKiB", "argon2.iterations", "argon2.parallelism"])
            #expect(errors.allSatisfy { $0["rule"] as? String == "plan_admin_max" })
            #expect(try await patch(tpa, ["memoryKiB": 65_536, "iterations": 4, "parallelism": 2]).status == .ok)
            // Platform keys go up to the hard caps; a plan-admin may then change another field.
            #expect(try await patch(key, ["memoryKiB": 262_144, "iterations": 10, "parallelism": 4]).status == .ok)
            #expect(try await patch(tpa, ["parallelism": 1]).status == .ok)
            #expect(try await patch(key, ["memoryKiB": 262_145]).status == .unprocessableContent)
        }
    }

    /// Eight 32 MiB hashes on four threads with a 64 MiB budget: never more than two at once.
    @Test func concurrentHashesStayWithinTheMemoryBudget() async throws {
        let hasher = PasswordHasher(concurrency: 4, queueLimit: 32, memoryBudgetMiB: 64)
        let cost = Argon2Parameters(memoryKiB: 32_768, iterations: 1, parallelism: 1)
        try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<8 { group.addTask { try await hasher.hash("p\(i)", parameters: cost) } }
            var made = 0
            for try await phc in group where phc.hasPrefix("$argon2id$v=19$m=32768") { made += 1 }
            #expect(made == 8, "every hash waited for room instead of failing")
        }
        #expect(hasher.scheduler.peakMemoryKiB == 65_536, "two at a time, never three")
        await #expect(throws: PasswordHasher.HashingFailed.self) {
            try await hasher.hash("x", parameters: Argon2Parameters(memoryKiB: 131_072, iterations: 1, parallelism: 1))
        }
    }

    /// One plan's flood of unknown e-mails fills only its half of the hashing queue: its excess
    /// gets 503 `service_busy` with `Retry-After`, and another plan's login still gets its answer.
    @Test func oneFloodingPlanCannotTakeTheWholeQueue() async throws {
        try await TestEnvironment.withApp(configure: {
            $0.hashConcurrency = 1
            $0.hashQueueLimit = 8
            $0.rateLimitsEnabled = false
        }) { client, services, key in
            let flooded = try await MemberFixture.make(client: client, key: key, terms: false)
            let other = try await MemberFixture.make(client: client, key: key, terms: false)
            // A dear cost keeps the single thread busy while the flood queues up.
            #expect(try await client.execute(uri: "/v1/admin/plans/\(flooded.slug)", method: .patch, headers: .admin(key),
                                             body: .json(["argon2": ["memoryKiB": 65_536, "iterations": 3]])).status == .ok)
            let json: HTTPFields = [.contentType: "application/json"]
            let outcomes = NIOLockedValueBox<[(Int, String?, String?)]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<24 {
                    group.addTask {
                        let response = try await client.execute(uri: "\(flooded.base)/sessions", method: .post, headers: json,
                                                                body: .json(["email": "nobody\(i)@umontreal.ca", "password": "Wrong#Pass1"]))
                        let code = try? response.object()["code"] as? String
                        outcomes.withLockedValue { $0.append((response.status.code, code, response.headers[.retryAfter])) }
                    }
                }
                // Wait until the flood holds its whole share of the queue, then log in on the other plan.
                var full = false
                for _ in 0..<200 where !full {
                    full = services.hasher.scheduler.waiting(plan: flooded.slug) >= 4
                    if !full { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(full)
                let answer = try await client.execute(uri: "\(other.base)/sessions", method: .post, headers: json,
                                                      body: .json(["email": "someone@umontreal.ca", "password": "Wrong#Pass1"]))
                #expect(answer.status == .unauthorized, "the other plan is answered, not turned away")
                #expect(try answer.problemCode() == "invalid_credentials")
                try await group.waitForAll()
            }
            let all = outcomes.withLockedValue { $0 }
            let busy = all.filter { $0.0 == 503 }
            #expect(!busy.isEmpty)
            #expect(busy.allSatisfy { $0.1 == "service_busy" && $0.2 != nil })
            // Its own share was served (fewer than 1 + 4 when racing callers first build the dummy hash).
            #expect(all.filter { $0.0 == 401 }.count >= 1, "the flood's own share was still served")
            #expect(all.allSatisfy { $0.0 == 401 || $0.0 == 503 })
        }
    }

    /// An unknown e-mail costs what a wrong password costs: it is verified against a dummy hash
    /// made with the plan's own cost (which the caps above bound), not a cheaper default.
    @Test func unknownEmailsAreVerifiedAtThePlansCost() async throws {
        try await TestEnvironment.withApp(configure: { $0.rateLimitsEnabled = false }) { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            let cost = Argon2Parameters(memoryKiB: 24_576, iterations: 3, parallelism: 1)
            #expect(try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key),
                                             body: .json(["argon2": ["memoryKiB": 24_576, "iterations": 3]])).status == .ok)
            #expect(!services.hasher.hasDummy(for: cost))
            let response = try await client.execute(uri: "\(f.base)/sessions", method: .post, headers: [.contentType: "application/json"],
                                                    body: .json(["email": "nobody.here@umontreal.ca", "password": "Wrong#Pass1"]))
            #expect(response.status == .unauthorized)
            #expect(services.hasher.hasDummy(for: cost), "the dummy hash has the plan's cost")
        }
    }

    /// An idle connection is closed, and a request head past the limit is refused before any handler.
    @Test func serverClosesIdleConnectionsAndRefusesHugeHeads() async throws {
        var config = try TestEnvironment.config()
        config.httpIdleTimeoutSeconds = 2
        config.port = 0
        // Other suites read what they queue in the shared outbox; this server must not send it.
        config.outboxDelivery = false
        let app = try buildApplication(config, logger: TestEnvironment.logger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let idle = try await RawHTTP.exchange(port: port, send: nil, waitSeconds: 6)
            #expect(idle.closed, "the idle connection was closed by the server")
            #expect(idle.elapsed < .seconds(4), "within the idle timeout, took \(idle.elapsed)")

            let small = try await RawHTTP.exchange(port: port, send: "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: \(String(repeating: "a", count: 2000))\r\nConnection: close\r\n\r\n", waitSeconds: 4)
            #expect(small.text.hasPrefix("HTTP/1.1 200"), "\(small)")
            let huge = try await RawHTTP.exchange(port: port, send: "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: \(String(repeating: "a", count: 20_000))\r\n\r\n", waitSeconds: 4)
            #expect(!huge.text.hasPrefix("HTTP/1.1 200"), "a 20 KB header is not served")
            #expect(huge.closed)
        }
    }
}

/// A plain TCP exchange with the server: send bytes (or nothing), read until the server closes
/// or `waitSeconds` pass.
enum RawHTTP {
    struct Outcome {
        var text: String
        var closed: Bool
        var elapsed: Duration
    }

    static func exchange(port: Int, send: String?, waitSeconds: Int) async throws -> Outcome {
        try await Task.detached {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 else { throw ConfigError("connect failed") }
            var timeout = timeval(tv_sec: waitSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let started = ContinuousClock.now
            if let send { _ = send.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) } }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            var closed = false
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { received += buffer[0..<n]; continue }
                closed = n == 0 || (n < 0 && errno == ECONNRESET)
                break
            }
            return Outcome(text: String(decoding: received, as: UTF8.self), closed: closed, elapsed: ContinuousClock.now - started)
        }.value
    }
}
