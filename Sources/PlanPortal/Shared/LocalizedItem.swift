/// An id and its text in the reader's language (security questions, password rules).
struct LocalizedItem: Codable, Sendable, Equatable {
    var id: String
    var text: String
}
