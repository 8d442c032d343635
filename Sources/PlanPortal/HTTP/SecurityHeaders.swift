import HTTPTypes
import Hummingbird

/// Headers every response carries (step 2 of `EdgeMiddleware`, applied last): no MIME sniffing,
/// no referrer, and a CSP that allows no script and no framing (`/docs` sets its own, which is
/// kept). Under `/v1/` a response is `Cache-Control: no-store` unless its handler marked it public
/// (terms, password policy, security questions: `public, max-age=300` with `Vary: Accept-Language`).
public enum SecurityHeaders {
    public static let apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

    // The fields, built (and checked) once.
    static let noSniff = HTTPField(name: .xContentTypeOptions, value: "nosniff")
    static let noReferrer = HTTPField(name: .referrerPolicy, value: "no-referrer")
    static let apiPolicy = HTTPField(name: .contentSecurityPolicy, value: apiContentSecurityPolicy)
    static let noStore = HTTPField(name: .cacheControl, value: "no-store")

    /// Adds the headers to a response of `path` (the request target without its query).
    static func apply(to headers: inout HTTPFields, path: Substring) {
        headers.replace(noSniff)
        headers.replace(noReferrer)
        if !headers.contains(.contentSecurityPolicy) {
            headers.append(apiPolicy)
        }
        if !headers.contains(.cacheControl), path.hasPrefix("/v1/") {
            headers.append(noStore)
        }
    }
}

extension HTTPFields {
    /// `self[field.name] = field.value` with a field built once.
    mutating func replace(_ field: HTTPField) {
        if contains(field.name) {
            self[field.name] = field.value
        } else {
            append(field)
        }
    }
}

extension HTTPFields {
    /// `Cache-Control` and `Vary` of a public, member-free document that depends on the language only.
    public static let publicDocument: HTTPFields = [.cacheControl: "public, max-age=300", .vary: "Accept-Language"]

    /// `publicDocument` written in `language`.
    static func publicDocument(_ language: Language) -> HTTPFields {
        publicDocuments[language] ?? publicDocument
    }

    /// `publicDocument(language)` of a JSON body (with its `Content-Type`).
    static func publicJSONDocument(_ language: Language) -> HTTPFields {
        publicJSONDocuments[language] ?? publicDocument
    }

    private static let publicJSONDocuments: [Language: HTTPFields] = publicDocuments.mapValues { fields in
        var fields = fields
        fields[.contentType] = Response.jsonContentType
        return fields
    }

    /// `publicDocument(_:)` of each language, built once.
    private static let publicDocuments: [Language: HTTPFields] = Dictionary(uniqueKeysWithValues: Language.allCases.map { language in
        var fields = publicDocument
        fields[.contentLanguage] = language.rawValue
        return (language, fields)
    })
}

extension HTTPField.Name {
    public static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
