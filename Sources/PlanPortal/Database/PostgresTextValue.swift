import PostgresNIO

/// A value stored in a text column (string enums, `PlanSlug`): bound by its raw value and read
/// back strictly, so a stored value the code does not accept fails the query instead of falling
/// back to a default. (Declared because `Codable` and `RawRepresentable` each bring PostgresNIO a
/// default coding, and a type with both would have two.)
public protocol PostgresTextValue: RawRepresentable<String>, PostgresCodable {}

extension PostgresTextValue {
    public static var psqlType: PostgresDataType { .text }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) throws {
        rawValue.encode(into: &byteBuffer, context: context)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from byteBuffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard let value = Self(rawValue: try String(from: &byteBuffer, type: type, format: format, context: context)) else {
            throw PostgresDecodingError.Code.failure
        }
        self = value
    }
}
