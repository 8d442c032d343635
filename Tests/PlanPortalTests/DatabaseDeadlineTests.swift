import Foundation
import Logging
import PostgresNIO
import Testing

@testable import PlanPortal

/// A request transaction is bounded on the client's side as well as by `statement_timeout`,
/// which only a live, reachable server can enforce. A PostgreSQL backend frozen with SIGSTOP
/// stands for a server that vanished or a network that dropped mid-statement: nothing answers,
/// nothing closes the socket.
@Suite struct DatabaseDeadlineTests {
    @Test func aTransactionWhoseServerStopsAnsweringIsAbandonedAtItsDeadline() async throws {
        let configuration = try DatabaseURL.configuration(from: try TestEnvironment.databaseURL())
        let database = Database(configuration: configuration, timeouts: .init(acquire: .seconds(3), statement: .seconds(2)), logger: TestEnvironment.logger)
        #expect(database.timeouts.transaction == .seconds(7))
        let frozen = ManagedPID()
        defer { frozen.resume() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            // Warm: the pool works (retried: the whole suite's load, or a Citus coordinator, can
            // make a first connection slower than these short deadlines).
            #expect(await Self.eventually(database, 1))

            let started = ContinuousClock.now
            // The test's own bound: before the fix, this call never returned.
            let outcome: Result<Int?, any Error> = await {
                do {
                    return .success(try await withDeadline(.seconds(40)) {
                        try await database.transaction(logger: TestEnvironment.logger) { tx in
                            let pid = try await tx.query("SELECT pg_backend_pid()", logger: TestEnvironment.logger).decode(Int32.self).one()
                            frozen.freeze(try #require(pid))
                            return try await tx.query("SELECT 2", logger: TestEnvironment.logger).decode(Int.self).one()
                        }
                    })
                } catch {
                    return .failure(error)
                }
            }()
            let elapsed = ContinuousClock.now - started
            switch outcome {
            case .success(let value): Issue.record("a frozen backend answered \(String(describing: value))")
            case .failure(let error):
                #expect(error is Database.Unavailable, "503 database_unavailable, not \(error)")
                #expect(!(error is DeadlineExceeded), "the test's own 40 s bound fired: the transaction hung")
            }
            #expect(elapsed < .seconds(20), "answered after \(elapsed)")
            #expect(frozen.pid != nil)

            // The connection was closed under the frozen transaction: once the backend runs again
            // it finds its client gone and ends, and nothing it held stays locked.
            frozen.resume()
            var gone = false
            for _ in 0..<100 where !gone {
                // (The pool reconnects first, which the whole suite's load can slow: retried.)
                let alive = try? await database.query(
                    "SELECT count(*)::int FROM pg_stat_activity WHERE pid = \(frozen.pid ?? 0)", logger: TestEnvironment.logger
                ).decode(Int.self).one()
                gone = alive == 0
                if !gone { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(gone, "the abandoned backend ended")
            // And the pool still serves.
            #expect(await Self.eventually(database, 3))
            group.cancelAll()
        }
    }

    /// Whether a request transaction answers `value` within 30 s of tries.
    static func eventually(_ database: Database, _ value: Int) async -> Bool {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(30) {
            let answer = try? await database.transaction(logger: TestEnvironment.logger) { tx in
                try await tx.query("SELECT \(value)", logger: TestEnvironment.logger).decode(Int.self).one()
            }
            if answer == value { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}

/// A backend process stopped with SIGSTOP, always continued again (the test runs on the
/// database's machine, as root or as its owner).
final class ManagedPID: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped: Int32?
    private(set) var pid: Int32?

    func freeze(_ pid: Int32) {
        lock.withLock {
            self.pid = pid
            stopped = pid
        }
        kill(pid, SIGSTOP)
    }

    func resume() {
        let pid = lock.withLock { () -> Int32? in
            defer { stopped = nil }
            return stopped
        }
        if let pid { kill(pid, SIGCONT) }
    }
}
