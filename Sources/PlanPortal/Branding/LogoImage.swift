import Crypto
import Foundation

/// A logo upload, told by its first bytes (the declared `Content-Type` is not trusted): PNG, JPEG
/// or WebP of at most 256 KiB whose header gives its size. SVG is refused: it can carry script.
struct LogoImage: Sendable {
    static let maxBytes = 256 * 1024
    static let maxSide = 4096

    let contentType: String
    let width: Int
    let height: Int
    let bytes: [UInt8]

    var info: LogoInfo {
        LogoInfo(
            contentType: contentType, sizeBytes: bytes.count, width: width, height: height,
            sha256: SHA256.hash(data: bytes).hexString
        )
    }

    /// 415 `unsupported_media_type` for anything but PNG, JPEG or WebP; 422 `logo_invalid` when
    /// its header gives no size, or a side of 0 or over 4096 pixels.
    init(_ bytes: [UInt8]) throws {
        guard let type = Self.sniff(bytes) else { throw Problem.unsupportedLogoType }
        let size: (Int, Int)?
        switch type {
        case "image/png": size = Self.pngSize(bytes)
        case "image/jpeg": size = Self.jpegSize(bytes)
        default: size = Self.webpSize(bytes)
        }
        guard let (width, height) = size, (1...Self.maxSide).contains(width), (1...Self.maxSide).contains(height) else {
            throw Problem.logoInvalid
        }
        (contentType, self.width, self.height, self.bytes) = (type, width, height, bytes)
    }

    static func sniff(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }

    static func bigEndian(_ b: [UInt8], _ at: Int, _ count: Int) -> Int? {
        guard at >= 0, at + count <= b.count else { return nil }
        return b[at..<(at + count)].reduce(0) { $0 << 8 | Int($1) }
    }

    static func littleEndian(_ b: [UInt8], _ at: Int, _ count: Int) -> Int? {
        guard at >= 0, at + count <= b.count else { return nil }
        return b[at..<(at + count)].reversed().reduce(0) { $0 << 8 | Int($1) }
    }

    /// The IHDR chunk, first after the signature.
    static func pngSize(_ b: [UInt8]) -> (Int, Int)? {
        guard b.count >= 24, Array(b[12..<16]) == Array("IHDR".utf8),
              let width = bigEndian(b, 16, 4), let height = bigEndian(b, 20, 4) else { return nil }
        return (width, height)
    }

    /// The first start-of-frame segment (SOF0–SOF15 but DHT, JPG and DAC), before the scan.
    static func jpegSize(_ b: [UInt8]) -> (Int, Int)? {
        var i = 2
        while i + 1 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            if marker == 0xD9 || marker == 0xDA { return nil }
            guard let length = bigEndian(b, i + 2, 2), length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard let height = bigEndian(b, i + 5, 2), let width = bigEndian(b, i + 7, 2) else { return nil }
                return (width, height)
            }
            i += 2 + length
        }
        return nil
    }

    /// The first chunk: lossy `VP8 `, lossless `VP8L` or extended `VP8X` (canvas size).
    static func webpSize(_ b: [UInt8]) -> (Int, Int)? {
        guard b.count >= 30 else { return nil }
        switch String(decoding: b[12..<16], as: UTF8.self) {
        case "VP8 ":
            guard b[23] == 0x9D, b[24] == 0x01, b[25] == 0x2A,
                  let width = littleEndian(b, 26, 2), let height = littleEndian(b, 28, 2) else { return nil }
            return (width & 0x3FFF, height & 0x3FFF)
        case "VP8L":
            guard b[20] == 0x2F, let bits = littleEndian(b, 21, 4) else { return nil }
            return ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            guard let width = littleEndian(b, 24, 3), let height = littleEndian(b, 27, 3) else { return nil }
            return (width + 1, height + 1)
        default:
            return nil
        }
    }
}
