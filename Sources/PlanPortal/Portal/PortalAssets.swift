import Crypto
import Foundation
import Mustache

/// The portal's templates and static files, read once at start from `portal/` in the assets
/// folder (next to `openapi.yaml` and `sql/`): `portal/templates/*.mustache` and
/// `portal/static/*` (CSS, JavaScript, images). Nothing else on disk is ever served.
struct PortalAssets: Sendable {
    struct StaticFile: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    let library: MustacheLibrary
    let files: [String: StaticFile]
    /// A digest of every static file, appended to their URLs so a new release is fetched anew
    /// while browsers cache the files for a long time.
    let version: String

    static let contentTypes = [
        "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "ico": "image/x-icon", "webp": "image/webp", "jpg": "image/jpeg",
    ]

    /// The portal of `assets`, or nil when the folder has no `portal/` (an API-only deployment).
    static func load(assets: URL) throws -> PortalAssets? {
        let root = assets.appendingPathComponent("portal", isDirectory: true)
        let fm = FileManager.default
        guard fm.fileExists(atPath: root.appendingPathComponent("templates").path) else { return nil }
        var library = MustacheLibrary()
        let templates = root.appendingPathComponent("templates", isDirectory: true)
        for name in try fm.contentsOfDirectory(atPath: templates.path).sorted() where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(name), encoding: .utf8)
            do {
                try library.register(text, named: String(name.dropLast(".mustache".count)))
            } catch {
                throw ConfigError("portal/templates/\(name) does not parse: \(error)")
            }
        }
        var files: [String: StaticFile] = [:]
        var digest = SHA256()
        let statics = root.appendingPathComponent("static", isDirectory: true)
        for name in (try? fm.contentsOfDirectory(atPath: statics.path).sorted()) ?? [] {
            guard let type = contentTypes[(name as NSString).pathExtension.lowercased()] else { continue }
            let bytes = try [UInt8](Data(contentsOf: statics.appendingPathComponent(name)))
            files[name] = StaticFile(bytes: bytes, contentType: type)
            digest.update(data: Data(name.utf8))
            digest.update(data: Data(bytes))
        }
        return PortalAssets(library: library, files: files, version: String(digest.finalize().hexString.prefix(12)))
    }
}
