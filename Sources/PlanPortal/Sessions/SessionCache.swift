import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// Sessions this replica verified in the last few seconds, so a burst of a member's requests costs
/// one round trip each (the request's own statement) instead of two.
///
/// An entry answers only while the database would not write the session's `last_seen_at` yet
/// (`touchInterval` after the use it recorded) and before the session's absolute expiry, both
/// measured from the instant the verifying statement was sent (never later than the truth): past
/// that, `SessionRepository.authenticate` asks PostgreSQL again, which slides the idle timeout
/// exactly as before. Every revocation (logout, password change, reset, lock, "log out
/// everywhere") runs `NOTIFY planportal_sessions` in its transaction; `SessionRevocationListener`
/// evicts the account's entries on every replica when it commits. While the listener is not
/// connected the cache answers nothing and keeps nothing (a notification sent then would be
/// lost); it starts empty when the listener connects again.
public final class SessionCache: Sendable {
    /// The PostgreSQL channel revocations are announced on (payload: `slug:account-uuid`).
    public static let channel = "planportal_sessions"
    /// `last_seen_at` is written when older than this (`SessionRepository.authenticate`).
    static let touchInterval: Duration = .seconds(10)
    /// Entries kept at most; stale ones are dropped first, and none is added past it.
    static let capacity = 200_000

    struct Key: Hashable, Sendable {
        var plan: PlanSlug
        var digest: [UInt8]
    }

    struct AccountKey: Hashable, Sendable {
        var plan: PlanSlug
        var accountID: UUID
    }

    struct Entry: Sendable {
        var accountID: UUID
        /// When the database last recorded a use (no later than it did).
        var lastSeen: ContinuousClock.Instant
        /// When the session's absolute timeout ends (no later than it does).
        var expires: ContinuousClock.Instant
    }

    /// A verification in flight: stored only if nothing was evicted meanwhile.
    struct Ticket: Sendable {
        let generation: UInt64
        let sentAt: ContinuousClock.Instant
    }

    private struct State {
        var listening = false
        /// Bumped by every eviction and (dis)connection: a verification that started before one is not kept.
        var generation: UInt64 = 0
        var entries: [Key: Entry] = [:]
        var byAccount: [AccountKey: Set<Key>] = [:]

        mutating func remove(_ key: Key) {
            guard let entry = entries.removeValue(forKey: key) else { return }
            let account = AccountKey(plan: key.plan, accountID: entry.accountID)
            byAccount[account]?.remove(key)
            if byAccount[account]?.isEmpty == true { byAccount[account] = nil }
        }

        mutating func clear() {
            generation &+= 1
            entries.removeAll()
            byAccount.removeAll()
        }
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The account of a cached live session, or nil (not cached, stale, or the listener is down).
    func account(plan: PlanSlug, digest: [UInt8], idle: Duration, now: ContinuousClock.Instant = .now) -> UUID? {
        let key = Key(plan: plan, digest: digest)
        return state.withLockedValue { state in
            guard state.listening, let entry = state.entries[key] else { return nil }
            guard now - entry.lastSeen < min(Self.touchInterval, idle), now < entry.expires else {
                state.remove(key)
                return nil
            }
            return entry.accountID
        }
    }

    /// Taken right before the verifying statement is sent; nil while the listener is down.
    func ticket() -> Ticket? {
        let now = ContinuousClock.now
        return state.withLockedValue { $0.listening ? Ticket(generation: $0.generation, sentAt: now) : nil }
    }

    /// Keeps what the database answered for `ticket`: the session's last recorded use `lastSeenAge`
    /// before its statement ran and its expiry `remaining` after it (both measured from the
    /// ticket, so never later than the truth).
    func store(_ ticket: Ticket, plan: PlanSlug, digest: [UInt8], accountID: UUID, lastSeenAge: Duration, remaining: Duration) {
        let entry = Entry(accountID: accountID, lastSeen: ticket.sentAt - lastSeenAge, expires: ticket.sentAt + remaining)
        let key = Key(plan: plan, digest: digest)
        let now = ContinuousClock.now
        state.withLockedValue { state in
            guard state.listening, state.generation == ticket.generation else { return }
            if state.entries.count >= Self.capacity {
                for (key, entry) in state.entries where now - entry.lastSeen >= Self.touchInterval || now >= entry.expires {
                    state.remove(key)
                }
                guard state.entries.count < Self.capacity else { return }
            }
            state.remove(key)
            state.entries[key] = entry
            state.byAccount[AccountKey(plan: plan, accountID: accountID), default: []].insert(key)
        }
    }

    /// Forgets every cached session of an account (a revocation of one or all of them).
    func evict(plan: PlanSlug, accountID: UUID) {
        state.withLockedValue { state in
            state.generation &+= 1
            for key in state.byAccount[AccountKey(plan: plan, accountID: accountID)] ?? [] { state.remove(key) }
        }
    }

    /// A notification's payload: `slug:account-uuid`.
    static func payload(plan: PlanSlug, accountID: UUID) -> String {
        "\(plan.value):\(accountID.uuidString.lowercased())"
    }

    /// Applies a notification; a payload that is not one is ignored.
    func evict(payload: String) {
        let parts = payload.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let plan = PlanSlug(String(parts[0])), let accountID = UUID(uuidString: String(parts[1])) else { return }
        evict(plan: plan, accountID: accountID)
    }

    /// The listener is listening: the cache starts empty and may answer.
    func listenerConnected() {
        state.withLockedValue { state in
            state.clear()
            state.listening = true
        }
    }

    /// The listener is not listening: nothing is answered nor kept until it is again.
    func listenerLost() {
        state.withLockedValue { state in
            state.listening = false
            state.clear()
        }
    }

    /// Whether the cache may answer (the listener is connected).
    var isListening: Bool { state.withLockedValue { $0.listening } }
}

extension SessionCache {
    /// What `ChangeListener` does for this cache on `channel`.
    var subscription: ChangeListener.Subscription {
        .init(channel: Self.channel, connected: listenerConnected, lost: listenerLost, notified: { self.evict(payload: $0) })
    }
}
