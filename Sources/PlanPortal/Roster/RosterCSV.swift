import Foundation

/// One valid roster line, normalised.
public struct RosterRow: Sendable, Equatable {
    public var certificateNumber: String
    public var lastName: String
    public var firstName: String
    public var dateOfBirth: String
    public var email: String?
    /// Whether the file had a coverage column: then the three coverage fields replace the member's;
    /// otherwise the member's coverage is left alone (files older than the coverage columns).
    public var setsCoverage = false
    /// `active`, `suspended` or `terminated`; nil (active) when empty or absent.
    public var coverageStatus: String? = nil
    /// `YYYY-MM-DD` or nil (open-ended).
    public var coverageStart: String? = nil
    public var coverageEnd: String? = nil
}

/// A bad line of a roster file. Carries the line and the reason, never the line's content.
public struct RosterLineError: Codable, Sendable, Equatable {
    public var line: Int
    public var field: String?
    public var reason: String
}

/// Every bad line of a rejected roster file.
public struct RosterErrors: Error, Sendable, Equatable {
    public var lines: [RosterLineError]
}

/// Parses and checks a roster CSV (RFC 4180: comma-separated, `"` quoting, CRLF or LF).
///
/// Header (any order): `certificate_number,last_name,first_name,date_of_birth` and optionally
/// `email`, `coverage_start`, `coverage_end` and `coverage_status`. Every problem of every line is
/// collected; the file is accepted only when there is none.
public enum RosterCSV {
    static let required = ["certificate_number", "last_name", "first_name", "date_of_birth"]
    static let optional = ["email"] + coverageColumns
    /// Columns that, when present, replace the member's coverage; when absent it is left alone.
    static let coverageColumns = ["coverage_start", "coverage_end", "coverage_status"]

    /// Parses a whole file held as text (see `Parser` for files read piece by piece).
    public static func parse(_ text: String) -> Result<[RosterRow], RosterErrors> {
        var rows: [RosterRow] = []
        var parser = Parser()
        var text = text
        text.withUTF8 { parser.feed(UnsafeRawBufferPointer($0)) { rows.append($0) } }
        if let errors = parser.finish({ rows.append($0) }) { return .failure(errors) }
        return .success(rows)
    }

    /// A roster file read piece by piece: every line is checked as it arrives and each valid row is
    /// handed over at once while the file has no error so far; `finish` says whether the whole file
    /// was valid (then every row was handed over) or lists every problem of every line.
    public struct Parser {
        private var reader = CSVReader()
        private var header: Columns?
        private var width = 0
        private var setsCoverage = false
        private var headerErrors: RosterErrors?
        private var errors: [RosterLineError] = []
        private var firstLine: [String: Int] = [:]
        private let today = CalendarDate.today()
        public init() {}

        public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ onRow: (RosterRow) -> Void) {
            var reader = self.reader
            self.reader = CSVReader()
            defer { self.reader = reader }
            reader.feed(chunk) { record in self.read(record, onRow) }
        }

        /// Nil when the file was valid UTF-8 and every line valid; otherwise every problem (a file
        /// that is not UTF-8 has that one problem only).
        public mutating func finish(_ onRow: (RosterRow) -> Void) -> RosterErrors? {
            var reader = self.reader
            self.reader = CSVReader()
            defer { self.reader = reader }
            reader.finish { record in self.read(record, onRow) }
            if !reader.isValidUTF8 { return RosterErrors(lines: [.init(line: 1, field: nil, reason: "not_utf8")]) }
            if reader.recordCount == 0 { return RosterErrors(lines: [.init(line: 1, field: nil, reason: "empty_file")]) }
            if let headerErrors { return headerErrors }
            return errors.isEmpty ? nil : RosterErrors(lines: errors)
        }

