/// Thrown when a query meant to return at most one row returned more: the database holds what it
/// never should, and the request fails loudly (500) rather than picking one.
struct UnexpectedRowCount: Error, CustomStringConvertible {
    var description: String { "a query expected to return at most one row returned several" }
}

extension AsyncSequence {
    /// The only element (row) of the sequence, nil when there is none; throws `UnexpectedRowCount`
    /// when there are several.
    func one() async throws -> Element? {
        var found: Element?
        for try await element in self {
            guard found == nil else { throw UnexpectedRowCount() }
            found = element
        }
        return found
    }

    /// Whether the sequence (a query's rows) holds anything.
    var exists: Bool {
        get async throws {
            for try await _ in self { return true }
            return false
        }
    }
}
