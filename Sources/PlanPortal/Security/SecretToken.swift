import Crypto
import Foundation

/// 256-bit random secrets handed out once (admin keys, later activation and session tokens),
/// and the SHA-256 digests that are stored in their place.
public enum SecretToken {
    /// 32 random bytes as unpadded base64url (43 characters), after `prefix`.
    public static func generate(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + base64URL(bytes)
    }

    /// SHA-256 of the token's UTF-8 bytes: what the database stores and looks up.
    public static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
