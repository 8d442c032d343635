extension Argon2Patch {
    /// What a `plan-admin` key may ask for: m ≤ 65,536 KiB, t ≤ 4, p ≤ 2 (platform keys go up to
    /// the hard caps of `PlanRules.argon2`). Every login, activation and reset of the plan costs
    /// this on the shared hashing pool, so a tenant cannot make it arbitrarily dear.
    static let planAdminMaximum = Argon2Parameters(memoryKiB: 65_536, iterations: 4, parallelism: 2)

    /// The fields this patch sets above the plan-admin maximum (422 `validation_failed`, rule `plan_admin_max`).
    func planAdminErrors() -> [LocalizedFieldError] {
        let max = Self.planAdminMaximum
        var errors: [LocalizedFieldError] = []
        if let memoryKiB, memoryKiB > max.memoryKiB {
            errors.append(.init(field: "argon2.memoryKiB", rule: "plan_admin_max", message: .init(fr: "65536 Kio au plus (clé plan-admin).", en: "At most 65536 KiB (plan-admin key).")))
        }
        if let iterations, iterations > max.iterations {
            errors.append(.init(field: "argon2.iterations", rule: "plan_admin_max", message: .init(fr: "4 au plus (clé plan-admin).", en: "At most 4 (plan-admin key).")))
        }
        if let parallelism, parallelism > max.parallelism {
            errors.append(.init(field: "argon2.parallelism", rule: "plan_admin_max", message: .init(fr: "2 au plus (clé plan-admin).", en: "At most 2 (plan-admin key).")))
        }
        return errors
    }
}
