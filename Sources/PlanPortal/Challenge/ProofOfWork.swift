import Crypto
import Foundation

/// A proof-of-work challenge in the ALTCHA widget format: find `number` in `0...maxnumber` with
/// `hex(SHA-256(salt + number)) == challenge`. The server signs `challenge` with the plan's key, so
/// it needs no state until a solution comes back.
public struct ProofOfWorkChallenge: Codable, Sendable, Equatable {
    public var algorithm: String
    public var challenge: String
    public var maxnumber: Int
    public var salt: String
    public var signature: String
}

/// What the widget sends back, base64-encoded JSON, as `challengeToken`.
public struct ProofOfWorkSolution: Codable, Sendable {
    public var algorithm: String
    public var challenge: String
    public var number: Int
    public var salt: String
    public var signature: String
}

public enum ProofOfWork {
    /// How long a challenge can be solved and redeemed.
    public static let lifetimeSeconds = 300
    static let algorithm = "SHA-256"

    /// A new challenge signed with `key`, expiring `lifetimeSeconds` after `now`.
    public static func make(key: String, maxNumber: Int, now: Date = Date()) -> ProofOfWorkChallenge {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<12).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let expires = Int(now.timeIntervalSince1970) + lifetimeSeconds
        let salt = random.hexString + "?expires=\(expires)"
        let number = Int.random(in: 0...maxNumber, using: &generator)
        let challenge = answer(salt: salt, number: number)
        return ProofOfWorkChallenge(
            algorithm: algorithm, challenge: challenge, maxnumber: maxNumber, salt: salt,
            signature: signature(challenge, key: key)
        )
    }

    /// Why a token was refused.
    public enum Rejection: String, Sendable, Error {
        case malformed, algorithm, signature, solution, expired
    }

    /// Checks a solution's format, signature, answer and expiry (not whether it was used before).
    /// Returns the challenge and the moment it expires.
    public static func check(token: String, key: String, maxNumber: Int, now: Date = Date()) throws(Rejection) -> (challenge: String, expires: Date) {
        guard token.utf8.count <= 4096, let data = decodeBase64(token),
              let solution = try? JSONDecoder().decode(ProofOfWorkSolution.self, from: data) else { throw .malformed }
        guard solution.algorithm == algorithm else { throw .algorithm }
        guard constantTimeEqual(solution.signature, signature(solution.challenge, key: key)) else { throw .signature }
        guard (0...maxNumber).contains(solution.number),
              answer(salt: solution.salt, number: solution.number) == solution.challenge else { throw .solution }
        guard let expires = expiry(of: solution.salt), expires > now else { throw .expired }
        return (solution.challenge, expires)
    }

    /// Brute-forces a challenge the way the widget does (tests, demos, the generated client).
    public static func solve(_ challenge: ProofOfWorkChallenge) -> ProofOfWorkSolution? {
        for number in 0...challenge.maxnumber where answer(salt: challenge.salt, number: number) == challenge.challenge {
            return ProofOfWorkSolution(
                algorithm: challenge.algorithm, challenge: challenge.challenge, number: number,
                salt: challenge.salt, signature: challenge.signature
            )
        }
        return nil
    }

    /// `challengeToken` for a solution: base64 of its JSON.
    public static func token(_ solution: ProofOfWorkSolution) -> String {
        (try? JSONEncoder().encode(solution))?.base64EncodedString() ?? ""
    }

    static func signature(_ challenge: String, key: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(challenge.utf8), using: SymmetricKey(data: Data(key.utf8))).hexString
    }

    /// The `expires` parameter of an ALTCHA salt (`…?expires=UNIX`).
    static func expiry(of salt: String) -> Date? {
        guard let query = salt.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == "expires", let seconds = Int(parts[1]) {
                return Date(timeIntervalSince1970: TimeInterval(seconds))
            }
        }
        return nil
    }

    /// Standard or URL-safe base64, padded or not.
    static func decodeBase64(_ text: String) -> Data? {
        var normalized = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while normalized.utf8.count % 4 != 0 { normalized.append("=") }
        return Data(base64Encoded: normalized)
    }

    /// `hex(SHA-256(salt + number))`: what a challenge commits to.
    static func answer(salt: String, number: Int) -> String {
        SHA256.hash(data: Data((salt + String(number)).utf8)).hexString
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
