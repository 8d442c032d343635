/// Every text of the portal's pages, in French and English, by key (`{{t.key}}` in the
/// templates). Error texts are not here: they come from the problems' own catalogue (`Problems/`
/// and each feature's `Problem+…`), so the portal and the JSON API say the same thing.
enum PortalText {
    static func all(_ language: Language) -> [String: String] {
        language == .fr ? french : english
    }

    static func text(_ key: String, _ language: Language) -> String {
        all(language)[key] ?? key
    }

    static let french: [String: String] = entries.mapValues(\.fr)
    static let english: [String: String] = entries.mapValues(\.en)

    /// Every key: these, and those of each feature's own file (`PortalText+Family`).
    static let entries: [String: LocalizedText] = core.merging(family) { first, _ in first }

    static let core: [String: LocalizedText] = [
        // Layout
        "skip": .init(fr: "Aller au contenu", en: "Skip to content"),
        "nav_label": .init(fr: "Menu principal", en: "Main menu"),
        "language_label": .init(fr: "Langue", en: "Language"),
        "portal": .init(fr: "Portail des participants", en: "Member portal"),
        "support_title": .init(fr: "Vous avez des questions ?", en: "Questions?"),
        "support_call": .init(fr: "Appelez-nous au", en: "Call us at"),
        "support_write": .init(fr: "ou écrivez-nous à", en: "or write to"),
        "error_prefix": .init(fr: "Erreur :", en: "Error:"),
        "error_summary_title": .init(fr: "Veuillez corriger ce qui suit", en: "Please fix the following"),
        "required": .init(fr: "obligatoire", en: "required"),
        "next_step": .init(fr: "Étape suivante", en: "Next step"),
        "submit": .init(fr: "Soumettre", en: "Submit"),
        "back": .init(fr: "Retour", en: "Back"),
        // Navigation
        "nav_login": .init(fr: "Ouvrir une session", en: "Log in"),
        "nav_register": .init(fr: "Inscrivez-vous maintenant", en: "Register now"),
        "nav_coverage": .init(fr: "Ma couverture", en: "My coverage"),
        "nav_claims": .init(fr: "Mes demandes de règlement", en: "My claims"),
        "nav_profile": .init(fr: "Mon profil", en: "My profile"),
        "nav_logout": .init(fr: "Fermer la session", en: "Log out"),
        // Registration step 1
        "register_title": .init(fr: "Inscription d'un nouvel utilisateur", en: "New user registration"),
        "register_step1": .init(fr: "Étape 1 de 2 : votre adresse courriel", en: "Step 1 of 2: your e-mail address"),
        "register_step1_intro": .init(
            fr: "Votre adresse courriel institutionnelle deviendra votre nom d'utilisateur. Vous l'utiliserez pour accéder aux services en ligne.",
            en: "Your institutional e-mail address becomes your user name. You will use it to reach the online services."
        ),
        "email_label": .init(fr: "Adresse courriel institutionnelle", en: "Institutional e-mail address"),
        "email_hint": .init(fr: "Adresses acceptées :", en: "Accepted addresses:"),
        "email_confirmation_label": .init(fr: "Confirmation de l'adresse courriel", en: "Confirm the e-mail address"),
        "email_confirmation_hint": .init(fr: "Entrez la même adresse une seconde fois.", en: "Enter the same address a second time."),
        "register_24h": .init(
            fr: "Important : un message sera envoyé à cette adresse. Vous aurez 24 heures pour activer votre compte à partir de ce message.",
            en: "Important: a message will be sent to this address. You will have 24 hours to activate your account from it."
        ),
        "have_account": .init(fr: "Vous avez déjà un compte ?", en: "Already have an account?"),
        // Registration step 2
        "register_step2": .init(fr: "Étape 2 de 2 : vos renseignements personnels", en: "Step 2 of 2: your personal information"),
        "register_step2_intro": .init(
            fr: "Les renseignements demandés doivent être identiques à ceux de votre carte de paiement direct ou de votre certificat d'assurance.",
            en: "The information must match your direct payment card or your insurance certificate."
        ),
        "last_name_label": .init(fr: "Nom de famille", en: "Last name"),
        "first_name_label": .init(fr: "Prénom", en: "First name"),
        "names_hint": .init(fr: "Comme dans votre dossier universitaire.", en: "As in your university record."),
        "dob_label": .init(fr: "Date de naissance", en: "Date of birth"),
        "dob_hint": .init(fr: "Jour, mois et année, par exemple le 12 avril 1999.", en: "Day, month and year, for example April 12, 1999."),
        "certificate_label": .init(fr: "Numéro de certificat", en: "Certificate number"),
        "certificate_hint": .init(
            fr: "Il figure sur votre carte de couverture, qui vous a été envoyée par courriel (lettres et chiffres).",
            en: "It is on your coverage card, which was sent to you by e-mail (letters and digits)."
        ),
        "restart_registration": .init(fr: "Recommencer l'inscription", en: "Start the registration again"),
        // Challenge
        "challenge_label": .init(fr: "Vérification anti-robot", en: "Anti-robot check"),
        "challenge_pow_hint": .init(
            fr: "Votre navigateur fait un petit calcul pour prouver qu'il n'est pas un robot. Cela prend quelques secondes.",
            en: "Your browser does a small computation to prove it is not a robot. It takes a few seconds."
        ),
        "challenge_pow_waiting": .init(fr: "Vérification pas encore commencée.", en: "Check not started yet."),
        "challenge_pow_working": .init(fr: "Vérification en cours…", en: "Checking…"),
        "challenge_pow_done": .init(fr: "Vérification terminée.", en: "Check complete."),
        "challenge_pow_failed": .init(fr: "La vérification a échoué. Rechargez la page.", en: "The check failed. Reload the page."),
        "challenge_noscript": .init(
            fr: "Cette vérification exige JavaScript. Activez-le, ou appelez le soutien aux participants.",
            en: "This check needs JavaScript. Turn it on, or call member support."
        ),
        "challenge_provider_hint": .init(
            fr: "Ce site est protégé par un service anti-robot dont la politique de confidentialité s'applique.",
            en: "This site is protected by an anti-robot service whose privacy policy applies."
        ),
        // Check your e-mail
        "sent_title": .init(fr: "Vérifiez vos courriels", en: "Check your e-mail"),
        "sent_lead": .init(
            fr: "Si vos renseignements correspondent à notre dossier, un message a été envoyé à l'adresse courriel que vous avez fournie.",
            en: "If your information matches our records, a message was sent to the e-mail address you gave."
        ),
        "sent_24h": .init(
            fr: "Il est important de noter que vous avez 24 heures pour accéder à ce courriel afin d'activer votre compte.",
            en: "Note that you have 24 hours from this e-mail to activate your account."
        ),
        "sent_60min": .init(
            fr: "Le message peut prendre jusqu'à 60 minutes pour arriver.",
            en: "The message can take up to 60 minutes to arrive."
        ),
        "sent_junk": .init(
            fr: "Vérifiez aussi votre dossier de courrier indésirable (pourriel).",
            en: "Also check your junk (spam) folder."
        ),
        "sent_resend_hint": .init(
            fr: "Rien reçu ? Vous pouvez demander un nouveau message une fois par minute ; le lien du message précédent cessera de fonctionner.",
            en: "Nothing yet? You can ask for a new message once a minute; the link in the earlier message will stop working."
        ),
        "sent_resend": .init(fr: "Envoyer un nouveau message", en: "Send a new message"),
        "sent_resent": .init(fr: "Un nouveau message a été envoyé.", en: "A new message was sent."),
        "sent_help": .init(
            fr: "Si vous n'avez pas reçu ce courriel dans un délai de 60 minutes, communiquez avec le soutien aux participants",
            en: "If you have not received this e-mail within 60 minutes, contact member support"
        ),
        "rate_wait": .init(fr: "Veuillez patienter avant de réessayer :", en: "Please wait before trying again:"),
        "seconds": .init(fr: "secondes", en: "seconds"),
        // Activation
        "activation_title": .init(fr: "Activer votre compte", en: "Activate your account"),
        "activation_intro": .init(fr: "Compte de", en: "Account of"),
        "activation_identity": .init(fr: "Vos renseignements personnels", en: "Your personal information"),
        "activation_password": .init(fr: "Votre mot de passe", en: "Your password"),
        "activation_question": .init(fr: "Votre question de vérification personnelle", en: "Your personal security question"),
        "activation_question_hint": .init(
            fr: "Elle vous sera demandée pour confirmer votre identité si vous oubliez votre mot de passe.",
            en: "You will be asked it to confirm who you are if you forget your password."
        ),
        "activation_used_title": .init(fr: "Ce lien a déjà servi", en: "This link was already used"),
        "activation_used_body": .init(
            fr: "Votre compte est déjà activé. Ouvrez une session avec votre courriel institutionnel et votre mot de passe.",
            en: "Your account is already active. Log in with your institutional e-mail and your password."
        ),
        "activation_expired_title": .init(fr: "Ce lien a expiré", en: "This link has expired"),
        "activation_expired_body": .init(
            fr: "Les liens d'activation sont valides 24 heures et un nouveau message remplace l'ancien. Recommencez l'inscription pour recevoir un nouveau lien.",
            en: "Activation links are valid for 24 hours and a newer message replaces an older one. Register again to receive a new link."
        ),
        "activation_missing_title": .init(fr: "Lien introuvable", en: "Link not found"),
        "activation_missing_body": .init(
            fr: "Ce lien n'est pas valide. Utilisez le lien complet du dernier message reçu, ou recommencez l'inscription.",
            en: "This link is not valid. Use the whole link of the latest message you received, or register again."
        ),
        "activation_done_title": .init(fr: "Votre compte est activé", en: "Your account is active"),
        "activation_done_body": .init(
            fr: "Vous pouvez maintenant ouvrir une session avec votre courriel institutionnel et votre mot de passe.",
            en: "You can now log in with your institutional e-mail and your password."
        ),
        "password_label": .init(fr: "Mot de passe", en: "Password"),
        "password_rules": .init(fr: "Votre mot de passe doit respecter ces règles :", en: "Your password must follow these rules:"),
        "password_confirmation_label": .init(fr: "Confirmez le mot de passe", en: "Confirm the password"),
        "rule_met": .init(fr: "respectée", en: "met"),
        "rule_unmet": .init(fr: "non respectée", en: "not met"),
        "question_label": .init(fr: "Choisir une question", en: "Choose a question"),
        "question_choose": .init(fr: "— Choisir —", en: "— Choose —"),
        "answer_label": .init(fr: "Réponse", en: "Answer"),
        "answer_hint": .init(fr: "De 2 à 200 caractères ; les majuscules ne comptent pas.", en: "2 to 200 characters; capitals do not matter."),
        // Login
        "login_title": .init(fr: "Ouvrir une session", en: "Log in"),
        "login_email_label": .init(fr: "Courriel institutionnel", en: "Institutional e-mail"),
        "forgot_password": .init(fr: "Mot de passe oublié ?", en: "Forgot your password?"),
        "no_account": .init(fr: "Pas encore de compte ?", en: "No account yet?"),
        "terms_title": .init(fr: "Conditions d'utilisation", en: "Terms of use"),
        "terms_intro": .init(
            fr: "Lisez et acceptez les conditions d'utilisation, puis entrez de nouveau votre mot de passe.",
            en: "Read and accept the terms of use, then enter your password again."
        ),
        "terms_accept": .init(fr: "J'ai lu et j'accepte les conditions d'utilisation", en: "I have read and I accept the terms of use"),
        "terms_required": .init(fr: "Vous devez accepter les conditions d'utilisation.", en: "You must accept the terms of use."),
        "session_expired": .init(
            fr: "Votre session a expiré. Ouvrez une nouvelle session pour continuer.",
            en: "Your session has expired. Log in again to continue."
        ),
        "logged_out": .init(fr: "Votre session est fermée.", en: "You are logged out."),
        "password_reset_done": .init(
            fr: "Votre mot de passe a été changé. Ouvrez une session avec le nouveau.",
            en: "Your password was changed. Log in with the new one."
        ),
        "form_expired_title": .init(fr: "Ce formulaire a expiré", en: "This form has expired"),
        "form_expired_body": .init(
            fr: "Pour votre sécurité, le formulaire n'a pas été traité. Retournez à la page et soumettez-le de nouveau.",
            en: "For your security, the form was not processed. Go back to the page and submit it again."
        ),
        // Password reset
        "reset_title": .init(fr: "Mot de passe oublié", en: "Forgotten password"),
        "reset_intro": .init(
            fr: "Entrez votre courriel institutionnel. Si un compte y correspond, vous recevrez un lien pour choisir un nouveau mot de passe.",
            en: "Enter your institutional e-mail. If an account matches it, you will receive a link to choose a new password."
        ),
        "reset_send": .init(fr: "Envoyer le lien", en: "Send the link"),
        "reset_sent_title": .init(fr: "Vérifiez vos courriels", en: "Check your e-mail"),
        "reset_sent_body": .init(
            fr: "Si un compte correspond à cette adresse, un lien valide une heure vient d'y être envoyé.",
            en: "If an account matches this address, a link valid for one hour was just sent to it."
        ),
        "reset_new_title": .init(fr: "Choisir un nouveau mot de passe", en: "Choose a new password"),
        "reset_question": .init(fr: "Votre question de vérification", en: "Your security question"),
        "reset_expired_title": .init(fr: "Ce lien n'est plus valide", en: "This link is no longer valid"),
        "reset_expired_body": .init(
            fr: "Les liens de réinitialisation sont valides une heure et ne servent qu'une fois. Demandez un nouveau lien.",
            en: "Reset links are valid for one hour and work once. Ask for a new link."
        ),
        "reset_again": .init(fr: "Demander un nouveau lien", en: "Ask for a new link"),
        // Coverage
        "coverage_title": .init(fr: "Ma couverture", en: "My coverage"),
        "welcome": .init(fr: "Bonjour", en: "Hello"),
        "benefit_year": .init(fr: "Année de prestations", en: "Benefit year"),
        "coverage_status": .init(fr: "Statut de la couverture", en: "Coverage status"),
        "status_active": .init(fr: "Active", en: "Active"),
        "status_suspended": .init(fr: "Suspendue", en: "Suspended"),
        "status_terminated": .init(fr: "Terminée", en: "Terminated"),
        "coverage_period": .init(fr: "Période couverte", en: "Covered period"),
        "to": .init(fr: "au", en: "to"),
        "category": .init(fr: "Catégorie", en: "Category"),
        "reimbursed": .init(fr: "remboursé à", en: "reimbursed at"),
        "used": .init(fr: "Utilisé", en: "Used"),
        "remaining": .init(fr: "Restant", en: "Remaining"),
        "annual_max": .init(fr: "Maximum annuel", en: "Annual maximum"),
        "per_claim_max": .init(fr: "Maximum par demande", en: "Per-claim maximum"),
        "no_max": .init(fr: "Sans maximum annuel", en: "No annual maximum"),
        "no_categories": .init(fr: "Aucune garantie n'est encore publiée pour ce régime.", en: "No benefits are published for this plan yet."),
        // Claims
        "claims_title": .init(fr: "Mes demandes de règlement", en: "My claims"),
        "claims_new": .init(fr: "Soumettre une demande", en: "Submit a claim"),
        "claims_none": .init(fr: "Vous n'avez encore soumis aucune demande.", en: "You have not submitted any claim yet."),
        "claims_more": .init(fr: "Demandes plus anciennes", en: "Older claims"),
        "claims_first": .init(fr: "Demandes les plus récentes", en: "Newest claims"),
        "claim_service_date": .init(fr: "Date du service", en: "Service date"),
        "claim_provider": .init(fr: "Fournisseur", en: "Provider"),
        "claim_amount": .init(fr: "Montant", en: "Amount"),
        "claim_status": .init(fr: "Statut", en: "Status"),
        "claim_approved": .init(fr: "Montant accepté", en: "Approved amount"),
        "claim_submitted_at": .init(fr: "Soumise le", en: "Submitted on"),
        "claim_title": .init(fr: "Demande de règlement", en: "Claim"),
        "claim_details": .init(fr: "Détails", en: "Details"),
        "claim_notes": .init(fr: "Remarques", en: "Notes"),
        "claim_history": .init(fr: "Historique", en: "History"),
        "claim_receipts": .init(fr: "Reçus", en: "Receipts"),
        "claim_no_receipts": .init(fr: "Aucun reçu.", en: "No receipt."),
        "claim_submitted": .init(fr: "Votre demande a été soumise.", en: "Your claim was submitted."),
        "claim_view": .init(fr: "Voir la demande", en: "View the claim"),
        "claim_new_title": .init(fr: "Soumettre une demande de règlement", en: "Submit a claim"),
        "claim_category_label": .init(fr: "Type de soin", en: "Type of care"),
        "claim_service_date_hint": .init(fr: "La date à laquelle vous avez reçu le soin.", en: "The day you received the care."),
        "claim_provider_label": .init(fr: "Nom du fournisseur", en: "Provider's name"),
        "claim_provider_hint": .init(fr: "La clinique ou le professionnel qui vous a soigné.", en: "The clinic or professional who treated you."),
        "claim_amount_label": .init(fr: "Montant payé (CAD)", en: "Amount paid (CAD)"),
        "claim_amount_hint": .init(fr: "Par exemple 85,50.", en: "For example 85.50."),
        "claim_notes_label": .init(fr: "Remarques (facultatif)", en: "Notes (optional)"),
        "claim_receipt_label": .init(fr: "Reçu", en: "Receipt"),
        "claim_receipt_hint": .init(
            fr: "Une photo ou un PDF du reçu (PDF, JPEG ou PNG, 10 Mo au plus).",
            en: "A photo or a PDF of the receipt (PDF, JPEG or PNG, at most 10 MB)."
        ),
        "claim_receipt_photo_label": .init(fr: "Ou photographiez le reçu", en: "Or take a picture of the receipt"),
        "claim_receipt_photo_hint": .init(
            fr: "Sur un téléphone, ce bouton ouvre l'appareil photo.", en: "On a phone, this button opens the camera."
        ),
        "claim_receipt_required": .init(fr: "Joignez le reçu.", en: "Attach the receipt."),
        "claim_amount_invalid": .init(fr: "Entrez un montant comme 85,50.", en: "Enter an amount such as 85.50."),
        "claim_category_required": .init(fr: "Choisissez le type de soin.", en: "Choose the type of care."),
        "claim_send": .init(fr: "Soumettre la demande", en: "Submit the claim"),
        "claim_status_submitted": .init(fr: "Soumise", en: "Submitted"),
        "claim_status_in_review": .init(fr: "En traitement", en: "In review"),
        "claim_status_approved": .init(fr: "Acceptée", en: "Approved"),
        "claim_status_partially_approved": .init(fr: "Acceptée en partie", en: "Partly approved"),
        "claim_status_denied": .init(fr: "Refusée", en: "Denied"),
        "claim_status_paid": .init(fr: "Payée", en: "Paid"),
        // Profile
        "profile_title": .init(fr: "Mon profil", en: "My profile"),
        "profile_name": .init(fr: "Nom", en: "Name"),
        "profile_email": .init(fr: "Courriel", en: "E-mail"),
        "profile_certificate": .init(fr: "Numéro de certificat", en: "Certificate number"),
        "profile_language": .init(fr: "Langue de correspondance", en: "Correspondence language"),
        "language_fr": .init(fr: "Français", en: "French"),
        "language_en": .init(fr: "Anglais", en: "English"),
        // The member's own settings
        "language_change_title": .init(fr: "Changer de langue", en: "Change language"),
        "language_change_hint": .init(
            fr: "La langue de vos courriels et de ce portail.", en: "The language of your e-mails and of this portal."
        ),
        "language_save": .init(fr: "Enregistrer la langue", en: "Save the language"),
        "language_saved": .init(fr: "Votre langue est enregistrée.", en: "Your language is saved."),
        "security_title": .init(fr: "Sécurité du compte", en: "Account security"),
        "password_change_title": .init(fr: "Changer le mot de passe", en: "Change the password"),
        "password_change_intro": .init(
            fr: "Vos autres sessions ouvertes seront fermées et un avis vous sera envoyé par courriel.",
            en: "Your other open sessions will be closed and a notice will be e-mailed to you."
        ),
        "password_change_send": .init(fr: "Changer le mot de passe", en: "Change the password"),
        "password_changed": .init(
            fr: "Votre mot de passe est changé. Vos autres sessions sont fermées.", en: "Your password is changed. Your other sessions are closed."
        ),
        "question_change_title": .init(fr: "Changer la question de sécurité", en: "Change the security question"),
        "question_change_send": .init(fr: "Enregistrer la question", en: "Save the question"),
        "question_changed": .init(fr: "Votre question de sécurité est changée.", en: "Your security question is changed."),
        "current_password_label": .init(fr: "Mot de passe actuel", en: "Current password"),
        "back_to_profile": .init(fr: "Retour à mon profil", en: "Back to my profile"),
        // Errors
        "error_title": .init(fr: "Un problème est survenu", en: "Something went wrong"),
        "not_found_title": .init(fr: "Page introuvable", en: "Page not found"),
        "error_retry": .init(fr: "Réessayez dans quelques instants.", en: "Try again in a moment."),
    ]
}
