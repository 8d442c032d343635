import NIOCore

/// The token of an e-mailed link (activation, password reset): 256 bits as 43 base64url
/// characters. Anything else cannot be one, and is answered like an unknown link.
struct LinkToken: Sendable {
    let value: String

    init?(_ raw: String) {
        let bytes = raw.utf8
        guard bytes.count == 43, bytes.allSatisfy({ $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        value = raw
    }

    /// What is stored of it: its SHA-256.
    var digest: ByteBuffer { ByteBuffer(bytes: SecretToken.digest(value)) }
}
