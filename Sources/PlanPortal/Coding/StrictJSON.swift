import Foundation

/// Decodes JSON with synthesized `Decodable` and rejects, at every level, object keys the target
/// type does not declare (422 `validation_failed`, rule `unknown_field`), as the contract's
/// `additionalProperties: false` says. A key is unknown when the type's `CodingKeys` cannot be
/// made from it; dictionaries accept any key.
enum StrictJSON {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(Root<T>.self, from: data).value
    }

    /// The entry point: hands JSONDecoder's decoder to `T` wrapped in `StrictDecoder`.
    private struct Root<T: Decodable>: Decodable {
        var value: T
        init(from decoder: any Decoder) throws {
            value = try T(from: StrictDecoder(decoder))
        }
    }
}

/// A `Decoder` that forwards to JSONDecoder's and checks the keys of every keyed container.
private struct StrictDecoder: Decoder {
    let base: any Decoder

    init(_ base: any Decoder) { self.base = base }

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let container = try base.container(keyedBy: type)
        let unknown = try base.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
            .filter { Key(stringValue: $0) == nil }.sorted()
        guard unknown.isEmpty else {
            let prefix = codingPath.map(\.stringValue).joined(separator: ".")
            throw Problem.validation(unknown.map {
                .init(
                    field: prefix.isEmpty ? $0 : "\(prefix).\($0)", rule: "unknown_field",
                    message: .init(fr: "Champ inconnu.", en: "Unknown field.")
                )
            })
        }
        return KeyedDecodingContainer(StrictKeyedContainer(base: container))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        StrictUnkeyedContainer(base: try base.unkeyedContainer())
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        StrictSingleValueContainer(base: try base.singleValueContainer(), decoder: self)
    }

    /// JSON scalars (`String`, `Bool`, the numbers) and the types JSONDecoder reads its own way
    /// (`Date`, `Data`, `URL`) go to JSONDecoder itself; everything else is decoded through a
    /// strict decoder so its own keys are checked.
    static func isScalar<T>(_ type: T.Type) -> Bool {
        type is any LosslessStringConvertible.Type || type == Date.self || type == Data.self || type == URL.self
    }
}

private struct StrictKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>

    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }
    func contains(_ key: Key) -> Bool { base.contains(key) }
    func decodeNil(forKey key: Key) throws -> Bool { try base.decodeNil(forKey: key) }

    /// Also serves every scalar requirement (`decode(String.self, forKey:)`…).
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        // A scalar, a missing key or a null gets JSONDecoder's own answer and error.
        guard !StrictDecoder.isScalar(type), base.contains(key), try !base.decodeNil(forKey: key) else {
            return try base.decode(type, forKey: key)
        }
        return try T(from: StrictDecoder(try base.superDecoder(forKey: key)))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try StrictDecoder(try base.superDecoder(forKey: key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        StrictUnkeyedContainer(base: try base.nestedUnkeyedContainer(forKey: key))
    }

    func superDecoder() throws -> any Decoder { StrictDecoder(try base.superDecoder()) }
    func superDecoder(forKey key: Key) throws -> any Decoder { StrictDecoder(try base.superDecoder(forKey: key)) }
}

private struct StrictUnkeyedContainer: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer

    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }
    mutating func decodeNil() throws -> Bool { try base.decodeNil() }

    /// Also serves every scalar requirement.
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !StrictDecoder.isScalar(type), !base.isAtEnd else { return try base.decode(type) }
        return try T(from: StrictDecoder(try base.superDecoder()))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try StrictDecoder(try base.superDecoder()).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        StrictUnkeyedContainer(base: try base.nestedUnkeyedContainer())
    }

    mutating func superDecoder() throws -> any Decoder { StrictDecoder(try base.superDecoder()) }
}

private struct StrictSingleValueContainer: SingleValueDecodingContainer {
    let base: any SingleValueDecodingContainer
    /// The decoder of this same value, to decode a non-scalar `T` strictly (`Optional`'s wrapped value).
    let decoder: StrictDecoder

    var codingPath: [any CodingKey] { base.codingPath }
    func decodeNil() -> Bool { base.decodeNil() }

    /// Also serves every scalar requirement.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        StrictDecoder.isScalar(type) ? try base.decode(type) : try T(from: decoder)
    }
}

/// A coding key that accepts any name, to list the keys an object really holds.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}
