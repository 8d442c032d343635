import Foundation

/// One valid line of a dependants file, normalised.
public struct DependantRosterRow: Sendable, Equatable {
    /// Where the line is in the file (checks against the database name it).
    public var line: Int
    public var principalCertificateNumber: String
    public var dependantId: String
    public var relationship: Relationship
    public var lastName: String
    public var firstName: String
    public var dateOfBirth: String
    /// Whether the file had a coverage column: then both coverage dates replace the dependant's.
    public var setsCoverage = false
    public var coverageStart: String? = nil
    public var coverageEnd: String? = nil
}

/// Parses and checks a dependants file (`PUT /v1/admin/plans/{plan}/roster/dependants`), with the
/// member roster's CSV rules and line errors (`RosterCSV`).
///
/// Header (any order): `principal_certificate_number,dependant_id,relationship,last_name,
/// first_name,date_of_birth` and optionally `coverage_start`, `coverage_end`. Whether each
/// principal exists is checked when the file is applied.
public enum DependantRosterCSV {
    static let required = ["principal_certificate_number", "dependant_id", "relationship", "last_name", "first_name", "date_of_birth"]
    static let coverageColumns = ["coverage_start", "coverage_end"]

    public static func parse(_ text: String) -> Result<[DependantRosterRow], RosterErrors> {
        let records = RosterCSV.split(text)
        guard let header = records.first?.fields else {
            return .failure(RosterErrors(lines: [.init(line: 1, field: nil, reason: "empty_file")]))
        }
        let index: RosterCSV.Columns
        switch RosterCSV.columns(header, required: required, optional: coverageColumns) {
        case .failure(let failure): return .failure(failure)
        case .success(let found): index = RosterCSV.Columns(found, names: required + coverageColumns)
        }
        var errors: [RosterLineError] = []
        let today = CalendarDate.today()
        var rows: [DependantRosterRow] = []
        var firstLine: [String: Int] = [:]
        for record in records.dropFirst() {
            guard let value = RosterCSV.fields(of: record, columns: index, count: header.count, errors: &errors) else { continue }
            let line = record.line
            let before = errors.count
            let principal = RosterCSV.identifier(value("principal_certificate_number"), field: "principal_certificate_number", line: line, errors: &errors)
            let dependant = RosterCSV.identifier(value("dependant_id"), field: "dependant_id", line: line, errors: &errors)
            if dependant == Patient.selfValue.uppercased() {
                errors.append(.init(line: line, field: "dependant_id", reason: "invalid_format"))
            }
            let relationship = Relationship(rawValue: value("relationship").lowercased())
            if relationship == nil {
                errors.append(.init(line: line, field: "relationship", reason: "invalid_relationship"))
            }
            let dob = RosterCSV.person(value, line: line, today: today, errors: &errors)
            let coverage = RosterCSV.coverageFields(value, line: line, errors: &errors)
            if !dependant.isEmpty {
                if let first = firstLine[dependant] {
                    errors.append(.init(line: line, field: "dependant_id", reason: "duplicate_dependant_of_line_\(first)"))
                } else {
                    firstLine[dependant] = line
                }
            }
            guard errors.count == before, let relationship else { continue }
            rows.append(DependantRosterRow(
                line: line, principalCertificateNumber: principal, dependantId: dependant, relationship: relationship,
                lastName: value("last_name"), firstName: value("first_name"), dateOfBirth: dob,
                setsCoverage: coverageColumns.contains { index[$0] != nil }, coverageStart: coverage.start, coverageEnd: coverage.end
            ))
        }
        return errors.isEmpty ? .success(rows) : .failure(RosterErrors(lines: errors))
    }
}
