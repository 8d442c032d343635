import Metrics
import NIOConcurrencyHelpers

/// Decides when an Argon2 job may take a thread of the hashing pool:
/// - at most `concurrency` jobs run at once, and the memory of the running jobs never exceeds
///   `memoryBudgetKiB` (`HASH_MEMORY_MIB`): a job that does not fit waits;
/// - at most `queueLimit` jobs wait, and at most half of them for one plan: a plan's excess gets
///   `Busy` (503 `service_busy`) while the other plans still get a place;
/// - waiting jobs are served plan by plan in turn (first come, first served within a plan), so a
///   flooding plan does not delay another plan's members by the length of its own backlog.
final class HashScheduler: Sendable {
    struct Waiter {
        var id: UInt64
        var memoryKiB: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var running = 0
        var memoryInUseKiB: UInt64 = 0
        var waiting: [String: [Waiter]] = [:]
        /// Plans with waiters, in the order they are served.
        var turn: [String] = []
        var waitingCount = 0
        var nextID: UInt64 = 0
        /// Highest memory in use ever seen (tests and the budget's proof).
        var peakMemoryKiB: UInt64 = 0
    }

    let concurrency: Int
    let queueLimit: Int
    let perPlanQueueLimit: Int
    let memoryBudgetKiB: UInt64
    private let state = NIOLockedValueBox(State())

    init(concurrency: Int, queueLimit: Int, memoryBudgetKiB: UInt64) {
        self.concurrency = max(1, concurrency)
        self.queueLimit = max(0, queueLimit)
        self.perPlanQueueLimit = max(1, queueLimit / 2)
        self.memoryBudgetKiB = memoryBudgetKiB
    }

    var peakMemoryKiB: UInt64 { state.withLockedValue { $0.peakMemoryKiB } }

    /// Waits for a thread and `memoryKiB` of the budget; call `release` when the job is done.
    func acquire(plan: String, memoryKiB: UInt64) async throws {
        guard memoryKiB <= memoryBudgetKiB else { throw PasswordHasher.HashingFailed(description: "cost above HASH_MEMORY_MIB") }
        enum Decision { case run, wait(UInt64), busy(String) }
        let decision = state.withLockedValue { s -> Decision in
            if s.waitingCount == 0, s.running < concurrency, s.memoryInUseKiB + memoryKiB <= memoryBudgetKiB {
                s.running += 1
                s.memoryInUseKiB += memoryKiB
                s.peakMemoryKiB = max(s.peakMemoryKiB, s.memoryInUseKiB)
                return .run
            }
            if s.waitingCount >= queueLimit { return .busy("queue") }
            if (s.waiting[plan]?.count ?? 0) >= perPlanQueueLimit { return .busy("plan_share") }
            s.nextID += 1
            return .wait(s.nextID)
        }
        switch decision {
        case .run: return
        case .busy(let reason):
            Counter(label: "planportal_hash_rejections_total", dimensions: [("reason", reason)]).increment()
            throw PasswordHasher.Busy()
        case .wait(let id):
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let cancelled = state.withLockedValue { s -> Bool in
                        if Task.isCancelled { return true }
                        if s.waiting[plan] == nil { s.turn.append(plan) }
                        s.waiting[plan, default: []].append(Waiter(id: id, memoryKiB: memoryKiB, continuation: continuation))
                        s.waitingCount += 1
                        return false
                    }
                    if cancelled { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                let removed = state.withLockedValue { s -> Waiter? in
                    guard var queue = s.waiting[plan], let index = queue.firstIndex(where: { $0.id == id }) else { return nil }
                    let waiter = queue.remove(at: index)
                    s.waitingCount -= 1
                    if queue.isEmpty {
                        s.waiting[plan] = nil
                        s.turn.removeAll { $0 == plan }
                    } else {
                        s.waiting[plan] = queue
                    }
                    return waiter
                }
                removed?.continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Returns the job's thread and memory and starts whichever waiters now fit.
    func release(memoryKiB: UInt64) {
        let ready = state.withLockedValue { s -> [Waiter] in
            s.running -= 1
            s.memoryInUseKiB -= memoryKiB
            var ready: [Waiter] = []
            // Plan by plan in turn; a head that does not fit keeps its turn (no starvation of
            // costly hashes by cheap ones).
            while s.running < concurrency, let plan = s.turn.first, var queue = s.waiting[plan], let head = queue.first {
                guard s.memoryInUseKiB + head.memoryKiB <= memoryBudgetKiB else { break }
                queue.removeFirst()
                s.waitingCount -= 1
                s.running += 1
                s.memoryInUseKiB += head.memoryKiB
                s.peakMemoryKiB = max(s.peakMemoryKiB, s.memoryInUseKiB)
                s.turn.removeFirst()
                if queue.isEmpty {
                    s.waiting[plan] = nil
                } else {
                    s.waiting[plan] = queue
                    s.turn.append(plan)
                }
                ready.append(head)
            }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }
}

extension HashScheduler {
    /// Jobs of `plan` waiting now (tests, diagnostics).
    func waiting(plan: String) -> Int { state.withLockedValue { $0.waiting[plan]?.count ?? 0 } }
}
