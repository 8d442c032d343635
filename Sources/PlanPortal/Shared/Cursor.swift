import Foundation

/// Opaque keyset cursors: base64url of `v1:<id>`.
public enum Cursor {
    public static func encode(_ id: Int64) -> String {
        SecretToken.base64URL(Array("v1:\(id)".utf8))
    }

    /// The id inside a cursor, or a 422 problem.
    public static func decode(_ cursor: String) throws -> Int64 {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard cursor.count <= 64, let data = Data(base64Encoded: base64),
              let text = String(data: data, encoding: .utf8), text.hasPrefix("v1:"),
              let id = Int64(text.dropFirst(3)), id > 0
        else {
            throw Problem.validation([.init(field: "cursor", rule: "cursor", message: .init(fr: "Curseur invalide.", en: "Invalid cursor."))])
        }
        return id
    }
}
