"""German wording of the aliexpress skin (docs/storefront.md, "Interface languages": the
sources of the site's real words, and which wordings are our choice)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["WORDING"]

WORDING: Mapping[str, str] = {
    "greeting": "Hallo, {account}",
    "cookie_aria": "Cookie-Einstellungen",
    "cookie_title": "Wir verwenden Cookies",
    "cookie_desc": (
        "Wir verwenden Cookies und ähnliche Technologien, um Ihr Einkaufserlebnis zu "
        "verbessern, die Nutzung der Website zu messen und Ihnen relevante Werbung zu zeigen."
    ),
    "cookie_more": "Cookie-Einstellungen",
    "cookie_accept": "Cookies akzeptieren",
    "promo_title": "Willkommensangebot",
    "promo_text": "3 US $ Rabatt auf Ihre nächste Bestellung ab 10 US $. Nur heute!",
    "close": "Schließen",
    "toast_coupon": "Sie haben einen neuen Gutschein!",
    "toast_shipping": "Kostenloser Versand für Ihre nächste Bestellung",
    "my_orders": "Meine Bestellungen",
    "order_id": "Bestellnummer:",
    "copy": "Kopieren",
    "order_details": "Bestelldetails",
    "total": "Gesamt:",
    "track_order": "Sendung verfolgen",
    "add_to_cart": "In den Warenkorb",
    "previous": "Vorherige",
    "next": "Nächste",
    "page_of": "Seite {page} von {pages}",
    "buyer_protection": "Käuferschutz:",
    "days_left": "Noch {days} Tage",
    "returns_refunds": "Rückgaben & Rückerstattungen",
    "view_details": "Details ansehen",
    "parcel_aria": "Paket erhalten?",
    "parcel_title": "Haben Sie das Paket erhalten?",
    "parcel_desc": ("Teilen Sie es uns mit, damit wir Ihnen die passende Lösung anbieten können."),
    "no": "Nein",
    "yes": "Ja",
    "delivered_ago": "Vor {days} Tagen zugestellt",
    "shipped_ago": "Noch nicht zugestellt (vor {days} Tagen versandt)",
    "step_details": "1. Antragsdetails",
    "step_confirm": "2. Bestätigen",
    "package_status": "Paketstatus:",
    "received": "Erhalten",
    "not_received": "Nicht erhalten",
    "switch_to_not_received": "Ich habe das Paket nicht erhalten",
    "switch_to_received": "Ich habe das Paket erhalten",
    "choose_solution": "Lösung wählen",
    "refund_only": "Nur Rückerstattung",
    "refund_only_desc": "Erhalten Sie eine Rückerstattung, ohne den Artikel zurückzusenden",
    "return_refund": "Rückgabe & Rückerstattung",
    "return_refund_desc": (
        "Senden Sie den Artikel an den Verkäufer zurück und erhalten Sie eine Rückerstattung"
    ),
    "return_refund_unavailable": "Verfügbar für erhaltene Artikel",
    "error_solution": "Bitte wählen Sie eine Lösung",
    "reason_label": "Grund für die Rückerstattung",
    "reason_placeholder": "Bitte wählen Sie einen Grund",
    "error_reason": "Bitte wählen Sie einen Grund",
    "amount_label": "Rückerstattungsbetrag",
    "max_refund": "Maximale Rückerstattung: US ${amount}",
    "describe": "Beschreiben Sie das Problem",
    "describe_placeholder": (
        "Bitte beschreiben Sie das Problem ausführlich, damit der Verkäufer Ihren Antrag versteht"
    ),
    "upload_label": "Fotos/Videos hochladen ({need})",
    "required": "erforderlich",
    "optional": "optional",
    "upload": "Hochladen",
    "upload_tip": (
        "Bis zu 6 Dateien. Fotos: JPG oder PNG, je bis zu 5 MB. Videos: MP4 oder MOV, je bis "
        "zu 20 MB."
    ),
    "next_step": "Nächster Schritt",
    "confirm_title": "Antrag bestätigen",
    "row_package": "Paketstatus",
    "row_solution": "Lösung",
    "row_reason": "Grund",
    "row_amount": "Rückerstattungsbetrag",
    "row_description": "Beschreibung",
    "row_evidence": "Fotos/Videos",
    "back": "Zurück",
    "submit": "Absenden",
    "submit_title": "Antrag absenden",
    "submit_body": "Möchten Sie diesen Antrag wirklich absenden?",
    "cancel": "Abbrechen",
    "confirm": "Bestätigen",
    "notice": "Hinweis",
    "ok": "OK",
    "success_toast": "Ihr Antrag wurde übermittelt.",
    "error_toast": "Etwas ist schiefgelaufen. Bitte versuchen Sie es später erneut.",
    "files_one": "{n} Datei",
    "files_many": "{n} Dateien",
    "none": "Keine",
    "upload_failed": "Hochladen fehlgeschlagen. Bitte versuchen Sie es erneut.",
    "delete": "Löschen",
    "request_id": "Antragsnummer:",
    "view_request": "Antragsdetails ansehen",
    "request_details": "Antragsdetails",
    "page_not_found": "Seite nicht gefunden",
    "go_to_orders": "Zu Meine Bestellungen",
    "order_not_found": "Diese Bestellung wurde leider nicht gefunden.",
    "item_not_found": "Dieser Artikel wurde leider nicht gefunden.",
    "request_not_found": "Dieser Antrag wurde leider nicht gefunden.",
    "sign_in": "Anmelden",
    "login_placeholder": "E-Mail-Adresse oder Telefonnummer",
    "continue": "Weiter",
    "change": "Ändern",
    "password": "Passwort",
    "account_missing": "Bitte geben Sie Ihre E-Mail-Adresse oder Telefonnummer ein.",
    "wrong_password": "Ihr Kontoname oder Passwort ist falsch.",
    "challenge_heading": (
        "Wir haben leider ungewöhnlichen Datenverkehr aus Ihrem Netzwerk festgestellt."
    ),
    "challenge_text": "Bitte zur Bestätigung schieben",
    "order_not_exist": "Die Bestellung existiert nicht.",
    "sign_in_again": "Bitte melden Sie sich erneut an.",
    "title.waiting_seller": "Der Verkäufer muss auf Ihren Antrag antworten",
    "status.waiting_seller": "Warten auf die Antwort des Verkäufers",
    "title.proposal_partial": "Der Verkäufer hat eine Teilrückerstattung vorgeschlagen",
    "status.proposal_partial": "Warten auf Ihre Antwort",
    "title.proposal_return": "Der Verkäufer hat eine Rückgabe mit Rückerstattung vorgeschlagen",
    "status.proposal_return": "Warten auf Ihre Antwort",
    "title.refused": "Der Verkäufer hat Ihren Antrag abgelehnt",
    "status.refused": "Warten auf Ihre Antwort",
    "title.evidence_requested": "Der Verkäufer bittet um weitere Nachweise",
    "status.evidence_requested": "Warten auf Ihre Antwort",
    "title.escalated": "Wir prüfen Ihren Antrag",
    "status.escalated": "Warten auf Rückmeldung von AliExpress",
    "title.refund_complete": "Ihre Rückerstattung wurde veranlasst",
    "status.refund_complete": "Rückerstattung abgeschlossen",
    "title.closed_accepted": "Sie haben die Lösung des Verkäufers angenommen",
    "status.closed_accepted": "Antrag geschlossen",
    "title.closed_deadline_missed": "Sie haben nicht rechtzeitig geantwortet",
    "status.closed_deadline_missed": "Antrag geschlossen",
    "title.closed_withdrawn": "Sie haben diesen Antrag storniert",
    "status.closed_withdrawn": "Antrag geschlossen",
    "respond_within": "Bitte antworten Sie innerhalb von",
    "days_word": "Tagen",
    "seller_proposal": "Vorschlag des Verkäufers",
    "partial_refund": "Teilrückerstattung",
    "seller_response": "Antwort des Verkäufers:",
    "accept_solution": "Lösung annehmen",
    "view_solutions": "Mögliche Lösungen ansehen",
    "cancel_request": "Antrag stornieren",
    "no_solution": "Der Verkäufer hat keine Lösung angeboten.",
    "disagree_check": "Ich bin mit den obigen Lösungen nicht einverstanden",
    "upload_more": "Weitere Fotos/Videos hochladen",
    "evidence_placeholder": "Erklären Sie dem Verkäufer, warum Sie nicht einverstanden sind",
    "accept_title": "Lösung des Verkäufers annehmen?",
    "accept_warning": (
        "Wenn Sie diese Lösung annehmen, wird Ihr Antrag geschlossen. Sie können danach weder mehr "
        "verlangen noch einen weiteren Antrag für diesen Artikel stellen."
    ),
    "cancel_warning": (
        "Diesen Antrag stornieren? Er wird geschlossen und kann nicht erneut geöffnet werden."
    ),
    "response_toast": "Ihre Antwort wurde übermittelt.",
    "history.agree": "Der Verkäufer hat der Rückerstattung zugestimmt{amount}",
    "history.propose_partial": (
        "Der Verkäufer hat eine Teilrückerstattung vorgeschlagen{amount}{said}"
    ),
    "history.propose_return": (
        "Der Verkäufer hat eine Rückgabe mit Rückerstattung vorgeschlagen{amount}{said}"
    ),
    "history.refuse": "Der Verkäufer hat den Antrag abgelehnt{said}",
    "history.ask_evidence": "Der Verkäufer hat um weitere Nachweise gebeten{said}",
    "history.disagree": 'Sie haben widersprochen und weitere Nachweise hochgeladen: "{message}"',
    "history.accept": "Sie haben die Lösung des Verkäufers angenommen{amount}",
    "history.withdraw": "Sie haben den Antrag storniert",
    "history.deadline_passed": "Die Antwortfrist ist abgelaufen",
    "order.awaiting_delivery": "Warten auf Zustellung",
    "order.delivered": "Zugestellt",
    "order.completed": "Abgeschlossen",
    "order.closed": "Geschlossen",
    "ineligible.protection_ended": (
        "Der Käuferschutz für diese Bestellung ist abgelaufen. Rückgaben und Rückerstattungen "
        "können bis zu 15 Tage nach Abschluss der Bestellung beantragt werden."
    ),
    "ineligible.receipt_confirmed": (
        "Sie haben den Erhalt dieser Bestellung bestätigt, sie ist daher abgeschlossen. "
        "Rückgaben und Rückerstattungen sind nicht mehr möglich."
    ),
    "ineligible.proposal_accepted": (
        "Sie haben den Vorschlag des Verkäufers angenommen, diese Bestellung ist daher "
        "geschlossen. Sie können keinen neuen Antrag stellen."
    ),
    "reason.not_received": "Paket nicht erhalten",
    "reason.returned_to_sender": "Sendungsverfolgung: zurückgesandt/storniert/verloren",
    "reason.in_transit_too_long": "Paket nicht in der versprochenen Zeit zugestellt",
    "reason.held_at_customs": "Vom Zoll zurückgehalten",
    "reason.no_tracking": "Keine Sendungsverfolgungsinformationen",
    "reason.wrong_address": "An eine andere Adresse gesendet",
    "reason.not_as_described": "Artikel nicht wie beschrieben",
    "reason.poor_quality": "Schlechte Qualität",
    "reason.does_not_work": "Funktioniert nicht richtig",
    "reason.counterfeit": "Gefälschter Artikel",
    "reason.empty_parcel": "Leeres Paket",
    "reason.wrong_quantity": "Falsche Menge",
    "reason.damaged": "Beschädigter Artikel",
    "reason.wrong_item": "Falschen Artikel erhalten",
    "refused.Please enter a valid amount": "Bitte geben Sie einen gültigen Betrag ein",
    "refused.The amount cannot exceed the order total": (
        "Der Betrag darf die Bestellsumme nicht überschreiten"
    ),
    "refused.Your message contains unsupported characters": (
        "Ihre Nachricht enthält nicht unterstützte Zeichen"
    ),
    "refused.Your message must be 10 to 2000 characters long": (
        "Ihre Nachricht muss 10 bis 2000 Zeichen lang sein"
    ),
    "refused.Please complete your message": "Bitte vervollständigen Sie Ihre Nachricht",
    "refused.Too many files": "Zu viele Dateien",
    "refused.Unsupported file format: {name}": "Nicht unterstütztes Dateiformat: {name}",
    "refused.File too large: {name}": "Datei zu groß: {name}",
    "refused.Please tell us whether you received the item": (
        "Bitte geben Sie an, ob Sie den Artikel erhalten haben"
    ),
    "refused.Please choose a reason": "Bitte wählen Sie einen Grund",
    "refused.Please choose a solution": "Bitte wählen Sie eine Lösung",
    "refused.Please choose a full or a partial refund": (
        "Bitte wählen Sie eine volle oder eine teilweise Rückerstattung"
    ),
    "refused.Please attach photos of the item": "Bitte fügen Sie Fotos des Artikels bei",
    "refused.Please attach a video showing the problem": (
        "Bitte fügen Sie ein Video bei, das das Problem zeigt"
    ),
}
