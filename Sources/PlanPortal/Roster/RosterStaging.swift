import NIOCore

/// Valid roster rows written straight into COPY's text format for `roster_staging` (one line per
/// row, tab-separated, `\N` for NULL), with their matching keys.
struct RosterStaging {
    static let columns = [
        "certificate_number", "last_name", "first_name", "last_name_key", "first_name_key", "date_of_birth", "email",
        "coverage_status", "coverage_start", "coverage_end",
    ]

    private(set) var data = ByteBuffer()
    private(set) var rows = 0
    /// Whether the file had coverage columns (then the rows' coverage replaces the members').
    private(set) var setsCoverage = false

    mutating func append(_ row: RosterRow) {
        if row.setsCoverage { setsCoverage = true }
        rows += 1
        write(row.certificateNumber)
        write(row.lastName)
        write(row.firstName)
        write(MatchKey.name(row.lastName))
        write(MatchKey.name(row.firstName))
        write(row.dateOfBirth)
        write(row.email)
        write(row.coverageStatus)
        write(row.coverageStart)
        write(row.coverageEnd, last: true)
    }

    private mutating func write(_ value: String?, last: Bool = false) {
        if let value {
            if value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
                data.writeString(RosterRepository.copyText(value))
            } else {
                data.writeString(value)
            }
        } else {
            data.writeStaticString("\\N")
        }
        data.writeInteger(last ? UInt8(ascii: "\n") : UInt8(ascii: "\t"))
    }
}
