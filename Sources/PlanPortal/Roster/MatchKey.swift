import Foundation

/// Normalisations used to match what a registrant types against the roster.
public enum MatchKey {
    /// Lower-case, accents folded, spaces, hyphens and apostrophes (straight or typographic) removed:
    /// "Côté-Lévesque", "cote levesque" and "COTÉ'LEVESQUE" give the same key.
    public static func name(_ raw: String) -> String {
        let folded = raw.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: Locale(identifier: "fr_CA"))
            .lowercased()
        let dropped: Set<Character> = [" ", "\t", "-", "\u{2010}", "\u{2011}", "\u{2013}", "'", "\u{2019}", "\u{2018}", "`", "\u{00A0}"]
        return String(folded.filter { !dropped.contains($0) })
    }

    /// Upper-case without spaces or dashes: "ab-12 345" → "AB12345".
    public static func certificate(_ raw: String) -> String {
        String(raw.uppercased().filter { $0 != " " && $0 != "-" && $0 != "\u{2013}" && $0 != "\t" })
    }
}
