import PostgresNIO

/// The two languages every member-facing and problem text is written in. French is the default.
/// Read from PostgreSQL strictly: a stored value that is neither `fr` nor `en` fails the query.
public enum Language: String, Sendable, Codable, CaseIterable, PostgresTextValue {
    case fr
    case en

    /// Picks fr or en from an `Accept-Language` header by quality value; French when neither is named.
    public static func negotiate(_ header: String?) -> Language {
        guard let header, !header.isEmpty else { return .fr }
        var best: (Language, Double)?
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard let language = Language(rawValue: primary) else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            if quality > 0, quality > (best?.1 ?? -1) { best = (language, quality) }
        }
        return best?.0 ?? .fr
    }
}

/// A text in French and English.
public struct LocalizedText: Sendable, Hashable {
    public var fr: String
    public var en: String

    public init(fr: String, en: String) {
        self.fr = fr
        self.en = en
    }

    public func callAsFunction(_ language: Language) -> String {
        language == .fr ? fr : en
    }
}

import Foundation
