import PostgresNIO

extension PostgresQuery.StringInterpolation {
    /// A plan's schema as a quoted identifier: `FROM \(schema: plan).sessions`. It takes a
    /// `PlanSlug`, whose grammar leaves nothing to escape, so a plain `String` cannot be spliced
    /// into SQL this way; `unescaped:` is left for the few statements a reviewer checks one by one.
    mutating func appendInterpolation(schema plan: PlanSlug) {
        appendInterpolation(unescaped: plan.quotedSchema)
    }
}
