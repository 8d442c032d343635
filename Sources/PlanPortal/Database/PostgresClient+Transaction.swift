import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction` that rethrows a `Problem` thrown inside as itself (rolled back), so a 4xx
    /// decided mid-transaction reaches the client unchanged and leaves nothing half-written.
    func transaction<T: Sendable>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await withTransaction(logger: logger) { tx in try await body(tx) }
        } catch let error as PostgresTransactionError {
            if let problem = error.closureError as? Problem { throw problem }
            throw error
        }
    }
}
