/// The portal's texts about the member's family (issue #14): dependants on the profile and
/// coverage pages, the patient of a claim, enrolment requests.
extension PortalText {
    static let family: [String: LocalizedText] = [
        "relationship_self": .init(fr: "Vous-même", en: "Yourself"),
        "relationship_spouse": .init(fr: "Conjoint ou conjointe", en: "Spouse"),
        "relationship_child": .init(fr: "Enfant", en: "Child"),
        "relationship_other": .init(fr: "Autre personne à charge", en: "Other dependant"),
        "family_title": .init(fr: "Ma famille", en: "My family"),
        "family_none": .init(fr: "Aucune personne à charge n'est inscrite à votre régime.", en: "No dependant is enrolled in your plan."),
        "family_coverage_title": .init(fr: "Couverture de ma famille", en: "My family's coverage"),
        "family_relationship": .init(fr: "Lien", en: "Relationship"),
        "family_covered_today": .init(fr: "Couverte aujourd'hui", en: "Covered today"),
        "family_not_covered_today": .init(fr: "Non couverte aujourd'hui", en: "Not covered today"),
        "family_today": .init(fr: "Aujourd'hui", en: "Today"),
        "family_usage_caption": .init(fr: "Utilisation par type de soin", en: "Use by type of care"),
        "family_maximum": .init(fr: "maximum familial", en: "family maximum"),
        // The patient of a claim
        "claim_patient": .init(fr: "Personne soignée", en: "Patient"),
        "claim_patient_label": .init(fr: "Pour qui sont ces soins ?", en: "Who received the care?"),
        "claim_patient_hint": .init(
            fr: "Vous-même ou une personne à charge couverte par votre régime à la date du service.",
            en: "You or a dependant covered by your plan on the service date."
        ),
        // Enrolment requests
        "enrolment_title": .init(fr: "Inscrire une personne à charge", en: "Enrol a dependant"),
        "enrolment_intro_before": .init(
            fr: "Inscrivez votre conjoint ou vos enfants dans les", en: "Enrol your spouse or children within"
        ),
        "enrolment_intro_after": .init(
            fr: "jours suivant votre arrivée ou l'événement (mariage, naissance, adoption). Au-delà, la demande est acceptée, mais des frais de retard et des primes rétroactives peuvent s'appliquer.",
            en: "days of your arrival or of the event (marriage, birth, adoption). A later request is still accepted, but a late fee and back premiums may apply."
        ),
        "enrolment_relationship_label": .init(fr: "Lien avec vous", en: "Relationship to you"),
        "enrolment_relationship_required": .init(fr: "Choisissez le lien avec vous.", en: "Choose the relationship to you."),
        "enrolment_names_hint": .init(fr: "Comme sur la pièce justificative.", en: "As on the proof document."),
        "enrolment_event_label": .init(fr: "Date de l'événement", en: "Date of the event"),
        "enrolment_event_hint": .init(
            fr: "Votre arrivée au Canada, le mariage ou le début de l'union, la naissance ou l'adoption.",
            en: "Your arrival in Canada, the marriage or start of the union, the birth or the adoption."
        ),
        "enrolment_proof_label": .init(fr: "Pièce justificative", en: "Proof document"),
        "enrolment_proof_hint": .init(
            fr: "Certificat de mariage, acte de naissance ou jugement d'adoption (PDF, JPEG ou PNG, 10 Mo au plus).",
            en: "Marriage certificate, birth certificate or adoption order (PDF, JPEG or PNG, at most 10 MB)."
        ),
        "enrolment_proof_required": .init(fr: "Joignez une pièce justificative.", en: "Attach a proof document."),
        "enrolment_send": .init(fr: "Envoyer la demande", en: "Send the request"),
        "enrolment_sent": .init(
            fr: "Votre demande d'inscription est envoyée. Nous vous écrirons une fois qu'elle sera traitée.",
            en: "Your enrolment request is sent. We will write to you once it is decided."
        ),
        "enrolment_sent_late": .init(
            fr: "Votre demande d'inscription est envoyée. Elle arrive après le délai d'inscription : des frais de retard et des primes rétroactives peuvent s'appliquer.",
            en: "Your enrolment request is sent. It comes after the enrolment window: a late fee and back premiums may apply."
        ),
        "enrolment_requests_title": .init(fr: "Mes demandes d'inscription", en: "My enrolment requests"),
        "enrolment_status_submitted": .init(fr: "En attente de décision", en: "Awaiting decision"),
        "enrolment_status_approved": .init(fr: "Approuvée", en: "Approved"),
        "enrolment_status_denied": .init(fr: "Refusée", en: "Denied"),
        "enrolment_late": .init(fr: "Après le délai", en: "Late"),
        "enrolment_late_hint": .init(
            fr: "Faite après le délai d'inscription : des frais de retard et des primes rétroactives peuvent s'appliquer.",
            en: "Made after the enrolment window: a late fee and back premiums may apply."
        ),
        "enrolment_sent_on": .init(fr: "Envoyée le", en: "Sent on"),
        "enrolment_reason": .init(fr: "Motif", en: "Reason"),
        "enrolment_documents": .init(fr: "Pièces justificatives", en: "Proof documents"),
        "enrolment_no_documents": .init(fr: "Aucune pièce justificative.", en: "No proof document."),
        "enrolment_document_label": .init(fr: "Ajouter une pièce justificative pour", en: "Add a proof document for"),
        "enrolment_document_send": .init(fr: "Ajouter la pièce", en: "Add the document"),
        "enrolment_document_added": .init(fr: "La pièce justificative est ajoutée.", en: "The proof document is added."),
    ]
}
