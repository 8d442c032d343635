import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The PostgreSQL pool every repository uses: `PostgresClient`'s API, with bounded waits and a
/// quick recovery, so a database outage is a clean 503 and not a hang or a 500.
///
/// - Every lease has a deadline (`acquire`); `query` bounds the lease and the statement until its
///   first answer together (`statement`), and `transaction` sets `statement_timeout` for its own statements (transaction-local
///   `set_config`, never a session `SET`). Past them the caller gets `Database.Unavailable`
///   (503 `database_unavailable`).
/// - A failure that looks like an outage makes the monitor probe PostgreSQL with a fresh pool;
///   while that probe cannot connect, calls fail at once instead of waiting. When it connects
///   again, the fresh pool replaces the old one, whose reconnect back-off can reach a minute
///   (PostgresNIO's pool offers no way to reset it), and the old one is shut down.
public final class Database: Service, Sendable {
    /// PostgreSQL cannot be reached in time (rendered as 503 `database_unavailable`).
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Timeouts: Sendable {
        /// Longest wait for a pooled connection.
        public var acquire: Duration
        /// Longest statement: until the first answer of `query`, `statement_timeout` in `transaction`.
        public var statement: Duration

        /// Longest request transaction, lease included: a lease, then room for a few statements.
        public var transaction: Duration { acquire + statement * 2 }

        public init(acquire: Duration = .seconds(2), statement: Duration = .seconds(3)) {
            self.acquire = acquire
            self.statement = statement
        }
    }

    enum Health: Equatable {
        case up
        /// A call failed like an outage would: the monitor checks.
        case suspect
        /// A fresh connection could not be made: calls fail at once until one can.
        case down
    }

    struct State {
        var client: PostgresClient
        var health: Health = .up
        var runner: Task<Void, Never>?
        var running = false
        var swaps = 0
    }

    let configuration: PostgresClient.Configuration
    public let timeouts: Timeouts
    let logger: Logger
    let probeInterval: Duration
    let strictLeases: Bool
    private let state: NIOLockedValueBox<State>

    public init(
        configuration: PostgresClient.Configuration, timeouts: Timeouts = .init(), probeInterval: Duration = .milliseconds(500),
        strictLeases: Bool = Database.strictLeasesFromEnvironment, logger: Logger
    ) {
        self.configuration = configuration
        self.strictLeases = strictLeases
        self.timeouts = timeouts
        self.probeInterval = probeInterval
        self.logger = logger
        self.state = NIOLockedValueBox(State(client: PostgresClient(configuration: configuration, backgroundLogger: Self.poolLogger(logger))))
    }

    /// The pool in use now (it changes after an outage).
    public var client: PostgresClient { state.withLockedValue { $0.client } }

    var health: Health { state.withLockedValue { $0.health } }

    /// How many times a fresh pool replaced the old one (tests, diagnostics).
    public var poolReplacements: Int { state.withLockedValue { $0.swaps } }

    // MARK: The pool's API

    /// The connection the current task holds from a pool (`withConnection`, `transaction`).
    /// (The call site stays `#fileID` and line: it is formatted only when a nested lease is reported.)
    struct HeldLease: Sendable {
        let pool: ObjectIdentifier
        let file: String
        let line: Int
        var site: String { "\(file):\(line)" }
    }

    @TaskLocal static var heldLease: HeldLease?

    /// Set by the test command (`PLANPORTAL_STRICT_LEASES=1`) for the Swift suite and the servers
    /// it starts: a nested lease stops the process there, so the suite cannot pass with one.
    public static let strictLeasesFromEnvironment = ProcessInfo.processInfo.environment["PLANPORTAL_STRICT_LEASES"] == "1"

    /// A task that holds a connection and waits for a second one of the same pool can deadlock
    /// the pool: as many such requests as the pool has connections each hold one and wait, until
    /// their lease deadline (503 for all of them). Behind PgBouncer the same happens across
    /// processes. Logged (and fatal under `PLANPORTAL_STRICT_LEASES=1`); code that means it, the
    /// migrator holding its lock session, says so with `allowingNestedLeases`.
    /// An unstructured `Task` started inside a lease inherits the record (task-locals are copied
    /// into it): should one lease after its parent gave the connection back, it is reported
    /// though nothing is nested.
    private func checkNotNested(_ file: String, _ line: Int) {
        guard let held = Self.heldLease, held.pool == ObjectIdentifier(self) else { return }
        let message = "a second connection of the same pool leased at \(file):\(line) while holding the one leased at \(held.site)"
        if strictLeases { preconditionFailure(message) }
        logger.error("nested database lease", metadata: ["at": "\(file):\(line)", "holding": "\(held.site)"])
    }

