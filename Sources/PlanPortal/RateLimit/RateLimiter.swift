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
        let rows = try await client.query("\(rateLimitHits: keys)", logger: logger)
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
        try await client.query("\(rateLimitRefund: keys, resetting: reset)", logger: logger)
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
        try await cancelWhenGracefulShutdown {
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

extension PostgresQuery.StringInterpolation {
    /// The statement that counts one hit on each key, for `RateLimiter.hit` and for statements
    /// that fold the hit together with their own reads (a login): an atomic upsert, so concurrent
    /// requests queue on the row lock and each sees the count including its own hit. It returns
    /// `key, hits, previous_hits, seconds left`. A key's window starts at its first hit; when a
    /// window has ended the next hit starts a new one at 1 and keeps the ended window's count in
    /// `previous_hits` (0 when that window was not the one just before).
    mutating func appendInterpolation(rateLimitHits keys: [RateLimitKey]) {
        // Sorted so two requests hitting the same keys lock them in the same order.
        let unique = Array(Set(keys)).sorted { $0.storageKey < $1.storageKey }
        appendLiteral("""
            INSERT INTO control.rate_limits AS r (key, hits, window_ends_at)
            SELECT k, 1, now() + w * interval '1 second'
            FROM unnest(
            """)
        appendInterpolation(unique.map(\.storageKey))
        appendLiteral("::text[], ")
        appendInterpolation(unique.map { $0.rule.windowSeconds })
        appendLiteral("""
            ::bigint[]) AS t(k, w)
            ORDER BY k
            ON CONFLICT (key) DO UPDATE SET
                hits = CASE WHEN r.window_ends_at <= now() THEN 1 ELSE r.hits + 1 END,
                previous_hits = CASE WHEN r.window_ends_at > now() THEN r.previous_hits
                                     WHEN r.window_ends_at > now() - (excluded.window_ends_at - now()) THEN r.hits
                                     ELSE 0 END,
                window_ends_at = CASE WHEN r.window_ends_at <= now() THEN excluded.window_ends_at ELSE r.window_ends_at END
            RETURNING key, hits, previous_hits, ceil(extract(epoch FROM r.window_ends_at - now()))::bigint AS seconds
            """)
    }

    /// The statement that takes one hit back from each of `keys` (`resetting` starts over at 0).
    mutating func appendInterpolation(rateLimitRefund keys: [RateLimitKey], resetting reset: RateLimitKey?) {
        appendLiteral("UPDATE control.rate_limits SET hits = CASE WHEN key = ")
        appendInterpolation(reset?.storageKey ?? "")
        appendLiteral(" THEN 0 ELSE greatest(hits - 1, 0) END WHERE key = ANY(")
        appendInterpolation(keys.map(\.storageKey))
        appendLiteral("::text[])")
    }
}
