import Foundation

/// Calendar dates exchanged as ISO 8601 `YYYY-MM-DD`.
public enum CalendarDate {
    /// A real Gregorian date from 1900-01-01 up to today.
    public static func isValidPast(_ text: String) -> Bool {
        isValidPast(text, today: today())
    }

    /// `isValidPast` against a `today` read once for many dates (a roster file).
    public static func isValidPast(_ text: String, today: String) -> Bool {
        guard let date = parse(text) else { return false }
        return date >= "1900-01-01" && date <= today
    }

    /// The same text when it is a real `YYYY-MM-DD` date (leap years checked), else nil.
    public static func parse(_ text: String) -> String? {
        if let digits = digitsOnly(text) { return digits ? text : nil }
        // Only ASCII digits between the hyphens: `Int` alone would also read `+1` as a month.
        guard text.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }) else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), d >= 1
        else { return nil }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days ? text : nil
    }

    /// Whether `YYYY-MM-DD` written with ASCII digits only is a real date, without building
    /// anything; nil for any other shape (left to `parse`'s general rules).
    private static func digitsOnly(_ text: String) -> Bool? {
        text.utf8.withContiguousStorageIfAvailable { b -> Bool? in
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for i in range {
                    let digit = b[i] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int(digit)
                }
                return value
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
            guard (1...12).contains(m), d >= 1 else { return false }
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            let days = m == 2 ? (leap ? 29 : 28) : (m == 4 || m == 6 || m == 9 || m == 11 ? 30 : 31)
            return d <= days
        } ?? nil
    }

    /// Today in Eastern time, where the plans this serves keep their office hours.
    static func today() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Toronto") ?? .gmt
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