    /// Runs `body` as if the task held no connection: for work that holds one on purpose while
    /// it leases others (the migration lock's session).
    static func allowingNestedLeases<T>(_ body: () async throws -> T) async rethrows -> T {
        try await $heldLease.withValue(nil) { try await body() }
    }

    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger? = nil, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        checkNotNested(file, line)
        let client = try available()
        do {
            // One deadline for the lease and the first answer, so one query never takes longer
            // than a statement may.
            return try await withDeadline(timeouts.statement, discardLate: { rows in
                // Nobody reads these rows: drain them so the connection goes back to the pool.
                Task { for try await _ in rows {} }
            }) {
                try await client.query(query, logger: logger, file: file, line: line)
            }
        } catch {
            throw classify(error)
        }
    }

    /// Leases a connection for `body` (no statement deadline: migrations, `LISTEN`, bulk work).
    ///
    /// The lease is held by a task of its own that the caller never waits for: a pool that is
    /// slow to honour a cancelled lease (an outage, a pool being replaced) can delay the
    /// connection's return, never the caller's answer.
    public func withConnection<Result>(file: String = #fileID, line: Int = #line, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        checkNotNested(file, line)
        let client = try available()
        let lease = LeaseHandoff()
        let holder = Task {
            do {
                try await client.withConnection { connection in
                    lease.deliver(connection)
                    await lease.waitUntilReturned()
                }
            } catch {
                lease.fail(error)
            }
        }
        let connection: PostgresConnection
        do {
            connection = try await withDeadline(timeouts.acquire) { try await lease.connection() }
        } catch {
            lease.giveBack()
            holder.cancel()
            throw classify(error)
        }
        defer { lease.giveBack() }
        do {
            return try await Self.$heldLease.withValue(HeldLease(pool: ObjectIdentifier(self), file: file, line: line)) { try await body(connection) }
        } catch {
            throw classify(error)
        }
    }

    /// `BEGIN` … `COMMIT` on a leased connection (no statement deadline: roster imports, migrations).
    public func withTransaction<Result>(logger: Logger, file: String = #fileID, line: Int = #line, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withConnection(file: file, line: line) { connection in
            try await connection.withTransaction(logger: logger) { tx in try await body(tx) }
        }
    }

    /// A request's transaction: each statement is bounded by `statement_timeout`, and a `Problem`
    /// thrown inside comes out as itself (rolled back), so a 4xx decided mid-transaction reaches
    /// the client unchanged and leaves nothing half-written.
    ///
    /// The whole transaction is bounded too (`transactionDeadline`), on the client's side: past
    /// it the caller gets `Unavailable` and the connection is closed under the transaction, so it
    /// can only roll back. `statement_timeout` needs a live server to fire; this bound does not
    /// (a statement on a connection whose server vanished mid-flight).
    func transaction<T: Sendable>(logger: Logger, file: String = #fileID, line: Int = #line, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let milliseconds = Int(timeouts.statement.components.seconds * 1000 + timeouts.statement.components.attoseconds / 1_000_000_000_000_000)
        let leased = NIOLockedValueBox<PostgresConnection?>(nil)
        do {
            return try await withDeadline(timeouts.transaction, onTimeout: {
                guard let connection = leased.withLockedValue({ $0 }) else { return }
                Task { try? await connection.close() }
            }) {
                try await self.withTransaction(logger: logger, file: file, line: line) { tx in
                    leased.withLockedValue { $0 = tx }
                    try await tx.query("SELECT set_config('statement_timeout', \(String(milliseconds)), true)", logger: logger)
                    return try await body(tx)
                }
            }
        } catch let error as PostgresTransactionError {
            if let problem = error.closureError as? Problem { throw problem }
            if let unavailable = [error.closureError, error.beginError, error.commitError, error.rollbackError]
                .compactMap({ $0 }).first(where: { Self.isUnavailability($0) }) {
                throw classify(unavailable)
            }
            throw error
        } catch let deadline as DeadlineExceeded {
            logger.warning("request transaction passed its deadline; its connection was closed", metadata: ["deadline": "\(timeouts.transaction)"])
            throw classify(deadline)
        }
    }

    // MARK: Running and recovering

    public func run() async throws {
        startRunner(for: client)
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.probeInterval)
                if self.health != .up { await self.probe() }
            }
        }
        let runner = state.withLockedValue { s -> Task<Void, Never>? in
            s.running = false
            return s.runner
        }
        runner?.cancel()
        // A connection still leased by work that outlived its deadline can keep the pool's
        // shutdown waiting: the process stops anyway after 5 s.
        if let runner { _ = try? await withDeadline(.seconds(5)) { await runner.value } }
    }

    /// `Task.immediate`: the pool's `run()` starts before this returns, so a lease made right
    /// after finds it running (PostgresNIO warns about a lease before `run()` otherwise).
    private func startRunner(for client: PostgresClient) {
        let runner = Task.immediate { await client.run() }
        state.withLockedValue {
            $0.runner = runner
            $0.running = true
        }
    }

    /// The current pool unless PostgreSQL is known to be down.
    private func available() throws -> PostgresClient {
        try state.withLockedValue { s in
            if s.health == .down { throw Unavailable(description: "database down (waiting for it to come back)") }
            return s.client
        }
    }

    /// Maps outage-like errors to `Unavailable` (and wakes the monitor); others pass unchanged.
    private func classify(_ error: any Error) -> any Error {
        if error is Unavailable || error is Problem { return error }
        guard Self.isUnavailability(error) else { return error }
        if Self.signalsOutage(error) {
            state.withLockedValue { if $0.health == .up { $0.health = .suspect } }
        }
        return Unavailable(description: SafeError.describe(error))
    }

    /// Checks the current pool, then a fresh one: the fresh pool replaces the old only after
    /// PostgreSQL was seen down (an exhausted pool is not an outage).
    private func probe() async {
        let (current, health) = state.withLockedValue { ($0.client, $0.health) }
        if health == .suspect, (try? await withDeadline(.seconds(1), { try await Self.ping(current) })) != nil {
            state.withLockedValue { $0.health = .up }
            return
        }
        let candidate = PostgresClient(configuration: configuration, backgroundLogger: Self.poolLogger(logger))
        let runner = Task.immediate { await candidate.run() }
        let reachable = (try? await withDeadline(.milliseconds(1500), { try await Self.ping(candidate) })) != nil
        if !reachable {
            runner.cancel()
            if health != .down { logger.error("database unreachable; answering 503 database_unavailable until it returns") }
            state.withLockedValue { $0.health = .down }
            return
        }
        if health == .suspect {
            runner.cancel()
            state.withLockedValue { $0.health = .up }
            return
        }
        let old = state.withLockedValue { s -> Task<Void, Never>? in
            guard s.running else { return nil }
            let old = s.runner
            s.client = candidate
            s.runner = runner
            s.health = .up
            s.swaps += 1
            return old
        }
        guard let old else {
            runner.cancel()
            return
        }
        logger.notice("database reachable again; serving from a fresh connection pool")
        // Requests that still hold a connection of the old pool get a moment to finish.
        Task {
            try? await Task.sleep(for: .seconds(10))
            old.cancel()
        }
    }

    /// The pool logs failed connections with the full PostgreSQL error (which may carry a
    /// `detail`): it speaks from `warning` up only; ours logs them by SQLSTATE.
    static func poolLogger(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        return quiet
    }

    private static func ping(_ client: PostgresClient) async throws {
        for try await _ in try await client.query("SELECT 1") {}
    }

    // MARK: What counts as unavailable

    /// Errors that mean "PostgreSQL cannot serve this now" (503), as opposed to a bug or a rule
    /// the data broke: connection and pool failures, deadlines, and SQLSTATE classes 08
    /// (connection), 53 (resources), 57 (operator intervention, statement timeout).
    public static func isUnavailability(_ error: any Error) -> Bool {
        switch error {
        case is Unavailable, is DeadlineExceeded: return true
        case let psql as PSQLError:
            switch psql.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .queryCancelled, .uncleanShutdown,
                 .sslUnsupported, .failedToAddSSLHandler:
                return true
            case .server:
                let state = psql.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57")
            default: return false
            }
        case let transaction as PostgresTransactionError:
            return [transaction.beginError, transaction.closureError, transaction.commitError].compactMap { $0 }.contains(where: isUnavailability)
        default:
            // The pool's own errors (circuit breaker tripped, …) come from a module PostgresNIO
            // does not export.
            return String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError")
        }
    }

    /// Unavailability that may mean the server is gone (not a statement that ran too long).
    static func signalsOutage(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError, psql.code == .server { return psql.serverInfo?[.sqlState] != "57014" }
        return true
    }
}

