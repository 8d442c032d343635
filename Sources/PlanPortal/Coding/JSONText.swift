/// JSON written into a `String` where `JSONEncoder` would cost more than the value is worth (the
/// served contract, the audit details every login writes); the escaping is `JSONWriter`'s.
enum JSONText {
    /// Appends `text` as a JSON string literal (RFC 8259 §7).
    static func appendString(_ text: String, to out: inout String) {
        out += string(text)
    }

    /// `text` as a JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`… or
    /// `\u00XX`.
    static func string(_ text: String) -> String {
        var writer = JSONWriter(capacity: text.utf8.count + 8)
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
