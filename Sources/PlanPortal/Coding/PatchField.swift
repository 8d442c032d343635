/// A field of a JSON merge-patch body: absent (leave alone), `null` (clear) or a value.
public enum PatchField<Value: Decodable & Sendable>: Sendable, Decodable {
    case absent
    case null
    case value(Value)

    public init(from decoder: any Decoder) throws {
        self = try Value?(from: decoder).map { .value($0) } ?? .null
    }

    var isPresent: Bool {
        if case .absent = self { return false }
        return true
    }

    func apply(to target: inout Value?) {
        switch self {
        case .absent: break
        case .null: target = nil
        case .value(let value): target = value
        }
    }
}

extension KeyedDecodingContainer {
    /// Synthesized `Decodable` asks for a patch field by key; an absent key is `.absent`.
    public func decode<Value>(_ type: PatchField<Value>.Type, forKey key: Key) throws -> PatchField<Value> {
        guard contains(key) else { return .absent }
        if try decodeNil(forKey: key) { return .null }
        return .value(try decode(Value.self, forKey: key))
    }
}