/// Hands a leased connection from the task that holds the lease to the caller, and the caller's
/// "done" back, so a lease can be waited for with a deadline while the caller's own closure
/// (neither `Sendable` nor escaping) runs in the caller's task.
final class LeaseHandoff: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var error: (any Error)?
        var waiter: CheckedContinuation<PostgresConnection, any Error>?
        var returned = false
        var holder: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    func deliver(_ connection: PostgresConnection) {
        let waiter = state.withLockedValue { s -> CheckedContinuation<PostgresConnection, any Error>? in
            s.connection = connection
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: connection)
    }

    func fail(_ error: any Error) {
        let waiter = state.withLockedValue { s -> CheckedContinuation<PostgresConnection, any Error>? in
            s.error = error
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(throwing: error)
    }

    func connection() async throws -> PostgresConnection {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLockedValue { s -> Result<PostgresConnection, any Error>? in
                    if let connection = s.connection { return .success(connection) }
                    if let error = s.error { return .failure(error) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    s.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            fail(CancellationError())
        }
    }

    /// Called by the lease holder; returns when the caller is done with the connection.
    func waitUntilReturned() async {
        await withCheckedContinuation { continuation in
            let done = state.withLockedValue { s -> Bool in
                if s.returned { return true }
                s.holder = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }

    func giveBack() {
        let holder = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            s.returned = true
            defer { s.holder = nil }
            return s.holder
        }
        holder?.resume()
    }
}
