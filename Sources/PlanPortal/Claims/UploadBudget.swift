import Metrics
import NIOCore
import NIOConcurrencyHelpers

/// The bytes of upload bodies this process holds in memory at once (`UPLOAD_MEMORY_MIB`): an
/// upload reserves its size (its `Content-Length`, else the largest receipt) before its body is
/// read, so a thousand concurrent 10 MiB uploads cannot each hold 10 MiB. One that does not fit
/// waits its turn (first come, first served) for up to `maxWait`, then gets 503 `service_busy`;
/// while it waits its body stays in the client's socket (the server reads nothing of it).
final class UploadBudget: Sendable {
    struct Waiter {
        var id: UInt64
        var bytes: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var inUse = 0
        var waiting: [Waiter] = []
        var nextID: UInt64 = 0
        /// Most bytes ever reserved at once (tests).
        var peak = 0
    }

    let capacity: Int
    let maxWait: Duration
    private let state = NIOLockedValueBox(State())

    init(capacityBytes: Int, maxWait: Duration = .seconds(10)) {
        self.capacity = max(1, capacityBytes)
        self.maxWait = maxWait
    }

    var peakBytes: Int { state.withLockedValue { $0.peak } }

    /// Runs `body` holding `bytes` of the budget.
    func withReservation<T>(bytes: Int, _ body: () async throws -> T) async throws -> T {
        let bytes = min(max(1, bytes), capacity)
        try await acquire(bytes)
        defer { release(bytes) }
        return try await body()
    }

    private func acquire(_ bytes: Int) async throws {
        let id: UInt64? = state.withLockedValue { s in
            if s.waiting.isEmpty, s.inUse + bytes <= capacity {
                s.inUse += bytes
                s.peak = max(s.peak, s.inUse)
                return nil
            }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLockedValue { s -> Bool in
                    if Task.isCancelled { return true }
                    s.waiting.append(Waiter(id: id, bytes: bytes, continuation: continuation))
                    return false
                }
                if cancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                Task { [maxWait] in
                    try? await Task.sleep(for: maxWait)
                    if self.remove(id, throwing: Problem.serviceBusy) {
                        Counter(label: "planportal_upload_budget_rejections_total").increment()
                    }
                }
            }
        } onCancel: {
            _ = remove(id, throwing: CancellationError())
        }
    }

    /// Takes waiter `id` out of the queue and fails it; false when it was already served.
    private func remove(_ id: UInt64, throwing error: any Error) -> Bool {
        let (removed, ready) = state.withLockedValue { s -> (Waiter?, [Waiter]) in
            guard let index = s.waiting.firstIndex(where: { $0.id == id }) else { return (nil, []) }
            let waiter = s.waiting.remove(at: index)
            // The head leaving can let the next ones in.
            return (waiter, Self.admit(&s, capacity: capacity))
        }
        removed?.continuation.resume(throwing: error)
        for waiter in ready { waiter.continuation.resume() }
        return removed != nil
    }

    private func release(_ bytes: Int) {
        let ready = state.withLockedValue { s -> [Waiter] in
            s.inUse -= bytes
            return Self.admit(&s, capacity: capacity)
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Admits waiters from the head of the queue while they fit.
    private static func admit(_ s: inout State, capacity: Int) -> [Waiter] {
        var ready: [Waiter] = []
        while let first = s.waiting.first, s.inUse + first.bytes <= capacity {
            s.waiting.removeFirst()
            s.inUse += first.bytes
            s.peak = max(s.peak, s.inUse)
            ready.append(first)
        }
        return ready
    }
}

extension UploadBudget {
    /// How every receipt-like upload (claim receipts, enrolment proof) is taken: at most
    /// `ReceiptType.maxBytes` by `Content-Length`, then `check` (the room left, for that many bytes)
    /// before a byte is read, then the body read by `body` (given the most bytes it may read) once
    /// it fits in this budget, its type told by its first bytes, and `store` given both.
    func receiveReceipt<T>(
        declaredLength: Int?, check: (_ incoming: Int) async throws -> Void, body: (_ limit: Int) async throws -> ByteBuffer,
        store: (_ contentType: String, _ bytes: ByteBuffer) async throws -> T
    ) async throws -> T {
        if let declaredLength, declaredLength > ReceiptType.maxBytes { throw Problem.attachmentTooLarge }
        try await check(declaredLength ?? 1)
        let limit = declaredLength ?? ReceiptType.maxBytes
        return try await withReservation(bytes: limit) {
            let bytes = try await body(limit)
            guard let contentType = ReceiptType.sniff(bytes.readableBytesView) else { throw Problem.unsupportedAttachmentType }
            return try await store(contentType, bytes)
        }
    }
}
