import Foundation

extension String {
    /// `trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)`, without
    /// Foundation when the text starts and ends with ASCII (Foundation trims scalar by scalar, so
    /// ASCII ends are trimmed the same byte by byte); ends that are other scalars Foundation might
    /// count as white space take Foundation's path.
    func trimmedWhitespace(newlines: Bool) -> String {
        func slow() -> String { trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces) }
        func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || (newlines && byte >= 0x0A && byte <= 0x0D)
        }
        let utf8 = self.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        if start == end { return "" }
        if utf8[start] >= 0x80 || utf8[utf8.index(before: end)] >= 0x80 {
            let set: CharacterSet = newlines ? .whitespacesAndNewlines : .whitespaces
            let scalars = self[start..<end].unicodeScalars
            if let first = scalars.first, set.contains(first) { return slow() }
            if let last = scalars.last, set.contains(last) { return slow() }
        }
        return start == utf8.startIndex && end == utf8.endIndex ? self : String(self[start..<end])
    }
}
