import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import PlanPortal

/// `withDeadline` and the process's one `DeadlineClock`.
@Suite struct DeadlineTests {
    /// An operation that never reacts to cancellation: its caller is answered at the deadline
    /// (within the clock's tick and scheduling), `onTimeout` runs once, and the operation is
    /// cancelled.
    @Test func aCallerIsAnsweredAtTheDeadlineWhateverTheOperationDoes() async throws {
        let timedOut = NIOLockedValueBox(0)
        let cancelled = NIOLockedValueBox(false)
        let start = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(300), onTimeout: { timedOut.withLockedValue { $0 += 1 } }) {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 6) { done.resume() }
                }
                cancelled.withLockedValue { $0 = Task.isCancelled }
            }
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(4), "answered after \(elapsed), not at its deadline")
        #expect(timedOut.withLockedValue { $0 } == 1)
        // The operation finishes in the background, cancelled.
        let finishedAt = ContinuousClock.now + .seconds(15)
        while !cancelled.withLockedValue({ $0 }), ContinuousClock.now < finishedAt { try await Task.sleep(for: .milliseconds(20)) }
        #expect(cancelled.withLockedValue { $0 })
    }

    /// A result before the deadline is returned and disarms it: `onTimeout` never runs, and
    /// thousands of quick calls leave nothing armed.
    @Test func aResultBeforeTheDeadlineDisarmsIt() async throws {
        let timedOut = NIOLockedValueBox(0)
        // The deadline leaves room for a loaded machine to schedule each trivial operation.
        for index in 0..<1000 {
            let value = try await withDeadline(.milliseconds(1500), onTimeout: { timedOut.withLockedValue { $0 += 1 } }) { index * 2 }
            #expect(value == index * 2)
        }
        // Past every deadline those calls armed: none fired.
        try await Task.sleep(for: .milliseconds(1700))
        #expect(timedOut.withLockedValue { $0 } == 0)
    }

    /// Many deadlines at once each fire, once.
    @Test func concurrentDeadlinesEachFireOnce() async throws {
        let fired = NIOLockedValueBox(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    _ = try? await withDeadline(.milliseconds(100), onTimeout: { fired.withLockedValue { $0 += 1 } }) {
                        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                            DispatchQueue.global().asyncAfter(deadline: .now() + 1) { done.resume() }
                        }
                    }
                }
            }
        }
        #expect(fired.withLockedValue { $0 } == 100)
    }
}
