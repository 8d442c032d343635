import Foundation

/// Body of `POST /v1/admin/plans` and the flags of `planportal plans create`.
public struct PlanCreateInput: Decodable, Sendable {
    public var slug: String
    public var nameFr: String
    public var nameEn: String
    public var emailDomains: [String]
    public var portalUrl: String
    public var support: SupportContact?
    public var defaultLocale: Language?

    public init(
        slug: String,
        nameFr: String,
        nameEn: String,
        emailDomains: [String],
        portalUrl: String,
        support: SupportContact? = nil,
        defaultLocale: Language? = nil
    ) {
        self.slug = slug
        self.nameFr = nameFr
        self.nameEn = nameEn
        self.emailDomains = emailDomains
        self.portalUrl = portalUrl
        self.support = support
        self.defaultLocale = defaultLocale
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case slug, nameFr, nameEn, emailDomains, portalUrl, support, defaultLocale
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        slug = try c.decode(String.self, forKey: .slug)
        nameFr = try c.decode(String.self, forKey: .nameFr)
        nameEn = try c.decode(String.self, forKey: .nameEn)
        emailDomains = try c.decode([String].self, forKey: .emailDomains)
        portalUrl = try c.decode(String.self, forKey: .portalUrl)
        support = try c.decodeIfPresent(SupportContact.self, forKey: .support)
        defaultLocale = try c.decodeIfPresent(Language.self, forKey: .defaultLocale)
    }

    /// The checked, normalised plan, or a 422 problem listing every broken rule.
    public func validated() throws -> ValidPlanInput {
        var errors: [LocalizedFieldError] = []
        let slug = PlanSlug(self.slug)
        if slug == nil { errors.append(contentsOf: Problem.invalidPlanSlug.errors.map { .init(field: "slug", rule: $0.rule, message: $0.message) }) }
        let nameFr = PlanRules.name(self.nameFr, field: "nameFr", errors: &errors)
        let nameEn = PlanRules.name(self.nameEn, field: "nameEn", errors: &errors)
        let domains = PlanRules.emailDomains(emailDomains, errors: &errors)
        let url = PlanRules.portalURL(portalUrl, errors: &errors)
        let support = PlanRules.support(self.support ?? SupportContact(), errors: &errors)
        guard errors.isEmpty, let slug else { throw Problem.validation(errors) }
        return ValidPlanInput(
            slug: slug, nameFr: nameFr, nameEn: nameEn, emailDomains: domains, portalUrl: url,
            support: support, defaultLocale: defaultLocale ?? .fr
        )
    }
}

/// A plan input whose every field passed `PlanRules`.
public struct ValidPlanInput: Sendable {
    public var slug: PlanSlug
    public var nameFr: String
    public var nameEn: String
    public var emailDomains: [String]
    public var portalUrl: String
    public var support: SupportContact
    public var defaultLocale: Language
}

/// Body of `PATCH /v1/admin/plans/{plan}` (JSON merge patch: absent leaves a field alone,
/// `null` clears a support field).
public struct PlanPatch: Decodable, Sendable {
    public var nameFr: String?
    public var nameEn: String?
    public var emailDomains: [String]?
    public var portalUrl: String?
    public var support: SupportPatch?
    public var defaultLocale: Language?

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case nameFr, nameEn, emailDomains, portalUrl, support, defaultLocale
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nameFr = try c.decodeIfPresent(String.self, forKey: .nameFr)
        nameEn = try c.decodeIfPresent(String.self, forKey: .nameEn)
        emailDomains = try c.decodeIfPresent([String].self, forKey: .emailDomains)
        portalUrl = try c.decodeIfPresent(String.self, forKey: .portalUrl)
        support = try c.decodeIfPresent(SupportPatch.self, forKey: .support)
        defaultLocale = try c.decodeIfPresent(Language.self, forKey: .defaultLocale)
    }

    /// Names of the fields this patch sets, for the audit trail.
    public var fieldNames: [String] {
        var names: [String] = []
        if nameFr != nil { names.append("nameFr") }
        if nameEn != nil { names.append("nameEn") }
        if emailDomains != nil { names.append("emailDomains") }
        if portalUrl != nil { names.append("portalUrl") }
        if let support { names.append(contentsOf: support.fieldNames.map { "support.\($0)" }) }
        if defaultLocale != nil { names.append("defaultLocale") }
        return names
    }

    /// Applies the patch to `plan` after checking every rule (422 problem on any failure).
    public func applied(to plan: Plan) throws -> Plan {
        var errors: [LocalizedFieldError] = []
        var result = plan
        if let nameFr { result.nameFr = PlanRules.name(nameFr, field: "nameFr", errors: &errors) }
        if let nameEn { result.nameEn = PlanRules.name(nameEn, field: "nameEn", errors: &errors) }
        if let emailDomains { result.emailDomains = PlanRules.emailDomains(emailDomains, errors: &errors) }
        if let portalUrl { result.portalUrl = PlanRules.portalURL(portalUrl, errors: &errors) }
        if let support { result.support = PlanRules.support(support.applied(to: plan.support), errors: &errors) }
        if let defaultLocale { result.defaultLocale = defaultLocale }
        if fieldNames.isEmpty {
            errors.append(.init(field: "body", rule: "min_properties", message: .init(fr: "Aucun champ à modifier.", en: "No field to change.")))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return result
    }
}

/// Merge patch of the support contact.
public struct SupportPatch: Decodable, Sendable {
    public var phone: PatchField<String> = .absent
    public var email: PatchField<String> = .absent
    public var hoursFr: PatchField<String> = .absent
    public var hoursEn: PatchField<String> = .absent

    public init() {}

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(SupportContact.CodingKeys.self)
        let c = try decoder.container(keyedBy: SupportContact.CodingKeys.self)
        phone = try c.decodePatch(String.self, forKey: .phone)
        email = try c.decodePatch(String.self, forKey: .email)
        hoursFr = try c.decodePatch(String.self, forKey: .hoursFr)
        hoursEn = try c.decodePatch(String.self, forKey: .hoursEn)
    }

    var fieldNames: [String] {
        [("phone", phone.isPresent), ("email", email.isPresent), ("hoursFr", hoursFr.isPresent), ("hoursEn", hoursEn.isPresent)]
            .filter(\.1).map(\.0)
    }

    func applied(to contact: SupportContact) -> SupportContact {
        var result = contact
        phone.apply(to: &result.phone)
        email.apply(to: &result.email)
        hoursFr.apply(to: &result.hoursFr)
        hoursEn.apply(to: &result.hoursEn)
        return result
    }
}

extension PatchField {
    var isPresent: Bool {
        if case .absent = self { return false }
        return true
    }

    func apply(to target: inout Value?) {
        switch self {
        case .absent: break
        case .null: target = nil
        case .value(let value): target = value
        }
    }
}
