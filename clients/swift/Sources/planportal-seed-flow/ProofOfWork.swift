import Crypto
import Foundation
import PlanPortalClient

/// Solves a `pow` challenge of `getChallenge` (ALTCHA format) as the widget would.
enum ProofOfWork {
    struct Solution: Encodable {
        let algorithm: String
        let challenge: String
        let number: Int
        let salt: String
        let signature: String
    }

    /// Finds `number` in `0...maxnumber` with `hex(SHA-256(salt + number)) == challenge` and returns
    /// `challengeToken`: base64 of the JSON `{algorithm, challenge, number, salt, signature}`.
    static func solve(_ pow: Components.Schemas.ProofOfWorkChallenge) throws -> (token: String, number: Int) {
        guard pow.maxnumber >= 0 else { throw FlowFailure("pow.maxnumber is negative: \(pow.maxnumber)") }
        let target = pow.challenge.lowercased()
        for number in 0...pow.maxnumber {
            let digest = SHA256.hash(data: Data((pow.salt + String(number)).utf8))
            if digest.map({ String(format: "%02x", $0) }).joined() == target {
                let solution = Solution(
                    algorithm: pow.algorithm.rawValue, challenge: pow.challenge, number: number,
                    salt: pow.salt, signature: pow.signature
                )
                let json = try JSONEncoder().encode(solution)
                return (json.base64EncodedString(), number)
            }
        }
        throw FlowFailure("no number in 0…\(pow.maxnumber) solves the challenge \(pow.challenge)")
    }
}
