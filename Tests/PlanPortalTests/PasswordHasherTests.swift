import Foundation
import Testing

@testable import PlanPortal

@Suite struct PasswordHasherTests {
    /// Cheap parameters keep the suite fast; the default ones are checked by `defaultsAreOWASP`.
    let fast = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)

    @Test func hashesAndVerifies() async throws {
        let hasher = PasswordHasher(concurrency: 2)
        let phc = try await hasher.hash("Motdepasse!23", parameters: fast)
        #expect(phc.hasPrefix("$argon2id$v=19$m=1024,t=1,p=1$"))
        try #expect(await hasher.verify("Motdepasse!23", against: phc))
        try #expect(await !hasher.verify("motdepasse!23", against: phc))
        try #expect(await !hasher.verify("Motdepasse!23", against: "$argon2id$garbage"))
        let again = try await hasher.hash("Motdepasse!23", parameters: fast)
        #expect(again != phc, "each hash has its own salt")
    }

    @Test func defaultsAreOWASP() async throws {
        let hasher = PasswordHasher(concurrency: 1)
        let phc = try await hasher.hash("x")
        #expect(Argon2Parameters(phc: phc) == Argon2Parameters(memoryKiB: 19456, iterations: 2, parallelism: 1))
        #expect(!PasswordHasher.needsRehash(phc, parameters: .default))
        #expect(PasswordHasher.needsRehash(phc, parameters: fast))
    }

    /// A hash from the reference `argon2` command line tool (Debian package `argon2`):
    /// `echo -n password | argon2 somesalt -id -t 2 -m 10 -p 1 -l 32 -e`.
    @Test func verifiesReferenceVector() async throws {
        let hasher = PasswordHasher(concurrency: 1)
        let reference = try String(contentsOf: repositoryRoot.appendingPathComponent("Tests/PlanPortalTests/Fixtures/argon2-reference.txt"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(reference.hasPrefix("$argon2id$"))
        try #expect(await hasher.verify("password", against: reference))
        try #expect(await !hasher.verify("Password", against: reference))
    }

    /// Eight slow hashes at once with room for one and no queue: whichever is admitted first
    /// runs, the ones that arrive while it runs are refused at once (no sleep orders them).
    @Test func refusesPastTheQueueLimit() async throws {
        let hasher = PasswordHasher(concurrency: 1, queueLimit: 0)
        let slow = Argon2Parameters(memoryKiB: 65536, iterations: 3, parallelism: 1)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    do {
                        _ = try await hasher.hash("secret \(i)", parameters: slow)
                        return true
                    } catch is PasswordHasher.Busy {
                        return false
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.contains(true), "one was admitted")
        #expect(outcomes.contains(false), "the others were refused, not queued")
    }
}
