import Foundation
import NIOCore
import Testing

@testable import PlanPortal

/// The claim lists write their own JSON (`JSONWritable`): byte for byte what `JSONCoding.encoder`
/// writes for the same values, whatever the strings, numbers and dates hold.
@Suite struct ClaimJSONTests {
    /// Strings with every character the encoder escapes or might: controls, quotes, backslashes,
    /// slashes, DEL, non-ASCII, line and paragraph separators, an emoji.
    static let strings: [String] = [
        "", "dental", "Clinique \"Sourire\" \\ Nord/Sud", "é à ç Œ ß", "\u{2028}\u{2029}", "🦷 smile", "\u{7F}<>&'",
        String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }), "a\u{0}b\tc\nd\re\u{8}f\u{C}g\u{1F}",
    ]

    /// Dates around the edges of a second, a day, a leap year and the epoch.
    static let dates: [Date] = [
        Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.5), Date(timeIntervalSince1970: -86_400.000001),
        Date(timeIntervalSince1970: 1_795_000_000.999999), Date(timeIntervalSince1970: 1_795_000_000.000001),
        Date(timeIntervalSinceReferenceDate: 0), Date(timeIntervalSinceReferenceDate: 825_551_999.999999),
        Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_107_542_400), Date(timeIntervalSince1970: 253_402_300_799),
        Date(timeIntervalSince1970: -11_644_473_600), Date(timeIntervalSince1970: -12_000_000_000), Date(timeIntervalSince1970: 253_402_300_800),
        Date(timeIntervalSinceReferenceDate: -978_307_199.9999999),
    ]

    static func summary(_ n: Int, _ rng: inout some RandomNumberGenerator) -> ClaimSummary {
        let amounts: [Int64] = [0, 1, -1, 1000, Int64.max, Int64.min, 123_456_789]
        return ClaimSummary(
            id: UUID(), status: ClaimStatus.allCases[n % ClaimStatus.allCases.count], category: strings[n % strings.count],
            serviceDate: "2026-0\(n % 9 + 1)-1\(n % 10)", providerName: strings[(n + 3) % strings.count],
            amountCents: amounts[n % amounts.count], currency: n % 2 == 0 ? "CAD" : "USD",
            approvedAmountCents: n % 3 == 0 ? nil : amounts[(n + 1) % amounts.count],
            submittedAt: dates[n % dates.count], updatedAt: Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000, using: &rng)),
            patient: n % 4 == 0 ? "self" : strings[(n + 5) % strings.count]
        )
    }

    func written(_ value: some JSONWritable) -> [UInt8] {
        var json = JSONWriter(capacity: 16)
        value.write(to: &json)
        return Array(json.bytes)
    }

    func encoded(_ value: some Encodable) throws -> [UInt8] {
        Array(try JSONCoding.encoder.encode(value))
    }

    @Test func memberPagesAreWhatTheEncoderWrites() throws {
        var rng = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 21, 60] {
            let items = (0..<count).map { Self.summary($0, &rng) }
            for cursor in [nil, Cursor.encode(Int64(count) + 1)] {
                let page = ClaimPage(items: items, nextCursor: cursor)
                let ours = written(page)
                #expect(ours == (try encoded(page)), "\(String(decoding: ours, as: UTF8.self))")
            }
        }
    }

    @Test func adminPagesAreWhatTheEncoderWrites() throws {
        var rng = SystemRandomNumberGenerator()
        let items = (0..<40).map { AdminClaimSummary(summary: Self.summary($0, &rng), certificateNumber: Self.strings[$0 % Self.strings.count]) }
        let page = ClaimPage(items: items, nextCursor: "djE6NDI")
        #expect(written(page) == (try encoded(page)))
    }

    @Test func eachDateIsTheSecondTheEncoderWrites() throws {
        var rng = SystemRandomNumberGenerator()
        let random = (0..<2000).map { _ in Date(timeIntervalSince1970: Double.random(in: -12_000_000_000...260_000_000_000, using: &rng)) }
        for date in Self.dates + random {
            var json = JSONWriter(capacity: 16)
            json.date(date)
            let ours = String(decoding: json.bytes, as: UTF8.self)
            let theirs = String(decoding: try encoded(date), as: UTF8.self)
            #expect(ours == theirs, "\(date.timeIntervalSince1970)")
        }
    }

    @Test func numbersAndEscapesAreTheEncoders() throws {
        for value in [Int64.min, -10, -9, -1, 0, 9, 10, 99, 100, Int64.max] {
            var json = JSONWriter(capacity: 1)
            json.int(value)
            #expect(Array(json.bytes) == (try encoded(value)))
        }
        for string in Self.strings + (0..<128).map({ String(UnicodeScalar(UInt8($0))) }) {
            var json = JSONWriter(capacity: 1)
            json.string(string)
            #expect(Array(json.bytes) == (try encoded(string)), "\(Array(string.utf8))")
        }
    }
}
