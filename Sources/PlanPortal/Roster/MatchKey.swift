import Foundation

/// Normalisations used to match what a registrant types against the roster.
public enum MatchKey {
    /// Lower-case, accents folded, spaces, hyphens and apostrophes (straight or typographic) removed:
    /// "Côté-Lévesque", "cote levesque" and "COTÉ'LEVESQUE" give the same key.
    ///
    /// Names written with Latin letters (ASCII, Latin-1, Latin Extended-A and B) and the usual
    /// hyphens and apostrophes are keyed letter by letter from a table built once from the general
    /// rule (a roster file has a hundred thousand of them); anything else takes the general rule.
    public static func name(_ raw: String) -> String {
        latinName(raw) ?? foldedName(raw)
    }

    /// The general rule: Foundation's folding for the `fr_CA` locale, lower-cased, separators dropped.
    static func foldedName(_ raw: String) -> String {
        let folded = raw.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "fr_CA"))
            .lowercased()
        let dropped: Set<Character> = [" ", "\t", "-", "\u{2010}", "\u{2011}", "\u{2013}", "'", "\u{2019}", "\u{2018}", "`", "\u{00A0}"]
        return String(folded.filter { !dropped.contains($0) })
    }

    /// The key of each scalar up to U+024F and of U+2010–U+2019 when the general rule gives it an
    /// ASCII key (possibly empty: separators); nil entries (controls, letters folding outside
    /// ASCII) send the whole name to the general rule.
    static let latinKeys: [[UInt8]?] = (0..<0x2020).map { value in
        guard value == 0x09 || (0x20..<0x7F).contains(value) || (0xA0...0x24F).contains(value) || (0x2010...0x2019).contains(value),
              let scalar = Unicode.Scalar(UInt32(value))
        else { return nil }
        let key = foldedName(String(Character(scalar)))
        return key.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } ? Array(key.utf8) : nil
    }

    /// The key of a name made only of scalars with a table entry, else nil.
    static func latinName(_ raw: String) -> String? {
        var key: [UInt8] = []
        key.reserveCapacity(raw.utf8.count)
        let table = latinKeys
        for scalar in raw.unicodeScalars {
            guard Int(scalar.value) < table.count, let part = table[Int(scalar.value)] else { return nil }
            key.append(contentsOf: part)
        }
        return String(decoding: key, as: UTF8.self)
    }

    /// Upper-case without spaces or dashes: "ab-12 345" → "AB12345".
    public static func certificate(_ raw: String) -> String {
        if raw.utf8.allSatisfy({ $0 < 0x80 }) {
            var out: [UInt8] = []
            out.reserveCapacity(raw.utf8.count)
            for byte in raw.utf8 where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "-") && byte != UInt8(ascii: "\t") {
                out.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 0x20 : byte)
            }
            return String(decoding: out, as: UTF8.self)
        }
        return String(raw.uppercased().filter { $0 != " " && $0 != "-" && $0 != "\u{2013}" && $0 != "\t" })
    }
}
