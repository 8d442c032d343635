/// A personal verification question (RAMU step 9), asked back with a reset link, never alone.
public struct SecurityQuestion: Codable, Sendable, Equatable {
    public var id: String
    public var textFr: String
    public var textEn: String

    public init(id: String, textFr: String, textEn: String) {
        self.id = id
        self.textFr = textFr
        self.textEn = textEn
    }

    public func text(_ language: Language) -> String { language == .fr ? textFr : textEn }

    /// Offered when a plan has not configured its own list.
    public static let defaults: [SecurityQuestion] = [
        .init(id: "first-pet", textFr: "Quel était le nom de votre premier animal de compagnie?", textEn: "What was the name of your first pet?"),
        .init(id: "parents-city", textFr: "Dans quelle ville vos parents se sont-ils rencontrés?", textEn: "In what city did your parents meet?"),
        .init(id: "elementary-school", textFr: "Quel était le nom de votre école primaire?", textEn: "What was the name of your elementary school?"),
        .init(id: "childhood-friend", textFr: "Quel est le prénom de votre meilleur ami ou meilleure amie d'enfance?", textEn: "What is the first name of your childhood best friend?"),
        .init(id: "first-car", textFr: "Quel était le modèle de votre première voiture?", textEn: "What was the model of your first car?"),
        .init(id: "street-age-ten", textFr: "Dans quelle rue habitiez-vous à l'âge de dix ans?", textEn: "What street did you live on at age ten?"),
        .init(id: "favourite-dish", textFr: "Quel était votre plat préféré pendant l'enfance?", textEn: "What was your favourite dish as a child?"),
        .init(id: "first-job", textFr: "Quel était votre premier emploi?", textEn: "What was your first job?"),
    ]

    /// Answers are compared after folding case and accents and dropping spaces and punctuation.
    public static func normalizedAnswer(_ answer: String) -> String {
        MatchKey.name(answer).filter { $0.isLetter || $0.isNumber }
    }
}
