/// A field the contract marks required and nullable: written as `null` when nil (synthesized
/// `Encodable` would leave the key out) and read as nil when absent or `null`.
///
///     @Nullable public var termsVersion: String?
@propertyWrapper
public struct Nullable<Value> {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }
}

extension Nullable: Sendable where Value: Sendable {}
extension Nullable: Equatable where Value: Equatable {}

extension Nullable: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }
}

extension Nullable: Decodable where Value: Decodable {
    public init(from decoder: any Decoder) throws {
        wrappedValue = try Value?(from: decoder)
    }
}

extension KeyedDecodingContainer {
    /// Synthesized `Decodable` asks for a wrapper field by key; an absent key is nil, not an error.
    public func decode<Value: Decodable>(_ type: Nullable<Value>.Type, forKey key: Key) throws -> Nullable<Value> {
        Nullable(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}
