import Foundation

/// A plan's look, kept in `control.plans.settings.branding`: the primary colour of its portal and
/// what is known of its logo (the bytes live in the plan's schema, `branding_logo`).
public struct BrandingSettings: Codable, Sendable, Equatable {
    /// `#rrggbb`, lower case; white text on it reaches WCAG AA (4.5:1).
    public var primaryColor: String?
    public var logo: LogoInfo?

    public init(primaryColor: String? = nil, logo: LogoInfo? = nil) {
        self.primaryColor = primaryColor
        self.logo = logo
    }
}

/// The stored logo's facts (never its bytes): enough to build its URL and size an `<img>`.
public struct LogoInfo: Codable, Sendable, Equatable {
    public var contentType: String
    public var sizeBytes: Int
    public var width: Int
    public var height: Int
    /// SHA-256 of the bytes, hex: the logo's version in URLs and `ETag`.
    public var sha256: String

    public init(contentType: String, sizeBytes: Int, width: Int, height: Int, sha256: String) {
        self.contentType = contentType
        self.sizeBytes = sizeBytes
        self.width = width
        self.height = height
        self.sha256 = sha256
    }
}

/// `branding` of the admin plan view.
struct BrandingView: Encodable, Sendable {
    @Nullable var primaryColor: String?
    @Nullable var logo: LogoInfo?

    init(_ settings: BrandingSettings) {
        primaryColor = settings.primaryColor
        logo = settings.logo
    }
}

extension Plan {
    /// The plan's branding (nothing set: the portal's own colours, no logo).
    public var branding: BrandingSettings { settings.branding ?? BrandingSettings() }
}

/// `branding` of `PATCH /v1/admin/plans/{plan}`: `primaryColor` set, or cleared with `null`.
/// The logo has its own operations (`putPlanLogo`, `deletePlanLogo`).
public struct BrandingPatch: Decodable, Sendable {
    public var primaryColor: PatchField<String> = .absent

    public init() {}

    var fieldNames: [String] { primaryColor.isPresent ? ["primaryColor"] : [] }

    func applied(to current: BrandingSettings, errors: inout [LocalizedFieldError]) -> BrandingSettings {
        var next = current
        primaryColor.apply(to: &next.primaryColor)
        if let raw = next.primaryColor {
            next.primaryColor = BrandColor.check(raw, field: "branding.primaryColor", errors: &errors)
        }
        return next
    }
}

/// The rule of a brand colour: `#rrggbb` on which white text reaches WCAG 2.x AA for normal text.
enum BrandColor {
    /// WCAG AA for normal-size text.
    static let minimumContrast = 4.5

    /// The colour in lower case, after appending what is wrong with it to `errors`.
    static func check(_ raw: String, field: String, errors: inout [LocalizedFieldError]) -> String {
        let value = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard let rgb = components(value) else {
            errors.append(.init(field: field, rule: "pattern", message: .init(fr: "Couleur #rrvvbb attendue.", en: "Expected a #rrggbb colour.")))
            return value
        }
        let ratio = contrastWithWhite(rgb)
        if ratio < minimumContrast {
            // Rounded, but a ratio just under the floor never reads as 4.50.
            let shown = String(format: "%.2f", min((ratio * 100).rounded() / 100, 4.49))
            errors.append(.init(
                field: field, rule: "contrast",
                message: .init(
                    fr: "Le texte blanc sur cette couleur n'atteint que \(shown.replacingOccurrences(of: ".", with: ",")):1; il faut au moins 4,5:1 (WCAG AA). Choisissez une couleur plus foncée.",
                    en: "White text on this colour only reaches \(shown):1; at least 4.5:1 is needed (WCAG AA). Choose a darker colour."
                )
            ))
        }
        return value
    }

    /// Red, green and blue of `#rrggbb`, 0–255.
    static func components(_ value: String) -> (Int, Int, Int)? {
        guard value.utf8.count == 7, value.hasPrefix("#"), let number = Int(value.dropFirst(), radix: 16),
              value.dropFirst().allSatisfy(\.isHexDigit)
        else { return nil }
        return ((number >> 16) & 0xFF, (number >> 8) & 0xFF, number & 0xFF)
    }

    /// WCAG 2.x relative luminance of an sRGB colour.
    static func relativeLuminance(_ rgb: (Int, Int, Int)) -> Double {
        func linear(_ channel: Int) -> Double {
            let c = Double(channel) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(rgb.0) + 0.7152 * linear(rgb.1) + 0.0722 * linear(rgb.2)
    }

    /// Contrast ratio of white (luminance 1) on the colour: (1 + 0.05) / (L + 0.05).
    static func contrastWithWhite(_ rgb: (Int, Int, Int)) -> Double {
        1.05 / (relativeLuminance(rgb) + 0.05)
    }
}

/// Body of `putPlanLogo`: the stored logo's facts, when it was stored and where it is served.
struct PlanLogo: Encodable, Sendable {
    var contentType: String
    var sizeBytes: Int
    var width: Int
    var height: Int
    var sha256: String
    var updatedAt: Date
    var url: String

    init(info: LogoInfo, updatedAt: Date, url: String) {
        (contentType, sizeBytes, width, height, sha256) = (info.contentType, info.sizeBytes, info.width, info.height, info.sha256)
        (self.updatedAt, self.url) = (updatedAt, url)
    }
}
