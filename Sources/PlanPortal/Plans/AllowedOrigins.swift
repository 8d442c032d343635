/// `control.plans.settings.cors`: the browser origins whose pages may call the plan's member API
/// (CORS). Always written as an object, so `settings || patch` replaces it whole.
public struct CORSSettings: Codable, Sendable, Equatable {
    /// nil: the origin of the plan's `portalUrl`.
    public var allowedOrigins: [String]?

    public init(allowedOrigins: [String]? = nil) {
        self.allowedOrigins = allowedOrigins
    }
}

extension Plan {
    /// The origins CORS grants on this plan's routes: the plan's own list, else the origin of its
    /// `portalUrl` (so it follows a changed portal address).
    public var allowedOrigins: [WebOrigin] {
        if let list = settings.cors?.allowedOrigins { return list.compactMap { WebOrigin($0) } }
        return WebOrigin(ofURL: portalUrl).map { [$0] } ?? []
    }
}

extension PlanRules {
    static let maxAllowedOrigins = 20

    /// Origins normalised as browsers send them, without duplicates; at most 20.
    static func allowedOrigins(_ raw: [String], errors: inout [LocalizedFieldError]) -> [String] {
        if raw.count > maxAllowedOrigins {
            errors.append(.init(field: "allowedOrigins", rule: "max_items", message: .init(fr: "20 origines au plus.", en: "At most 20 origins.")))
        }
        var result: [String] = []
        for (index, entry) in raw.enumerated() {
            guard let origin = WebOrigin(entry) else {
                errors.append(.init(
                    field: "allowedOrigins[\(index)]", rule: "origin",
                    message: .init(
                        fr: "Origine https://hôte[:port] attendue, sans chemin (http seulement pour localhost).",
                        en: "Expected an https://host[:port] origin without a path (http only for localhost)."
                    )
                ))
                continue
            }
            if result.contains(origin.value) {
                errors.append(.init(field: "allowedOrigins[\(index)]", rule: "unique", message: .init(fr: "Origine en double.", en: "Duplicate origin.")))
            } else {
                result.append(origin.value)
            }
        }
        return result
    }
}