        private mutating func read(_ csv: CSVReader.Record, _ onRow: (RosterRow) -> Void) {
            guard let index = header else {
                guard headerErrors == nil else { return }
                let names = (0..<csv.count).map(csv.string)
                switch columns(names, required: required, optional: optional) {
                case .failure(let failure): headerErrors = failure
                case .success(let found):
                    header = Columns(found, names: required + optional)
                    width = names.count
                    setsCoverage = coverageColumns.contains { found[$0] != nil }
                }
                return
            }
            let record = Record(line: csv.line, fields: (0..<csv.count).map(csv.string))
            guard let value = fields(of: record, columns: index, count: width, errors: &errors) else { return }
            let line = record.line
            let certificate = identifier(value("certificate_number"), field: "certificate_number", line: line, errors: &errors)
            let dob = person(value, line: line, today: today, errors: &errors)
            let email = value("email").lowercased()
            if !email.isEmpty, !EmailAddress.isValid(email) {
                errors.append(.init(line: line, field: "email", reason: "invalid_email"))
            }
            let coverage = coverageFields(value, line: line, errors: &errors)
            if !certificate.isEmpty {
                if let first = firstLine[certificate] {
                    errors.append(.init(line: line, field: "certificate_number", reason: "duplicate_of_line_\(first)"))
                } else {
                    firstLine[certificate] = line
                }
            }
            // Once the file is known to be refused, its rows are only checked.
            guard errors.isEmpty else { return }
            onRow(RosterRow(
                certificateNumber: certificate, lastName: value("last_name"), firstName: value("first_name"),
                dateOfBirth: dob, email: email.isEmpty ? nil : email,
                setsCoverage: setsCoverage, coverageStatus: coverage.status, coverageStart: coverage.start, coverageEnd: coverage.end
            ))
        }
    }

    /// Column positions of a header row, or every problem with it (unknown, duplicate or missing columns).
    static func columns(_ header: [String], required: [String], optional: [String]) -> Result<[String: Int], RosterErrors> {
        var errors: [RosterLineError] = []
        var index: [String: Int] = [:]
        for (position, name) in header.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }).enumerated() {
            if !(required + optional).contains(name) {
                errors.append(.init(line: 1, field: name, reason: "unknown_column"))
            } else if index[name] != nil {
                errors.append(.init(line: 1, field: name, reason: "duplicate_column"))
            } else {
                index[name] = position
            }
        }
        for name in required where index[name] == nil {
            errors.append(.init(line: 1, field: name, reason: "missing_column"))
        }
        return errors.isEmpty ? .success(index) : .failure(RosterErrors(lines: errors))
    }

    /// The trimmed value of each column of a data record, or nil for a blank record (skipped) or
    /// one with the wrong field count (an error).
    static func fields(of record: Record, columns index: Columns, count: Int, errors: inout [RosterLineError]) -> ((String) -> String)? {
        if record.fields.allSatisfy({ $0.trimmedWhitespace(newlines: false).isEmpty }) { return nil }
        guard record.fields.count == count else {
            errors.append(.init(line: record.line, field: nil, reason: "wrong_field_count"))
            return nil
        }
        return { name in index[name].map { record.fields[$0].trimmedWhitespace(newlines: true) } ?? "" }
    }

    /// The position of each column a header has, found by a short scan of the parser's own names
    /// (several look-ups per line of a large file: no hashing).
    struct Columns {
        private var positions: [(name: String, at: Int)]

        init(_ index: [String: Int], names: [String]) {
            positions = names.compactMap { name in index[name].map { (name, $0) } }
        }

        subscript(name: String) -> Int? { positions.first { $0.name == name }?.at }
    }

    /// A certificate number or dependant id, normalised: 1 to 30 letters and digits.
    static func identifier(_ raw: String, field: String, line: Int, errors: inout [RosterLineError]) -> String {
        let value = MatchKey.certificate(raw)
        if value.isEmpty {
            errors.append(.init(line: line, field: field, reason: "required"))
        } else if !isShortAlphanumeric(value) {
            errors.append(.init(line: line, field: field, reason: "invalid_format"))
        }
        return value
    }

    /// 1 to 30 ASCII letters and digits (counted as characters).
    static func isShortAlphanumeric(_ value: String) -> Bool {
        if value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") || ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") }) {
            return value.utf8.count <= 30
        }
        return value.count <= 30 && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// Checks `last_name`, `first_name` and `date_of_birth` (`today`: `CalendarDate.today()`, read once per file); returns the date of birth.
    static func person(_ value: (String) -> String, line: Int, today: String, errors: inout [RosterLineError]) -> String {
        for field in ["last_name", "first_name"] {
            let name = value(field)
            if name.isEmpty {
                errors.append(.init(line: line, field: field, reason: "required"))
            } else if name.count > 100 || MatchKey.name(name).isEmpty || name.hasNUL {
                errors.append(.init(line: line, field: field, reason: "invalid_format"))
            }
        }
        let dob = value("date_of_birth")
        if dob.isEmpty {
            errors.append(.init(line: line, field: "date_of_birth", reason: "required"))
        } else if !CalendarDate.isValidPast(dob, today: today) {
            errors.append(.init(line: line, field: "date_of_birth", reason: "invalid_date"))
        }
        return dob
    }

    /// The optional coverage columns of one line: status defaults to `active`, empty dates are open-ended.
    static func coverageFields(
        _ value: (String) -> String, line: Int, errors: inout [RosterLineError]
    ) -> (status: String?, start: String?, end: String?) {
        let status = value("coverage_status").lowercased()
        if !status.isEmpty, !["active", "suspended", "terminated"].contains(status) {
            errors.append(.init(line: line, field: "coverage_status", reason: "invalid_coverage_status"))
        }
        var dates: [String: String] = [:]
        for field in ["coverage_start", "coverage_end"] {
            let text = value(field)
            guard !text.isEmpty else { continue }
            if let date = CalendarDate.parse(text), date >= "1900-01-01" {
                dates[field] = date
            } else {
                errors.append(.init(line: line, field: field, reason: "invalid_coverage_date"))
            }
        }
        if let start = dates["coverage_start"], let end = dates["coverage_end"], end < start {
            errors.append(.init(line: line, field: "coverage_end", reason: "coverage_end_before_start"))
        }
        return (status.isEmpty ? nil : status, dates["coverage_start"], dates["coverage_end"])
    }

    struct Record {
        var line: Int
        var fields: [String]
    }

    /// RFC 4180 records with the physical line each starts on (quoted fields may span lines).
    static func split(_ text: String) -> [Record] {
        var records: [Record] = []
        var reader = CSVReader()
        var text = text
        let keep = { (record: CSVReader.Record) in records.append(Record(line: record.line, fields: (0..<record.count).map(record.string))) }
        text.withUTF8 { reader.feed(UnsafeRawBufferPointer($0), keep) }
        reader.finish(keep)
        return records
    }
}
