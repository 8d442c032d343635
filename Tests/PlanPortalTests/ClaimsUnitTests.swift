import Foundation
import Testing

@testable import PlanPortal

@Suite struct ClaimsUnitTests {
    func year(_ date: String, _ start: String) -> [String] {
        let year = BenefitYear.containing(date, start: start)
        return [year.start, year.end]
    }

    @Test func benefitYearHoldsTheDateAcrossTheBoundary() {
        #expect(year("2026-08-31", "09-01") == ["2025-09-01", "2026-08-31"])
        #expect(year("2026-09-01", "09-01") == ["2026-09-01", "2027-08-31"])
        #expect(year("2026-12-31", "01-01") == ["2026-01-01", "2026-12-31"])
        #expect(year("2024-02-29", "03-01") == ["2023-03-01", "2024-02-29"])
        #expect(BenefitYear.monthDay("02-29") == nil)
        #expect(BenefitYear.monthDay("13-01") == nil)
        #expect(BenefitYear.monthDay("9-01") == nil)
    }

    @Test func capIsThePercentThenThePerClaimThenTheRemainingAnnualMaximum() {
        let dental = BenefitCategory(code: "dental", nameFr: "D", nameEn: "D", coveragePercent: 80, annualMaximumCents: 50_000, perClaimMaximumCents: 30_000)
        #expect(dental.cap(amount: 10_001, used: 0) == 8_000)
        #expect(dental.cap(amount: 100_000, used: 0) == 30_000)
        #expect(dental.cap(amount: 100_000, used: 45_000) == 5_000)
        #expect(dental.cap(amount: 100_000, used: 60_000) == 0)
        let open = BenefitCategory(code: "drugs", nameFr: "M", nameEn: "D", coveragePercent: 100, annualMaximumCents: nil, perClaimMaximumCents: nil)
        #expect(open.cap(amount: 123_456, used: 9_999_999) == 123_456)
    }

    @Test func stateMachineAllowsOnlyTheDocumentedSteps() {
        let allowed = Set(ClaimStatus.allCases.flatMap { from in ClaimStatus.allCases.filter { from.allows($0) }.map { "\(from.rawValue)>\($0.rawValue)" } })
        #expect(allowed == [
            "submitted>in_review", "in_review>approved", "in_review>partially_approved", "in_review>denied",
            "approved>paid", "partially_approved>paid",
        ])
    }

    @Test func receiptsAreSniffedByTheirFirstBytes() {
        #expect(ReceiptType.sniff(Array("%PDF-1.7\n".utf8)) == "application/pdf")
        #expect(ReceiptType.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0x00]) == "image/jpeg")
        #expect(ReceiptType.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00]) == "image/png")
        #expect(ReceiptType.sniff([0x89, 0x50, 0x4E, 0x47]) == nil)
        #expect(ReceiptType.sniff(Array("MZ\u{90}\u{0}".utf8)) == nil)
        #expect(ReceiptType.sniff([UInt8]()) == nil)
    }

    @Test func rosterCoverageColumnsAreOptionalAndChecked() throws {
        let old = try RosterCSV.parse("certificate_number,last_name,first_name,date_of_birth\nA1,Roy,Luc,1990-01-01\n").get()
        #expect(old[0].setsCoverage == false && old[0].coverageStatus == nil && old[0].coverageStart == nil)
        let new = try RosterCSV.parse("""
            certificate_number,last_name,first_name,date_of_birth,coverage_start,coverage_end,coverage_status
            A1,Roy,Luc,1990-01-01,2026-09-01,2027-08-31,suspended
            A2,Roy,Léa,1991-01-01,,,
            """).get()
        #expect(new[0].setsCoverage && new[0].coverageStart == "2026-09-01" && new[0].coverageEnd == "2027-08-31" && new[0].coverageStatus == "suspended")
        #expect(new[1].setsCoverage && new[1].coverageStart == nil && new[1].coverageStatus == nil)
        guard case .failure(let errors) = RosterCSV.parse("""
            certificate_number,last_name,first_name,date_of_birth,coverage_start,coverage_end,coverage_status
            A1,Roy,Luc,1990-01-01,2026-02-30,,
            A2,Roy,Léa,1991-01-01,2026-09-01,2026-08-31,retired
            """) else {
            Issue.record("expected errors")
            return
        }
        #expect(errors.lines == [
            .init(line: 2, field: "coverage_start", reason: "invalid_coverage_date"),
            .init(line: 3, field: "coverage_status", reason: "invalid_coverage_status"),
            .init(line: 3, field: "coverage_end", reason: "coverage_end_before_start"),
        ])
    }

    @Test func coverageStatusAndDates() {
        let member = MemberCoverage(status: .active, start: "2026-01-01", end: "2026-06-30")
        #expect(member.covers("2026-01-01") && member.covers("2026-06-30"))
        #expect(!member.covers("2025-12-31") && !member.covers("2026-07-01"))
        #expect(member.status(on: "2026-07-01") == .terminated)
        #expect(!MemberCoverage(status: .suspended, start: nil, end: nil).covers("2026-01-01"))
        #expect(!MemberCoverage(status: .terminated, start: nil, end: nil).covers("2026-01-01"))
    }

    @Test func submissionFingerprintIgnoresKeyOrderButNotValues() throws {
        let a = try JSONDecoder().decode(ClaimSubmission.self, from: Data(#"{"category":"dental","serviceDate":"2026-01-02","providerName":"P","amountCents":5,"currency":"CAD"}"#.utf8))
        let b = try JSONDecoder().decode(ClaimSubmission.self, from: Data(#"{"currency":"CAD","amountCents":5,"providerName":"P","serviceDate":"2026-01-02","category":"dental"}"#.utf8))
        var c = b
        c.amountCents = 6
        #expect(a.fingerprint == b.fingerprint)
        #expect(a.fingerprint != c.fingerprint)
    }
}
