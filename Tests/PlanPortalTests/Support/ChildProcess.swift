import Foundation

/// Runs a child process to its end without blocking Swift's cooperative pool.
///
/// The pool has one thread per core (two here). A test that waited for a child on it
/// (`waitUntilExit`, `readDataToEndOfFile`) stopped every other task of the test process while
/// the child ran. Behind PgBouncer that was a deadlock: the children (`planportal` commands) wait
/// for a pooled connection, the pool is full of other tests' open transactions, and those tests'
/// tasks cannot run to commit them; it lasted until PgBouncer's `query_wait_timeout` (120 s)
/// failed the waiting clients. Here the waits run on threads of their own.
enum ChildProcess {
    struct Finished: Sendable {
        let status: Int32
        let output: String
        let errors: String
    }

    /// Starts `process` with its standard output and error captured (and `stdin` written, then
    /// closed, when given) and returns once it has exited.
    static func run(_ process: Process, stdin: Data? = nil) async throws -> Finished {
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let input = stdin.map { _ in Pipe() }
        if let input { process.standardInput = input }
        try process.run()
        let child = UncheckedBox(process)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                if let input, let stdin {
                    input.fileHandleForWriting.write(stdin)
                    try? input.fileHandleForWriting.close()
                }
                // Both pipes drain at once, so a child filling one cannot block on it.
                let errorsRead = DispatchSemaphore(value: 0)
                let errorBytes = UncheckedBox(Data())
                Thread.detachNewThread {
                    errorBytes.value = errors.fileHandleForReading.readDataToEndOfFile()
                    errorsRead.signal()
                }
                let outputBytes = output.fileHandleForReading.readDataToEndOfFile()
                errorsRead.wait()
                // Foundation reaps the child itself; wait for it to have done so.
                while child.value.isRunning { usleep(5_000) }
                continuation.resume(returning: Finished(
                    status: child.value.terminationStatus,
                    output: String(decoding: outputBytes, as: UTF8.self),
                    errors: String(decoding: errorBytes.value, as: UTF8.self)
                ))
            }
        }
    }

    final class UncheckedBox<Value>: @unchecked Sendable {
        var value: Value
        init(_ value: Value) { self.value = value }
    }
}
