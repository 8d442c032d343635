import Foundation
import HTTPTypes

/// One failed rule of a request, as listed in a problem's `errors`.
public struct FieldError: Codable, Sendable, Equatable {
    /// JSON pointer-like path of the field (`emailDomains[0]`), or the parameter name.
    public var field: String
    /// Stable machine name of the rule that failed (`required`, `pattern`, `max_length`, `unknown_field`…).
    public var rule: String
    /// Human text in the request's language.
    public var message: String?
    /// Line of an uploaded file (roster CSV) the error is on.
    public var line: Int?

    public init(field: String, rule: String, message: String? = nil, line: Int? = nil) {
        self.field = field
        self.rule = rule
        self.message = message
        self.line = line
    }
}

/// An RFC 9457 problem with a stable snake_case `code` and bilingual title and detail.
///
/// Thrown anywhere below `EdgeMiddleware`, which renders it (`ProblemResponse`) as `application/problem+json`
/// in the language the client asked for.
public struct Problem: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var title: LocalizedText
    public var detail: LocalizedText
    public var errors: [LocalizedFieldError]
    public var headers: HTTPFields
    /// Terms version to accept, on `terms_acceptance_required`.
    public var termsVersion: String?

    public init(
        status: HTTPResponse.Status,
        code: String,
        title: LocalizedText,
        detail: LocalizedText,
        errors: [LocalizedFieldError] = [],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }
}

/// A field error whose message is kept in both languages until the response is rendered.
public struct LocalizedFieldError: Sendable, Equatable {
    public var field: String
    public var rule: String
    public var message: LocalizedText
    public var line: Int?

    public init(field: String, rule: String, message: LocalizedText, line: Int? = nil) {
        self.field = field
        self.rule = rule
        self.message = message
        self.line = line
    }

    func rendered(_ language: Language) -> FieldError {
        FieldError(field: field, rule: rule, message: message(language), line: line)
    }
}

/// The JSON body of a problem response.
public struct ProblemBody: Codable, Sendable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    public var code: String
    public var requestId: String?
    public var errors: [FieldError]?
    public var termsVersion: String?
}

extension Problem {
    func body(language: Language, requestID: String?) -> ProblemBody {
        ProblemBody(
            type: "urn:planportal:problem:\(code)",
            title: title(language),
            status: Int(status.code),
            detail: detail(language),
            code: code,
            requestId: requestID,
            errors: errors.isEmpty ? nil : errors.map { $0.rendered(language) },
            termsVersion: termsVersion
        )
    }
}
