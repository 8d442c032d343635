import Foundation
import Hummingbird

extension Response {
    /// A JSON response with ISO 8601 dates and sorted keys.
    public static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try JSONCoding.encoder.encode(value)
        var headers = headers
        headers[.contentType] = jsonContentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let jsonContentType = "application/json; charset=utf-8"
}

enum JSONCoding {
    /// One encoder for every response (its settings are never changed after this, and encoding
    /// with it is thread-safe).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension Response {
    /// The response with the rate-limit headers of `outcome` added.
    func with(_ outcome: RateLimitOutcome) -> Response {
        var response = self
        response.headers.append(contentsOf: outcome.headers)
        return response
    }
}

/// The 202 body of the operations that answer by e-mail (and say nothing else, matched or not).
struct EmailSent: Encodable, Sendable {
    var status = "email_sent"
}
