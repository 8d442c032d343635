import PostgresNIO

/// What of an error may reach the log. PostgreSQL errors are named by SQLSTATE, constraint,
/// table and column only: the server's `detail` (and PostgresNIO's debug description, which
/// carries it and the query's values) can echo e-mails, certificate numbers or tokens.
public enum SafeError {
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let psql as PSQLError:
            var parts = ["code: \(psql.code)"]
            if let info = psql.serverInfo {
                for (name, field) in [("sqlstate", PSQLError.ServerInfo.Field.sqlState), ("constraint", .constraintName),
                                      ("schema", .schemaName), ("table", .tableName), ("column", .columnName)] {
                    if let value = info[field] { parts.append("\(name): \(value)") }
                }
            }
            return "PSQLError(\(parts.joined(separator: ", ")))"
        case let transaction as PostgresTransactionError:
            let parts = [("begin", transaction.beginError), ("closure", transaction.closureError),
                         ("commit", transaction.commitError), ("rollback", transaction.rollbackError)]
                .compactMap { name, error in error.map { "\(name): \(describe($0))" } }
            return "PostgresTransactionError(\(parts.joined(separator: ", ")))"
        case let problem as Problem:
            return "Problem(\(problem.code))"
        default:
            return String(String(describing: error).prefix(300))
        }
    }
}
