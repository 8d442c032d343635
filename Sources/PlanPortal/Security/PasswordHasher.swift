import CArgon2
import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// Argon2id cost parameters (RFC 9106). The default is OWASP's m=19456 KiB, t=2, p=1.
public struct Argon2Parameters: Sendable, Equatable, Codable {
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32

    public init(memoryKiB: UInt32 = 19456, iterations: UInt32 = 2, parallelism: UInt32 = 1) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    public static let `default` = Argon2Parameters()

    /// The parameters written in a PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`, if it is one.
    public init?(phc: String) {
        let fields = phc.split(separator: "$")
        guard fields.count == 5, fields[0] == "argon2id", fields[1] == "v=19" else { return nil }
        var values: [Substring: UInt32] = [:]
        for pair in fields[2].split(separator: ",") {
            let kv = pair.split(separator: "=")
            guard kv.count == 2, let number = UInt32(kv[1]) else { return nil }
            values[kv[0]] = number
        }
        guard let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        self.init(memoryKiB: m, iterations: t, parallelism: p)
    }
}

/// Hashes and verifies secrets with libargon2's Argon2id on a dedicated thread pool, never on
/// Swift's cooperative pool. `HashScheduler` admits the jobs: at most `concurrency` at once, their
/// memory within `HASH_MEMORY_MIB`, at most `queueLimit` waiting and half of that per plan
/// (the plan is the request's, set by `PlanGroupMiddleware`); past that callers get
/// `PasswordHasher.Busy` (rendered as 503 `service_busy`).
public final class PasswordHasher: Sendable {
    /// The plan on whose behalf the current task hashes (nil: operator commands, tests).
    @TaskLocal public static var plan: String?

    public struct Busy: Error {}
    public struct HashingFailed: Error, CustomStringConvertible {
        public let description: String
    }

    static let saltLength = 16
    static let hashLength = 32

    private let pool: NIOThreadPool
    let scheduler: HashScheduler
    private let dummies = NIOLockedValueBox<[String: String]>([:])
    public let concurrency: Int
    public let queueLimit: Int

    /// - Parameter memoryBudgetMiB: memory all running hashes may use together (`HASH_MEMORY_MIB`).
    public init(concurrency: Int, queueLimit: Int = 256, memoryBudgetMiB: Int = 1024) {
        self.concurrency = max(1, concurrency)
        self.queueLimit = queueLimit
        self.scheduler = HashScheduler(concurrency: self.concurrency, queueLimit: queueLimit, memoryBudgetKiB: UInt64(max(1, memoryBudgetMiB)) * 1024)
        self.pool = NIOThreadPool(numberOfThreads: self.concurrency)
        self.pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// A PHC string of a fresh random salt and the Argon2id hash of `secret`.
    public func hash(_ secret: String, parameters: Argon2Parameters = .default) async throws -> String {
        try await run(memoryKiB: parameters.memoryKiB) { try Self.hashSync(secret, parameters: parameters) }
    }

    /// True when `secret` matches `phc`. A malformed PHC string is a mismatch, not an error.
    public func verify(_ secret: String, against phc: String) async throws -> Bool {
        // The cost is read from the hash itself; what is not a well-formed Argon2id hash is a
        // mismatch without any work.
        guard let parameters = Argon2Parameters(phc: phc) else { return false }
        return try await run(memoryKiB: parameters.memoryKiB) { Self.verifySync(secret, phc: phc) }
    }

    /// A hash of a random secret with `parameters`, made once: verifying unknown users against it
    /// costs what verifying a real user costs.
    public func dummyHash(_ parameters: Argon2Parameters) async throws -> String {
        let key = "\(parameters.memoryKiB)/\(parameters.iterations)/\(parameters.parallelism)"
        if let known = dummies.withLockedValue({ $0[key] }) { return known }
        let made = try await hash(SecretToken.generate(), parameters: parameters)
        dummies.withLockedValue { $0[key] = made }
        return made
    }

    /// True when a dummy hash of this cost was made (tests: unknown e-mails pay the plan's cost).
    func hasDummy(for parameters: Argon2Parameters) -> Bool {
        dummies.withLockedValue { $0["\(parameters.memoryKiB)/\(parameters.iterations)/\(parameters.parallelism)"] != nil }
    }

    /// True when `phc` was made with other parameters than `parameters` (rehash after a login).
    public static func needsRehash(_ phc: String, parameters: Argon2Parameters) -> Bool {
        Argon2Parameters(phc: phc) != parameters
    }

    private func run<T: Sendable>(memoryKiB: UInt32, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let memory = UInt64(memoryKiB)
        try await scheduler.acquire(plan: Self.plan ?? "", memoryKiB: memory)
        defer { scheduler.release(memoryKiB: memory) }
        return try await pool.runIfActive(work)
    }

    static func hashSync(_ secret: String, parameters: Argon2Parameters) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let password = Array(secret.utf8)
        let encodedLength = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            UInt32(saltLength), UInt32(hashLength), Argon2_id
        )
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let status = password.withUnsafeBytes { pwd in
            salt.withUnsafeBytes { saltBytes in
                argon2id_hash_encoded(
                    parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                    pwd.baseAddress, pwd.count, saltBytes.baseAddress, saltBytes.count,
                    hashLength, &encoded, encodedLength
                )
            }
        }
        guard status == ARGON2_OK.rawValue else {
            throw HashingFailed(description: String(cString: argon2_error_message(status)))
        }
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verifySync(_ secret: String, phc: String) -> Bool {
        guard phc.hasPrefix("$argon2id$") else { return false }
        let password = Array(secret.utf8)
        let status = password.withUnsafeBytes { pwd in
            argon2id_verify(phc, pwd.baseAddress, pwd.count)
        }
        return status == ARGON2_OK.rawValue
    }
}
