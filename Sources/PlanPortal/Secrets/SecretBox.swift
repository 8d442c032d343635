import Crypto
import Foundation

/// Secrets at rest (challenge provider secrets, proof-of-work keys): AES-256-GCM under
/// `SECRETS_KEY`, stored as `enc:v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`. The key id (the
/// first 8 hex digits of the key's SHA-256) says which key opens a value, so keys can rotate:
/// the old key goes to `SECRETS_PREVIOUS_KEYS`, `planportal secrets rotate` re-encrypts. The
/// additional data binds a value to its plan and field: a value copied elsewhere does not open.
public struct SecretBox: Sendable {
    /// `SymmetricKey` is immutable; Crypto has not marked it Sendable.
    public struct Key: @unchecked Sendable {
        public let id: String
        let key: SymmetricKey

        public init(base64: String) throws {
            guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
                throw ConfigError("a secrets key must be 32 bytes in base64 (openssl rand -base64 32)")
            }
            key = SymmetricKey(data: data)
            id = String(SHA256.hash(data: data).hexString.prefix(8))
        }

        /// A new random key, in base64.
        public static func generate() -> String {
            SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    static let prefix = "enc:v1:"

    public let current: Key
    public let previous: [Key]

    public init(current: Key, previous: [Key] = []) {
        self.current = current
        self.previous = previous
    }

    public func seal(_ plaintext: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: current.key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw Failure(description: "AES-GCM produced no output") }
        return "\(Self.prefix)\(current.id):\(combined.base64EncodedString())"
    }

    /// The plaintext of a sealed value; a value without the prefix is a legacy plaintext and is
    /// returned as is (`rotate` seals it).
    public func open(_ stored: String, context: String) throws -> String {
        guard stored.hasPrefix(Self.prefix) else { return stored }
        let rest = stored.dropFirst(Self.prefix.count).split(separator: ":", maxSplits: 1)
        guard rest.count == 2, let data = Data(base64Encoded: String(rest[1])) else { throw Failure(description: "malformed sealed value") }
        guard let key = ([current] + previous).first(where: { $0.id == rest[0] }) else {
            throw Failure(description: "sealed with unknown key \(rest[0]) (set it in SECRETS_PREVIOUS_KEYS)")
        }
        do {
            let plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key.key, authenticating: Data(context.utf8))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw Failure(description: "sealed value does not open with key \(key.id)")
        }
    }

    /// True when `stored` is sealed under the current key.
    public func isCurrent(_ stored: String) -> Bool {
        stored.hasPrefix("\(Self.prefix)\(current.id):")
    }
}

extension SecretBox {
    /// `SECRETS_KEY` and `SECRETS_PREVIOUS_KEYS` (comma-separated), or in development and tests
    /// without them, a key generated once under `.data/secrets-key` (mode 0600). Production
    /// refuses to start without `SECRETS_KEY`.
    public static func fromEnvironment(_ env: [String: String], environment: AppEnvironment, dataDirectory: URL = URL(fileURLWithPath: ".data")) throws -> SecretBox {
        let previous = try (env["SECRETS_PREVIOUS_KEYS"] ?? "").split(separator: ",").map { try Key(base64: String($0)) }
        if let value = env["SECRETS_KEY"], !value.isEmpty {
            return SecretBox(current: try Key(base64: value), previous: previous)
        }
        guard environment != .production else { throw ConfigError("SECRETS_KEY is required when APP_ENV=production") }
        return SecretBox(current: try Key(base64: try localKey(in: dataDirectory)), previous: previous)
    }

    /// Reads `.data/secrets-key`, creating it (0600, atomically, first writer wins) if absent.
    static func localKey(in directory: URL) throws -> String {
        let file = directory.appendingPathComponent("secrets-key")
        if let existing = try? String(contentsOf: file, encoding: .utf8), !existing.isEmpty { return existing }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = directory.appendingPathComponent(".secrets-key.\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(Key.generate().utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigError("cannot write \(temporary.path): set SECRETS_KEY (base64 of 32 random bytes) where the working directory is read-only")
        }
        defer { try? FileManager.default.removeItem(at: temporary) }
        _ = link(temporary.path, file.path)
        return try String(contentsOf: file, encoding: .utf8)
    }
}
