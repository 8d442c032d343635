import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// Reads a JSON body of at most `limit` bytes and decodes it, turning every failure into a problem:
    /// 415 for another content type, 413 past the limit, 400 for malformed JSON, 422 for wrong types,
    /// missing or unknown fields (`StrictJSON`).
    public mutating func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        if let contentType = headers[.contentType] {
            let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
                throw Problem.unsupportedMediaType
            }
        } else {
            throw Problem.unsupportedMediaType
        }
        let data = Data(buffer: try await collectBody(upTo: limit, tooLarge: .payloadTooLarge))
        guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
            throw Problem.invalidJSON()
        }
        do {
            return try StrictJSON.decode(T.self, from: data)
        } catch let problem as Problem {
            throw problem
        } catch let error as DecodingError {
            throw Problem.validation([error.fieldError])
        }
    }
}

extension Request {
    /// The whole body, or `tooLarge` (a 413 problem) when it is longer than `limit` bytes.
    public mutating func collectBody(upTo limit: Int, tooLarge: Problem) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }
}

extension DecodingError {
    /// The field and rule a decoding failure is about, for a 422 `validation_failed` problem.
    var fieldError: LocalizedFieldError {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text.isEmpty ? "body" : text
        }
        switch self {
        case .keyNotFound(let key, let context):
            return .init(
                field: path(context.codingPath + [key]),
                rule: "required",
                message: .init(fr: "Ce champ est obligatoire.", en: "This field is required.")
            )
        case .typeMismatch(_, let context):
            return .init(
                field: path(context.codingPath),
                rule: "type",
                message: .init(fr: "Ce champ n'a pas le bon type.", en: "This field has the wrong type.")
            )
        case .valueNotFound(_, let context):
            return .init(
                field: path(context.codingPath),
                rule: "not_null",
                message: .init(fr: "Ce champ ne peut pas être nul.", en: "This field cannot be null.")
            )
        case .dataCorrupted(let context):
            return .init(
                field: path(context.codingPath),
                rule: "format",
                message: .init(fr: "Valeur invalide.", en: "Invalid value.")
            )
        @unknown default:
            return .init(field: "body", rule: "format", message: .init(fr: "Valeur invalide.", en: "Invalid value."))
        }
    }
}

extension Request {
    /// `uri.path` without building a new string for the form clients send (`/path?query`): the
    /// request target up to its `?`, as Hummingbird's `URI` reads it. Other forms go through `uri`.
    var targetPath: Substring {
        if let raw = head.path, raw.utf8.first == UInt8(ascii: "/") {
            return raw[..<(raw.utf8.firstIndex(of: UInt8(ascii: "?")) ?? raw.endIndex)]
        }
        return Substring(uri.path)
    }
}
