import Foundation
import Hummingbird
import NIOCore

/// A response type that writes its own JSON (`Response.json(writing:)`), for the lists read most
/// often: no `Encoder` containers, no boxing, no formatter per date. What it writes must be what
/// `JSONCoding.encoder` writes for the same value (keys in sorted order, ISO 8601 dates in UTC to
/// the second, lower-case UUIDs, `/` unescaped); a test compares both for each such type.
protocol JSONWritable {
    func write(to json: inout JSONWriter)
}

/// JSON straight into bytes (an array: appending to it is inlined, where each write to a
/// `ByteBuffer` is a call), copied once into the response's `ByteBuffer`. Names and punctuation
/// are written by the caller as they are (`raw`); values through the typed writers, which escape
/// and format.
struct JSONWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// What was written.
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    /// Bytes written as they are: `{"name":`, `,`, `]`…
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func null() {
        raw("null")
    }

    mutating func int(_ value: Int64) {
        // Decimal digits without a String: at most 20 bytes with the sign.
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            while magnitude > 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            if value < 0 {
                start -= 1
                digits[start] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    mutating func int(_ value: Int64?) {
        if let value { int(value) } else { null() }
    }

    mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`, the
    /// rest (slashes and non-ASCII included) as it is.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var plainFrom = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if plainFrom < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainFrom..<index])) }
                plainFrom = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    raw("u00")
                    bytes.append(Self.hexDigit(byte >> 4))
                    bytes.append(Self.hexDigit(byte & 0x0F))
                }
            }
            if plainFrom < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainFrom...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// A UUID as a lower-case string (`LowercaseUUID`), composed on the stack and written at once.
    mutating func uuid(_ value: UUID) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 38) { out in
            var at = 0
            out[at] = UInt8(ascii: "\""); at += 1
            withUnsafeBytes(of: value.uuid) { uuid in
                for (index, byte) in uuid.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 { out[at] = UInt8(ascii: "-"); at += 1 }
                    out[at] = Self.hexDigit(byte >> 4)
                    out[at + 1] = Self.hexDigit(byte & 0x0F)
                    at += 2
                }
            }
            out[at] = UInt8(ascii: "\"")
            bytes.append(contentsOf: UnsafeBufferPointer(out))
        }
    }

    /// `"YYYY-MM-DDThh:mm:ssZ"`, the UTC second the date falls in (what the `.iso8601` date
    /// strategy writes: no fraction, never rounded up). Dates before 1600 or from 10000 on (never
    /// a timestamp of this API; Foundation's calendar is Julian before 1582) go through
    /// `JSONCoding.encoder`.
    mutating func date(_ value: Date) {
        let sinceReference = value.timeIntervalSinceReferenceDate
        guard sinceReference >= Self.gregorianFrom, sinceReference < Self.fourDigitYearsUntil else {
            bytes.append(contentsOf: (try? JSONCoding.encoder.encode(value)) ?? Data("null".utf8))
            return
        }
        let seconds = Int64(sinceReference.rounded(.down)) + 978_307_200
        let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
        let (year, month, day) = Self.civil(daysSince1970: days)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 22) { out in
            // "YYYY-MM-DDThh:mm:ssZ" between quotes: fixed positions.
            (out[0], out[5], out[8], out[11], out[14], out[17], out[20], out[21]) = (
                UInt8(ascii: "\""), UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: "T"), UInt8(ascii: ":"), UInt8(ascii: ":"),
                UInt8(ascii: "Z"), UInt8(ascii: "\"")
            )
            Self.digits(year, count: 4, into: out, at: 1)
            Self.digits(month, count: 2, into: out, at: 6)
            Self.digits(day, count: 2, into: out, at: 9)
            Self.digits(secondOfDay / 3600, count: 2, into: out, at: 12)
            Self.digits(secondOfDay / 60 % 60, count: 2, into: out, at: 15)
            Self.digits(secondOfDay % 60, count: 2, into: out, at: 18)
            bytes.append(contentsOf: UnsafeBufferPointer(out))
        }
    }

    /// Each element, comma-separated, in brackets.
    mutating func array<Element: JSONWritable>(_ elements: some Sequence<Element>) {
        bytes.append(UInt8(ascii: "["))
        var first = true
        for element in elements {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            element.write(to: &self)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// 1600-01-01T00:00:00Z and 10000-01-01T00:00:00Z, as seconds since 2001-01-01.
    private static let gregorianFrom: Double = -12_654_403_200
    private static let fourDigitYearsUntil: Double = 252_423_993_600

    /// `value` as `count` decimal digits (zero-padded) at `out[at...]`.
    private static func digits(_ value: Int64, count: Int, into out: UnsafeMutableBufferPointer<UInt8>, at: Int) {
        var rest = value
        for position in stride(from: at + count - 1, through: at, by: -1) {
            out[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = a / b - (a % b < 0 ? 1 : 0)
        return (quotient, a - quotient * b)
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (the "days from civil"
    /// algorithm run backwards, in 400-year eras).
    static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097).quotient
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Response {
    /// The response `json(_:status:headers:)` gives for the same value, written by the value itself.
    static func json(writing value: some JSONWritable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var json = JSONWriter()
        value.write(to: &json)
        var headers = headers
        headers[.contentType] = jsonContentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: json.buffer))
    }
}
