"""French wording of the aliexpress skin (docs/storefront.md, "Interface languages": the
sources of the site's real words, and which wordings are our choice)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["WORDING"]

WORDING: Mapping[str, str] = {
    "greeting": "Bonjour, {account}",
    "cookie_aria": "Préférences de cookies",
    "cookie_title": "Nous utilisons des cookies",
    "cookie_desc": (
        "Nous utilisons des cookies et des outils similaires pour améliorer votre expérience "
        "d'achat, mesurer l'utilisation du site et vous montrer des publicités pertinentes."
    ),
    "cookie_more": "Préférences de cookies",
    "cookie_accept": "Accepter les cookies",
    "promo_title": "Offre de bienvenue",
    "promo_text": (
        "3 $ US de réduction sur votre prochaine commande de 10 $ US ou plus. Aujourd'hui "
        "seulement !"
    ),
    "close": "Fermer",
    "toast_coupon": "Vous avez un nouveau coupon !",
    "toast_shipping": "Livraison gratuite sur votre prochaine commande",
    "my_orders": "Mes commandes",
    "order_id": "N° de commande :",
    "copy": "Copier",
    "order_details": "Détails de la commande",
    "total": "Total :",
    "track_order": "Suivre la commande",
    "add_to_cart": "Ajouter au panier",
    "previous": "Précédent",
    "next": "Suivant",
    "page_of": "Page {page} sur {pages}",
    "buyer_protection": "Protection acheteur :",
    "days_left": "{days} jours restants",
    "returns_refunds": "Retours/remboursements",
    "view_details": "Voir les détails",
    "parcel_aria": "Colis reçu ?",
    "parcel_title": "Avez-vous reçu le colis ?",
    "parcel_desc": "Dites-le-nous pour que nous puissions vous proposer la bonne solution.",
    "no": "Non",
    "yes": "Oui",
    "delivered_ago": "Livré il y a {days} jours",
    "shipped_ago": "Pas encore livré (expédié il y a {days} jours)",
    "step_details": "1. Détails de la demande",
    "step_confirm": "2. Confirmation",
    "package_status": "Statut du colis :",
    "received": "Reçu",
    "not_received": "Non reçu",
    "switch_to_not_received": "Je n'ai pas reçu le colis",
    "switch_to_received": "J'ai reçu le colis",
    "choose_solution": "Choisissez une solution",
    "refund_only": "Remboursement uniquement",
    "refund_only_desc": "Soyez remboursé sans renvoyer l'article",
    "return_refund": "Retour et remboursement",
    "return_refund_desc": "Renvoyez l'article au vendeur et soyez remboursé",
    "return_refund_unavailable": "Disponible pour les articles reçus",
    "error_solution": "Veuillez choisir une solution",
    "reason_label": "Motif du remboursement",
    "reason_placeholder": "Veuillez sélectionner un motif",
    "error_reason": "Veuillez sélectionner un motif",
    "amount_label": "Montant du remboursement",
    "max_refund": "Remboursement maximal : US ${amount}",
    "describe": "Décrivez le problème",
    "describe_placeholder": (
        "Décrivez le problème en détail pour aider le vendeur à comprendre votre demande"
    ),
    "upload_label": "Ajouter des photos/vidéos ({need})",
    "required": "obligatoire",
    "optional": "facultatif",
    "upload": "Ajouter",
    "upload_tip": (
        "Jusqu'à 6 fichiers. Photos : JPG ou PNG, 5 Mo maximum chacune. Vidéos : MP4 ou MOV, "
        "20 Mo maximum chacune."
    ),
    "next_step": "Étape suivante",
    "confirm_title": "Confirmez votre demande",
    "row_package": "Statut du colis",
    "row_solution": "Solution",
    "row_reason": "Motif",
    "row_amount": "Montant du remboursement",
    "row_description": "Description",
    "row_evidence": "Photos/vidéos",
    "back": "Retour",
    "submit": "Envoyer",
    "submit_title": "Envoyer la demande",
    "submit_body": "Voulez-vous vraiment envoyer cette demande ?",
    "cancel": "Annuler",
    "confirm": "Confirmer",
    "notice": "Avis",
    "ok": "OK",
    "success_toast": "Votre demande a été envoyée.",
    "error_toast": "Une erreur s'est produite. Veuillez réessayer plus tard.",
    "files_one": "{n} fichier",
    "files_many": "{n} fichiers",
    "none": "Aucun",
    "upload_failed": "Échec de l'envoi. Veuillez réessayer.",
    "delete": "Supprimer",
    "request_id": "N° de demande :",
    "view_request": "Voir les détails de la demande",
    "request_details": "Détails de la demande",
    "page_not_found": "Page introuvable",
    "go_to_orders": "Aller à Mes commandes",
    "order_not_found": "Désolé, nous n'avons pas trouvé cette commande.",
    "item_not_found": "Désolé, nous n'avons pas trouvé cet article.",
    "request_not_found": "Désolé, nous n'avons pas trouvé cette demande.",
    "sign_in": "Se connecter",
    "login_placeholder": "Adresse e-mail ou numéro de téléphone",
    "continue": "Continuer",
    "change": "Modifier",
    "password": "Mot de passe",
    "account_missing": "Veuillez saisir votre adresse e-mail ou votre numéro de téléphone.",
    "wrong_password": "Votre nom de compte ou votre mot de passe est incorrect.",
    "challenge_heading": (
        "Désolé, nous avons détecté un trafic inhabituel provenant de votre réseau."
    ),
    "challenge_text": "Veuillez faire glisser pour vérifier",
    "order_not_exist": "La commande n'existe pas.",
    "sign_in_again": "Veuillez vous reconnecter.",
    "title.waiting_seller": "Le vendeur doit répondre à votre demande",
    "status.waiting_seller": "En attente de la réponse du vendeur",
    "title.proposal_partial": "Le vendeur a proposé un remboursement partiel",
    "status.proposal_partial": "En attente de votre réponse",
    "title.proposal_return": "Le vendeur a proposé un retour et un remboursement",
    "status.proposal_return": "En attente de votre réponse",
    "title.refused": "Le vendeur a refusé votre demande",
    "status.refused": "En attente de votre réponse",
    "title.evidence_requested": "Le vendeur demande plus de preuves",
    "status.evidence_requested": "En attente de votre réponse",
    "title.escalated": "Nous examinons votre demande",
    "status.escalated": "En attente de l'avis d'AliExpress",
    "title.refund_complete": "Votre remboursement a été effectué",
    "status.refund_complete": "Remboursement effectué",
    "title.closed_accepted": "Vous avez accepté la solution du vendeur",
    "status.closed_accepted": "Demande clôturée",
    "title.closed_deadline_missed": "Vous n'avez pas répondu à temps",
    "status.closed_deadline_missed": "Demande clôturée",
    "title.closed_withdrawn": "Vous avez annulé cette demande",
    "status.closed_withdrawn": "Demande clôturée",
    "respond_within": "Veuillez répondre dans un délai de",
    "days_word": "jours",
    "seller_proposal": "Proposition du vendeur",
    "partial_refund": "Remboursement partiel",
    "seller_response": "Réponse du vendeur :",
    "accept_solution": "Accepter la solution",
    "view_solutions": "Voir les solutions possibles",
    "cancel_request": "Annuler la demande",
    "no_solution": "Le vendeur n'a proposé aucune solution.",
    "disagree_check": "Je ne suis pas d'accord avec la ou les solutions ci-dessus",
    "upload_more": "Ajouter des photos/vidéos",
    "evidence_placeholder": "Expliquez au vendeur pourquoi vous n'êtes pas d'accord",
    "accept_title": "Accepter la solution du vendeur ?",
    "accept_warning": (
        "Accepter cette solution clôture votre demande. Vous ne pourrez plus demander davantage ni "
        "ouvrir une autre demande pour cet article."
    ),
    "cancel_warning": "Annuler cette demande ? Elle sera clôturée et ne pourra pas être rouverte.",
    "response_toast": "Votre réponse a été envoyée.",
    "history.agree": "Le vendeur a accepté de rembourser{amount}",
    "history.propose_partial": "Le vendeur a proposé un remboursement partiel{amount}{said}",
    "history.propose_return": "Le vendeur a proposé un retour et un remboursement{amount}{said}",
    "history.refuse": "Le vendeur a refusé la demande{said}",
    "history.ask_evidence": "Le vendeur a demandé plus de preuves{said}",
    "history.disagree": 'Vous avez contesté et ajouté des preuves : "{message}"',
    "history.accept": "Vous avez accepté la solution du vendeur{amount}",
    "history.withdraw": "Vous avez annulé la demande",
    "history.deadline_passed": "Le délai de réponse a expiré",
    "order.awaiting_delivery": "En attente de livraison",
    "order.delivered": "Livré",
    "order.completed": "Terminée",
    "order.closed": "Fermée",
    "ineligible.protection_ended": (
        "La protection acheteur de cette commande a pris fin. Les retours et remboursements "
        "peuvent être demandés jusqu'à 15 jours après la finalisation de la commande."
    ),
    "ineligible.receipt_confirmed": (
        "Vous avez confirmé la réception de cette commande : elle est donc terminée. Les "
        "retours et remboursements ne sont plus disponibles."
    ),
    "ineligible.proposal_accepted": (
        "Vous avez accepté la proposition du vendeur : cette commande est donc fermée. Vous ne "
        "pouvez pas ouvrir de nouvelle demande."
    ),
    "reason.not_received": "Colis non reçu",
    "reason.returned_to_sender": "Suivi indiquant un retour/une annulation/une perte",
    "reason.in_transit_too_long": "Colis non livré dans le délai promis",
    "reason.held_at_customs": "Retenu par la douane",
    "reason.no_tracking": "Aucune information de suivi",
    "reason.wrong_address": "Envoyé à une autre adresse",
    "reason.not_as_described": "Article non conforme à la description",
    "reason.poor_quality": "Mauvaise qualité",
    "reason.does_not_work": "Ne fonctionne pas correctement",
    "reason.counterfeit": "Article contrefait",
    "reason.empty_parcel": "Colis vide",
    "reason.wrong_quantity": "Quantité incorrecte",
    "reason.damaged": "Article endommagé",
    "reason.wrong_item": "Article reçu incorrect",
    "refused.Please enter a valid amount": "Veuillez saisir un montant valide",
    "refused.The amount cannot exceed the order total": (
        "Le montant ne peut pas dépasser le total de la commande"
    ),
    "refused.Your message contains unsupported characters": (
        "Votre message contient des caractères non pris en charge"
    ),
    "refused.Your message must be 10 to 2000 characters long": (
        "Votre message doit comporter de 10 à 2000 caractères"
    ),
    "refused.Please complete your message": "Veuillez terminer votre message",
    "refused.Too many files": "Trop de fichiers",
    "refused.Unsupported file format: {name}": "Format de fichier non pris en charge : {name}",
    "refused.File too large: {name}": "Fichier trop volumineux : {name}",
    "refused.Please tell us whether you received the item": (
        "Veuillez indiquer si vous avez reçu l'article"
    ),
    "refused.Please choose a reason": "Veuillez choisir un motif",
    "refused.Please choose a solution": "Veuillez choisir une solution",
    "refused.Please choose a full or a partial refund": (
        "Veuillez choisir un remboursement total ou partiel"
    ),
    "refused.Please attach photos of the item": "Veuillez joindre des photos de l'article",
    "refused.Please attach a video showing the problem": (
        "Veuillez joindre une vidéo montrant le problème"
    ),
}
