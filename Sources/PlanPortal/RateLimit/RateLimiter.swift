import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Fixed-window counters in `control.rate_limits`, shared by every replica.
///
/// A hit is one atomic upsert per key: concurrent requests queue on the row lock and each sees
/// the count including its own hit, so no two requests can both take the last slot.
public struct RateLimiter: Sendable {
    let client: Database
    let logger: Logger
    /// Off only outside production (`RATE_LIMITS=off`, for benchmarks).
    public let enabled: Bool

    public init(client: Database, logger: Logger, enabled: Bool = true) {
        self.client = client
        self.logger = logger
        self.enabled = enabled
    }

    /// Counts one hit on each key (one statement) and returns the counters.
    public func hit(_ keys: [RateLimitKey]) async throws -> RateLimitOutcome {
        guard enabled, !keys.isEmpty else { return RateLimitOutcome() }
        let batch = RateLimitBatch(keys)
        let rows = try await client.query(
            """
            SELECT limit_key, limit_hits, limit_previous_hits, limit_seconds
            FROM control.rate_limit_hit(\(batch.storageKeys)::text[], \(batch.windows)::bigint[])
            """,
            logger: logger
        )
        var found: [String: RateLimitHit] = [:]
        for try await (key, hits, previous, seconds) in rows.decode((String, Int32, Int32, Int64).self) {
            found[key] = RateLimitHit(hits: Int(hits), previousHits: Int(previous), resetSeconds: Int(seconds))
        }
        return RateLimitOutcome(keys, found)
    }

    /// Counts one hit on each key and throws 429 `rate_limited` when a hard limit is over; the
    /// outcome says whether a challenge is now required and carries the headers to announce.
    public func limit(_ keys: RateLimitKey...) async throws -> RateLimitOutcome {
        let outcome = try await hit(keys)
        try outcome.enforce()
        return outcome
    }

    /// Takes a hit back after a successful login: the (e-mail, IP) pair starts over and the other
    /// counters lose the hit, so only failures accumulate.
    public func refund(_ keys: [RateLimitKey], resetting reset: RateLimitKey? = nil) async throws {
        guard enabled, !keys.isEmpty else { return }
        try await client.query(
            "SELECT control.rate_limit_refund(\(keys.map(\.storageKey))::text[], \(reset?.storageKey ?? ""))", logger: logger
        )
    }

    /// Deletes counters whose window has passed and redeemed challenges whose salt has expired.
    @discardableResult
    public func sweep() async throws -> Int {
        let removed = try await client.query(
            """
            WITH a AS (DELETE FROM control.rate_limits WHERE window_ends_at < now() RETURNING 1),
                 b AS (DELETE FROM control.challenge_solutions WHERE expires_at < now() RETURNING 1)
            SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b)
            """,
            logger: logger
        ).decode(Int64.self).one()
        return Int(removed ?? 0)
    }
}

/// Sweeps expired counters once a minute. Every replica runs one; the deletes are idempotent.
public struct RateLimitSweeper: Service {
    let limiter: RateLimiter
    let interval: Duration
    let logger: Logger

    public init(limiter: RateLimiter, interval: Duration = .seconds(60), logger: Logger) {
        self.limiter = limiter
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            // A graceful shutdown cancels the wait and ends the loop without an error (the
            // process then exits 0).
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled else { break }
                do {
                    try await limiter.sweep()
                } catch {
                    logger.warning("rate-limit sweep failed", metadata: ["error": "\(SafeError.describe(error))"])
                }
            }
        }
    }
}

/// One counter as a hit left it, read back from `control.rate_limits`.
struct RateLimitHit: Sendable {
    var hits: Int
    var previousHits: Int
    var resetSeconds: Int
}

extension RateLimitOutcome {
    /// The states of `keys` in the order asked, from the rows a hit returned by storage key.
    init(_ keys: [RateLimitKey], _ found: [String: RateLimitHit]) {
        self.init(states: keys.compactMap { key in
            found[key.storageKey].map { RateLimitState(key: key, hits: $0.hits, previousHits: $0.previousHits, resetSeconds: max(1, $0.resetSeconds)) }
        })
    }
}

/// The keys one hit counts, as `control.rate_limit_hit` takes them (sql/control/0010): without
/// duplicates and sorted, so two requests hitting the same keys lock them in the same order,
/// each with its window in seconds.
struct RateLimitBatch {
    let storageKeys: [String]
    let windows: [Int]

    init(_ keys: [RateLimitKey]) {
        let unique = Array(Set(keys)).sorted { $0.storageKey < $1.storageKey }
        storageKeys = unique.map(\.storageKey)
        windows = unique.map { $0.rule.windowSeconds }
    }
}
