import Crypto
import Foundation

/// Signing in the Standard Webhooks format: a secret `whsec_<base64 key>`, and for each attempt
/// `webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`,
/// one such value per secret in force, separated by spaces.
public enum WebhookSignature {
    static let secretPrefix = "whsec_"

    /// A new secret: 32 random bytes.
    public static func newSecret() -> String {
        secretPrefix + SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The key bytes of a `whsec_…` secret, or nil when it is not one.
    static func key(_ secret: String) -> SymmetricKey? {
        guard secret.hasPrefix(secretPrefix), let data = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))), !data.isEmpty
        else { return nil }
        return SymmetricKey(data: data)
    }

    /// `v1,<base64>` for one secret.
    public static func sign(secret: String, id: String, timestamp: Int, body: some DataProtocol) throws -> String {
        guard let key = key(secret) else { throw SecretBox.Failure(description: "not a whsec_ secret") }
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
    }

    /// The three headers of one attempt, signed with every secret given (current first).
    static func headers(id: String, timestamp: Int, body: some DataProtocol, secrets: [String]) throws -> [(String, String)] {
        let signatures = try secrets.map { try sign(secret: $0, id: id, timestamp: timestamp, body: body) }
        return [("webhook-id", id), ("webhook-timestamp", "\(timestamp)"), ("webhook-signature", signatures.joined(separator: " "))]
    }
}
