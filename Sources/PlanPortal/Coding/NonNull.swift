/// An optional field the contract does not let be `null`: absent is nil, `null` is refused with
/// 422 `validation_failed` (rule `not_null`), as `type: boolean` without `'null'` says.
///
///     @NonNull public var enabled: Bool?
@propertyWrapper
public struct NonNull<Value: Decodable & Sendable>: Decodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard !container.decodeNil() else {
            throw DecodingError.valueNotFound(Value.self, .init(codingPath: decoder.codingPath, debugDescription: "null"))
        }
        wrappedValue = try container.decode(Value.self)
    }
}

extension KeyedDecodingContainer {
    /// Synthesized `Decodable` asks for a wrapper field by key; an absent key is nil, `null` an error.
    public func decode<Value>(_ type: NonNull<Value>.Type, forKey key: Key) throws -> NonNull<Value> {
        guard contains(key) else { return NonNull(wrappedValue: nil) }
        guard try !decodeNil(forKey: key) else {
            throw DecodingError.valueNotFound(Value.self, .init(codingPath: codingPath + [key], debugDescription: "null"))
        }
        return NonNull(wrappedValue: try decode(Value.self, forKey: key))
    }
}

/// Read back, a `NonNull` field is its value, or left out when nil (never `null`).
extension NonNull: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension NonNull: Equatable where Value: Equatable {}

extension KeyedEncodingContainer {
    public mutating func encode<Value: Encodable>(_ value: NonNull<Value>, forKey key: Key) throws {
        if let wrapped = value.wrappedValue { try encode(wrapped, forKey: key) }
    }
}
