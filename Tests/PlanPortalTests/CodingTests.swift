import Foundation
import Testing

@testable import PlanPortal

/// The generic JSON helpers every request and response type relies on (synthesized Codable).
@Suite struct CodingTests {
    /// The 422 field errors of a body, or [] when it decodes.
    func errors<T: Decodable>(_ type: T.Type, _ json: String) -> [LocalizedFieldError] {
        do {
            _ = try StrictJSON.decode(type, from: Data(json.utf8))
            return []
        } catch let problem as Problem {
            return problem.errors
        } catch let error as DecodingError {
            return [error.fieldError]
        } catch {
            return [.init(field: "?", rule: "\(error)", message: .init(fr: "", en: ""))]
        }
    }

    func fieldsAndRules(_ errors: [LocalizedFieldError]) -> [String] { errors.map { "\($0.field) \($0.rule)" } }

    @Test func unknownKeysAreRejectedAtEveryLevel() {
        #expect(fieldsAndRules(errors(PasswordResetRequest.self, #"{"email":"a@b.ca","extra":1,"another":2}"#))
            == ["another unknown_field", "extra unknown_field"])
        #expect(fieldsAndRules(errors(PlanPatch.self, #"{"support":{"phone":null,"fax":"1"}}"#)) == ["support.fax unknown_field"])
        #expect(fieldsAndRules(errors(Benefits.self, #"{"benefitYearStart":"09-01","categories":[{"code":"dental","nameFr":"D","nameEn":"D","coveragePercent":80,"x":1}]}"#))
            == ["categories.Index 0.x unknown_field"])
        #expect(fieldsAndRules(errors(PlanPatch.self, #"{"rateLimits":{"resetIp":{"limit":3,"windowSeconds":60,"burst":1}}}"#))
            == ["rateLimits.resetIp.burst unknown_field"], "inside a dictionary of optionals too")
        #expect(errors(PlanPatch.self, #"{"rateLimits":{"resetIp":null,"loginPair":{"limit":3,"windowSeconds":60}}}"#).isEmpty)
    }

    @Test func missingWrongAndNullFieldsKeepTheirRules() {
        #expect(fieldsAndRules(errors(PasswordResetRequest.self, #"{}"#)) == ["email required"])
        #expect(fieldsAndRules(errors(PasswordResetRequest.self, #"{"email":5}"#)) == ["email type"])
        #expect(fieldsAndRules(errors(PasswordResetRequest.self, #"{"email":null}"#)) == ["email not_null"])
        #expect(fieldsAndRules(errors(Benefits.self, #"{"benefitYearStart":"09-01","categories":null}"#)) == ["categories not_null"])
        #expect(fieldsAndRules(errors(Benefits.self, #"{"benefitYearStart":"09-01","categories":[{"code":"d"}]}"#)) == ["categories[0].nameFr required"])
        #expect(fieldsAndRules(errors(PlanPatch.self, #"{"defaultLocale":"de"}"#)) == ["defaultLocale format"])
    }

    @Test func patchFieldsTellAbsentFromNull() throws {
        let patch = try StrictJSON.decode(SupportPatch.self, from: Data(#"{"phone":null,"email":"x@y.ca"}"#.utf8))
        #expect(!patch.hoursFr.isPresent)
        guard case .null = patch.phone, case .value("x@y.ca") = patch.email else {
            Issue.record("phone should be null and email a value")
            return
        }
    }

    @Test func nullableFieldsAreWrittenAsNullAndUUIDsInLowerCase() throws {
        let id = UUID()
        let info = ClaimAttachmentInfo(id: id, contentType: "image/png", filename: nil, sizeBytes: 3, sha256: "ab", createdAt: Date(timeIntervalSince1970: 0))
        let json = try #require(String(data: try JSONCoding.encoder.encode(info), encoding: .utf8))
        #expect(json.contains(#""filename":null"#))
        #expect(json.contains(#""id":"\#(id.uuidString.lowercased())""#))
        let category = try StrictJSON.decode(BenefitCategory.self, from: Data(#"{"code":"dental","nameFr":"D","nameEn":"D","coveragePercent":80}"#.utf8))
        #expect(category.annualMaximumCents == nil && category.perClaimMaximumCents == nil, "absent nullable fields read as nil")
        let written = try #require(String(data: try JSONCoding.encoder.encode(category), encoding: .utf8))
        #expect(written.contains(#""annualMaximumCents":null"#) && written.contains(#""perClaimMaximumCents":null"#))
    }
}
