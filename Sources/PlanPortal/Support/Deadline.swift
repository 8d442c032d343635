import NIOConcurrencyHelpers

/// An operation did not finish before its deadline.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let description = "deadline exceeded"
}

/// Runs `operation` and returns its result, or throws `DeadlineExceeded` once `timeout` has
/// passed, whether or not the operation reacts to cancellation: the caller is answered on time
/// and the operation is cancelled and left to finish in the background (`onTimeout` runs then,
/// e.g. to close a connection a stuck statement holds).
///
/// A result that arrives after the deadline is handed to `discardLate` (e.g. to drain a row
/// sequence, whose connection stays leased until it is read).
public func withDeadline<T: Sendable>(
    _ timeout: Duration,
    onTimeout: @escaping @Sendable () -> Void = {},
    discardLate: @escaping @Sendable (T) -> Void = { _ in },
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = NIOLockedValueBox<(continuation: CheckedContinuation<T, any Error>?, result: Result<T, any Error>?)>((nil, nil))
    @Sendable func finish(_ result: Result<T, any Error>) -> Bool {
        let waiting = outcome.withLockedValue { state -> CheckedContinuation<T, any Error>?? in
            guard state.result == nil else { return .none }
            state.result = result
            defer { state.continuation = nil }
            return .some(state.continuation)
        }
        guard let waiting else { return false }
        waiting?.resume(with: result)
        return true
    }
    let work = Task {
        do {
            let value = try await operation()
            if !finish(.success(value)) { discardLate(value) }
        } catch {
            _ = finish(.failure(error))
        }
    }
    let timer = DeadlineClock.shared.schedule(after: timeout) {
        if finish(.failure(DeadlineExceeded())) {
            work.cancel()
            onTimeout()
        }
    }
    defer { DeadlineClock.shared.cancel(timer) }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            let ready = outcome.withLockedValue { state -> Result<T, any Error>? in
                if let result = state.result { return result }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    } onCancel: {
        if finish(.failure(CancellationError())) { work.cancel() }
    }
}
