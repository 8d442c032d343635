import HTTPTypes
import NIOCore

/// How many receipts a member may send.
enum AttachmentLimits {
    /// Receipts on one claim.
    static let perClaim = 10
    /// Bytes of receipts per account within any 24 hours.
    static let dailyBytes = 50 * 1024 * 1024
}

/// Receipt types, told by their first bytes (the declared Content-Type is not trusted).
enum ReceiptType {
    static let maxBytes = 10 * 1024 * 1024

    /// `application/pdf`, `image/jpeg` or `image/png`, or nil for anything else.
    static func sniff<Bytes: Collection>(_ bytes: Bytes) -> String? where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(8))
        if head.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        return nil
    }
}

/// A receipt's file name: 1 to 200 characters without control characters, slashes or quotes, else 422.
struct ReceiptFilename: Sendable {
    let value: String

    init(_ raw: String) throws {
        let forbidden: Set<Character> = ["/", "\\", "\""]
        guard (1...200).contains(raw.count),
              !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
              !raw.contains(where: { forbidden.contains($0) })
        else {
            throw Problem.validation([.claims("filename", "format", fr: "Nom de fichier invalide.", en: "Invalid file name.")])
        }
        value = raw
    }
}

/// A stored receipt with its bytes (`getClaimAttachment`).
struct ClaimAttachment: Sendable {
    /// Sniffed at upload, never the client's claim.
    var contentType: String
    var filename: String?
    var bytes: ByteBuffer

    /// How every presentation hands a receipt over: a download, never rendered in place, with
    /// its name when it is plain ASCII (others are kept in the claim's detail).
    var headers: HTTPFields {
        var headers: HTTPFields = [.contentType: contentType, .cacheControl: "no-store", .xContentTypeOptions: "nosniff"]
        headers[.contentDisposition] = filename.flatMap { $0.allSatisfy(\.isASCII) ? "attachment; filename=\"\($0)\"" : nil } ?? "attachment"
        return headers
    }
}
