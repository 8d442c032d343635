extension Problem {
    /// 422 `roster_invalid`, listing every bad line with its reason; nothing was applied.
    public static func rosterInvalid(_ lineErrors: [RosterLineError]) -> Problem {
        Problem(
            status: .unprocessableContent,
            code: "roster_invalid",
            title: .init(fr: "Liste de membres invalide", en: "Invalid roster"),
            detail: .init(
                fr: "\(lineErrors.count) erreur(s) dans le fichier; aucune modification n'a été appliquée.",
                en: "\(lineErrors.count) error(s) in the file; no change was applied."
            ),
            errors: lineErrors.map { error in
                LocalizedFieldError(
                    field: error.field ?? "row",
                    rule: error.reason,
                    message: RosterLineError.messages[RosterLineError.messageKey(error.reason)]
                        ?? .init(fr: "Ligne invalide.", en: "Invalid line."),
                    line: error.line
                )
            }
        )
    }
}

extension RosterLineError {
    /// The message of a reason; `duplicate_of_line_N` and `duplicate_dependant_of_line_N` share theirs.
    static func messageKey(_ reason: String) -> String {
        if reason.hasPrefix("duplicate_of_line_") { return "duplicate" }
        if reason.hasPrefix("duplicate_dependant_of_line_") { return "duplicate_dependant" }
        return reason
    }

    static let messages: [String: LocalizedText] = [
        "empty_file": .init(fr: "Le fichier est vide.", en: "The file is empty."),
        "unknown_column": .init(fr: "Colonne inconnue.", en: "Unknown column."),
        "duplicate_column": .init(fr: "Colonne en double.", en: "Duplicate column."),
        "missing_column": .init(fr: "Colonne obligatoire absente.", en: "Required column missing."),
        "wrong_field_count": .init(fr: "Nombre de champs différent de l'en-tête.", en: "Field count differs from the header."),
        "required": .init(fr: "Valeur obligatoire.", en: "Value required."),
        "invalid_format": .init(fr: "Format invalide.", en: "Invalid format."),
        "invalid_date": .init(fr: "Date invalide (AAAA-MM-JJ, passée).", en: "Invalid date (YYYY-MM-DD, in the past)."),
        "invalid_email": .init(fr: "Adresse courriel invalide.", en: "Invalid e-mail address."),
        "duplicate": .init(fr: "Numéro de certificat déjà présent plus haut dans le fichier.", en: "Certificate number already earlier in the file."),
        "invalid_coverage_date": .init(fr: "Date de couverture invalide (AAAA-MM-JJ).", en: "Invalid coverage date (YYYY-MM-DD)."),
        "coverage_end_before_start": .init(fr: "La fin de couverture précède son début.", en: "Coverage ends before it starts."),
        "invalid_coverage_status": .init(
            fr: "Statut de couverture invalide (active, suspended ou terminated).",
            en: "Invalid coverage status (active, suspended or terminated)."
        ),
        "duplicate_dependant": .init(fr: "Identifiant de personne à charge déjà présent plus haut dans le fichier.", en: "Dependant id already earlier in the file."),
        "invalid_relationship": .init(fr: "Lien invalide (spouse, child ou other).", en: "Invalid relationship (spouse, child or other)."),
        "unknown_principal": .init(fr: "Aucun membre ne porte ce numéro de certificat.", en: "No member has this certificate number."),
        "dependant_of_other_member": .init(
            fr: "Cette personne à charge est déjà inscrite sous un autre membre.", en: "This dependant is already enrolled under another member."
        ),
        "not_utf8": .init(fr: "Le fichier n'est pas encodé en UTF-8.", en: "The file is not UTF-8 encoded."),
    ]
}
