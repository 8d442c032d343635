import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// The last JSON encoding of a public, per-plan document (the security questions) in each
/// language: it is read far more often than plans change, and encoding it is most of what
/// answering it costs. An entry is reused only while the value it encoded is
/// equal to the one asked for (a plan changed since then is encoded again), so a response is
/// byte for byte what `Response.json` would write.
final class EncodedDocuments<Value: Encodable & Equatable & Sendable>: Sendable {
    struct Key: Hashable {
        var plan: PlanSlug
        var language: Language
    }

    private let entries = NIOLockedValueBox<[Key: (value: Value, body: ByteBuffer)]>([:])

    /// `value` as a JSON body (`JSONCoding.encoder`), from the memo when it encoded the same value.
    func body(plan: PlanSlug, language: Language, _ value: Value) throws -> ByteBuffer {
        let key = Key(plan: plan, language: language)
        if let entry = entries.withLockedValue({ $0[key] }), entry.value == value { return entry.body }
        let body = ByteBuffer(bytes: try JSONCoding.encoder.encode(value))
        entries.withLockedValue { $0[key] = (value, body) }
        return body
    }

    /// The response `Response.json(value, headers:)` gives.
    func response(plan: PlanSlug, language: Language, _ value: Value, headers: HTTPFields) throws -> Response {
        var headers = headers
        // Headers built with it already (`publicJSONDocument`) are not copied to set it again.
        if headers[.contentType] != Response.jsonContentType { headers[.contentType] = Response.jsonContentType }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: try body(plan: plan, language: language, value)))
    }
}
