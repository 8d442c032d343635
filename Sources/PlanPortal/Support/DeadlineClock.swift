import Foundation

/// The process's one timer for `withDeadline`: a thread that, while any deadline is pending,
/// wakes every `tick` and fires the deadlines that have passed. Arming and disarming a deadline is
/// a dictionary insert and remove under a lock: no task, no sleeping task, no dispatch timer and
/// no system call per database statement (a sleeping task per statement was ~1% of a login's CPU).
/// Deadlines here are seconds long; they fire at most `tick` late.
final class DeadlineClock: @unchecked Sendable {
    static let shared = DeadlineClock(tick: .milliseconds(20))

    private struct Entry {
        var at: ContinuousClock.Instant
        var fire: @Sendable () -> Void
    }

    /// Guards `entries` and `nextID`; the thread waits on it while nothing is pending.
    private let condition = NSCondition()
    private var entries: [UInt64: Entry] = [:]
    private var nextID: UInt64 = 0
    private let tick: Duration

    init(tick: Duration) {
        self.tick = tick
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "deadline-clock"
        thread.start()
    }

    /// Arms a deadline `timeout` from now; `fire` runs in a task of its own once it has passed.
    func schedule(after timeout: Duration, _ fire: @escaping @Sendable () -> Void) -> UInt64 {
        let at = ContinuousClock.now + timeout
        condition.lock()
        defer { condition.unlock() }
        nextID &+= 1
        entries[nextID] = Entry(at: at, fire: fire)
        if entries.count == 1 { condition.signal() }
        return nextID
    }

    /// Disarms a deadline that has not fired (a no-op once it has).
    func cancel(_ id: UInt64) {
        condition.lock()
        entries[id] = nil
        condition.unlock()
    }

    private func run() {
        let pause = UInt32(tick.components.seconds * 1_000_000 + tick.components.attoseconds / 1_000_000_000_000)
        while true {
            condition.lock()
            while entries.isEmpty { condition.wait() }
            let now = ContinuousClock.now
            var due: [(UInt64, @Sendable () -> Void)] = []
            for (id, entry) in entries where entry.at <= now { due.append((id, entry.fire)) }
            for (id, _) in due { entries[id] = nil }
            condition.unlock()
            // Each deadline fires from a task on the cooperative pool, as the sleeping task did:
            // an operation whose answer is already queued on a saturated pool runs before its
            // deadline's task, and nothing `fire` does (a cancellation's handlers) can hold up
            // this thread and the other deadlines.
            for (_, fire) in due { Task { fire() } }
            usleep(pause)
        }
    }
}
