import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// Plans as this replica last read them: every member request needs its plan, which changes
/// rarely. A change made by any replica or CLI is announced with `NOTIFY planportal_plans` in the
/// same transaction (`ChangeListener` evicts it here); entries also expire after `ttl`, so a
/// missed notification cannot keep old settings for long.
public final class PlanCache: Sendable {
    /// The PostgreSQL channel plan changes are announced on (payload: the slug).
    public static let channel = "planportal_plans"

    private let entries = NIOLockedValueBox<[PlanSlug: (plan: Plan, loadedAt: ContinuousClock.Instant)]>([:])
    let ttl: Duration

    public init(ttl: Duration) {
        self.ttl = ttl
    }

    public func get(_ slug: PlanSlug) -> Plan? {
        let now = ContinuousClock.now
        return entries.withLockedValue { entries in
            guard let entry = entries[slug], now - entry.loadedAt < ttl else { return nil }
            return entry.plan
        }
    }

    public func put(_ plan: Plan) {
        let now = ContinuousClock.now
        entries.withLockedValue { $0[plan.slug] = (plan, now) }
    }

    public func evict(_ slug: PlanSlug) {
        _ = entries.withLockedValue { $0.removeValue(forKey: slug) }
    }

    public func clear() {
        entries.withLockedValue { $0.removeAll() }
    }
}

/// `PlanRepository` with `find` served from the replica's cache; writes go to PostgreSQL and
/// refresh the cache.
public struct CachingPlanRepository: PlanRepository {
    let base: any PlanRepository
    let cache: PlanCache

    public init(base: any PlanRepository, cache: PlanCache) {
        self.base = base
        self.cache = cache
    }

    public func create(_ input: ValidPlanInput, audit: NewAuditEvent) async throws -> Plan {
        let plan = try await base.create(input, audit: audit)
        cache.evict(plan.slug)
        return plan
    }

    public func list(slugs: [String]?) async throws -> [Plan] {
        try await base.list(slugs: slugs)
    }

    public func find(_ slug: PlanSlug) async throws -> Plan? {
        if let plan = cache.get(slug) { return plan }
        guard let plan = try await base.find(slug) else { return nil }
        cache.put(plan)
        return plan
    }

    public func update(_ slug: PlanSlug, patch: PlanPatch, audit: NewAuditEvent) async throws -> Plan? {
        let plan = try await base.update(slug, patch: patch, audit: audit)
        cache.evict(slug)
        return plan
    }
}

extension PlanCache {
    /// What `ChangeListener` does for this cache on `channel`: evicts the plans other replicas
    /// change, and empties the cache whenever listening starts or stops (notifications may have
    /// been missed).
    var subscription: ChangeListener.Subscription {
        .init(channel: Self.channel, connected: clear, lost: clear, notified: { payload in
            if let slug = PlanSlug(payload) { self.evict(slug) }
        })
    }
}
