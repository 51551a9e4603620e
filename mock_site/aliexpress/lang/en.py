"""English wording of the aliexpress skin: every text a shopper reads (the other languages
translate these keys; docs/storefront.md, "Interface languages")."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["WORDING"]

WORDING: Mapping[str, str] = {
    # every page
    "greeting": "Hi, {account}",
    "cookie_aria": "Cookie preferences",
    "cookie_title": "We use cookies",
    "cookie_desc": (
        "We use cookies and similar tools to give you a better shopping experience, to "
        "measure how the site is used and to show you relevant ads."
    ),
    "cookie_more": "Cookie preferences",
    "cookie_accept": "Accept cookies",
    "promo_title": "Welcome deal",
    "promo_text": "US $3 off your next order of US $10 or more. Today only!",
    "close": "Close",
    "toast_coupon": "You have a new coupon!",
    "toast_shipping": "Free shipping on your next order",
    # the order list
    "my_orders": "My orders",
    "order_id": "Order ID:",
    "copy": "Copy",
    "order_details": "Order details",
    "total": "Total:",
    "track_order": "Track order",
    "add_to_cart": "Add to cart",
    "previous": "Previous",
    "next": "Next",
    "page_of": "Page {page} of {pages}",
    # the order page
    "buyer_protection": "Buyer protection:",
    "days_left": "{days} days left",
    "returns_refunds": "Returns/refunds",
    "view_details": "View details",
    "parcel_aria": "Package received?",
    "parcel_title": "Have you received the package?",
    "parcel_desc": "Let us know so we can offer you the right solution.",
    "no": "No",
    "yes": "Yes",
    "delivered_ago": "Delivered {days} days ago",
    "shipped_ago": "Not delivered yet (shipped {days} days ago)",
    # the returns page
    "step_details": "1. Request details",
    "step_confirm": "2. Confirm",
    "package_status": "Package status:",
    "received": "Received",
    "not_received": "Not received",
    "switch_to_not_received": "I haven't received the package",
    "switch_to_received": "I have received the package",
    "choose_solution": "Choose a solution",
    "refund_only": "Refund only",
    "refund_only_desc": "Get a refund without returning the item",
    "return_refund": "Return & refund",
    "return_refund_desc": "Return the item to the seller and get a refund",
    "return_refund_unavailable": "Available for items you received",
    "error_solution": "Please choose a solution",
    "reason_label": "Reason for refund",
    "reason_placeholder": "Please select a reason",
    "error_reason": "Please select a reason",
    "amount_label": "Refund amount",
    "max_refund": "Maximum refund: US ${amount}",
    "describe": "Describe the problem",
    "describe_placeholder": (
        "Please describe the problem in detail to help the seller understand your request"
    ),
    "upload_label": "Upload photos/videos ({need})",
    "required": "required",
    "optional": "optional",
    "upload": "Upload",
    "upload_tip": (
        "Up to 6 files. Photos: JPG or PNG, up to 5 MB each. Videos: MP4 or MOV, up to 20 MB each."
    ),
    "next_step": "Next step",
    "confirm_title": "Confirm your request",
    "row_package": "Package status",
    "row_solution": "Solution",
    "row_reason": "Reason",
    "row_amount": "Refund amount",
    "row_description": "Description",
    "row_evidence": "Photos/videos",
    "back": "Back",
    "submit": "Submit",
    "submit_title": "Submit request",
    "submit_body": "Are you sure you want to submit this request?",
    "cancel": "Cancel",
    "confirm": "Confirm",
    "notice": "Notice",
    "ok": "OK",
    "success_toast": "Your request has been submitted.",
    "error_toast": "Something went wrong. Please try again later.",
    "files_one": "{n} file",
    "files_many": "{n} files",
    "none": "None",
    "upload_failed": "Upload failed. Please try again.",
    "delete": "Delete",
    # a request's block and page, not found
    "request_id": "Request ID:",
    "view_request": "View request details",
    "request_details": "Request details",
    "page_not_found": "Page not found",
    "go_to_orders": "Go to My orders",
    "order_not_found": "Sorry, we couldn't find this order.",
    "item_not_found": "Sorry, we couldn't find this item.",
    "request_not_found": "Sorry, we couldn't find this request.",
    # the login origin and the slider
    "sign_in": "Sign in",
    "login_placeholder": "Email address or phone number",
    "continue": "Continue",
    "change": "Change",
    "password": "Password",
    "account_missing": "Please enter your email address or phone number.",
    "wrong_password": "Your account name or password is incorrect.",
    "challenge_heading": "Sorry, we have detected unusual traffic from your network.",
    "challenge_text": "Please slide to verify",
    # answers of the server
    "order_not_exist": "The order does not exist.",
    "sign_in_again": "Please sign in again.",
    # a request's page: its title and status line by its state (mock_site.lifecycle.state_code)
    "title.waiting_seller": "Waiting for the seller to respond",
    "status.waiting_seller": "Waiting for the seller's response",
    "title.proposal_partial": "The seller proposed a partial refund",
    "status.proposal_partial": "Waiting for your response",
    "title.proposal_return": "The seller proposed a return and refund",
    "status.proposal_return": "Waiting for your response",
    "title.refused": "The seller rejected your request",
    "status.refused": "Waiting for your response",
    "title.evidence_requested": "The seller asked for more evidence",
    "status.evidence_requested": "Waiting for your response",
    "title.escalated": "We're reviewing your request",
    "status.escalated": "Waiting for AliExpress's feedback",
    "title.refund_complete": "Your refund has been issued",
    "status.refund_complete": "Refund complete",
    "title.closed_accepted": "You accepted the seller's solution",
    "status.closed_accepted": "Request closed",
    "title.closed_deadline_missed": "You didn't respond in time",
    "status.closed_deadline_missed": "Request closed",
    "title.closed_withdrawn": "You cancelled this request",
    "status.closed_withdrawn": "Request closed",
    # the rest of a request's page: countdown, proposal, the buyer's actions, their modals
    "respond_within": "Please respond within",
    "days_word": "days",
    "seller_proposal": "Seller's proposal",
    "partial_refund": "Partial refund",
    "seller_response": "Seller's response:",
    "accept_solution": "Accept solution",
    "view_solutions": "View possible solutions",
    "cancel_request": "Cancel request",
    "no_solution": "No solution was offered by the seller.",
    "disagree_check": "I don't agree with above solution(s)",
    "upload_more": "Upload more photos/videos",
    "evidence_placeholder": "Tell the seller why you don't agree",
    "accept_title": "Accept the seller's solution?",
    "accept_warning": (
        "Accepting this solution closes your request. You won't be able to ask for more or open "
        "another request for this item."
    ),
    "cancel_warning": "Cancel this request? It will be closed and can't be opened again.",
    "response_toast": "Your response has been submitted.",
    # its history ({amount}: " (US $2.00)" or ""; {said}: ': "the seller's words"' or "")
    "history.agree": "Seller agreed to refund{amount}",
    "history.propose_partial": "Seller proposed a partial refund{amount}{said}",
    "history.propose_return": "Seller proposed a return and refund{amount}{said}",
    "history.refuse": "Seller rejected the request{said}",
    "history.ask_evidence": "Seller asked for more evidence{said}",
    "history.disagree": 'You disagreed and uploaded more evidence: "{message}"',
    "history.accept": "You accepted the seller's solution{amount}",
    "history.withdraw": "You cancelled the request",
    "history.deadline_passed": "The response time ran out",
    # the order's status
    "order.awaiting_delivery": "Awaiting delivery",
    "order.delivered": "Delivered",
    "order.completed": "Completed",
    "order.closed": "Closed",
    # why no request can be opened
    "ineligible.protection_ended": (
        "Buyer protection for this order has ended. Returns and refunds can be requested up "
        "to 15 days after the order is completed."
    ),
    "ineligible.receipt_confirmed": (
        "You confirmed receipt of this order, so it is completed. Returns and refunds are no "
        "longer available."
    ),
    "ineligible.proposal_accepted": (
        "You accepted the seller's proposal, so this order is closed. You can't open a new request."
    ),
    # the reasons
    "reason.not_received": "Didn't receive the package",
    "reason.returned_to_sender": "Tracked as returned/canceled/lost",
    "reason.in_transit_too_long": "Package not delivered in the promised time",
    "reason.held_at_customs": "Held by customs",
    "reason.no_tracking": "No tracking information",
    "reason.wrong_address": "Sent to another address",
    "reason.not_as_described": "Item not as described",
    "reason.poor_quality": "Poor quality",
    "reason.does_not_work": "Doesn't work properly",
    "reason.counterfeit": "Counterfeit item",
    "reason.empty_parcel": "Empty package",
    "reason.wrong_quantity": "Wrong quantity",
    "reason.damaged": "Damaged item",
    "reason.wrong_item": "Received the wrong item",
    # the server's refusals (mock_site/validation.py's sentences; {name}: a file's name)
    "refused.Please enter a valid amount": "Please enter a valid amount",
    "refused.The amount cannot exceed the order total": "The amount cannot exceed the order total",
    "refused.Your message contains unsupported characters": (
        "Your message contains unsupported characters"
    ),
    "refused.Your message must be 10 to 2000 characters long": (
        "Your message must be 10 to 2000 characters long"
    ),
    "refused.Please complete your message": "Please complete your message",
    "refused.Too many files": "Too many files",
    "refused.Unsupported file format: {name}": "Unsupported file format: {name}",
    "refused.File too large: {name}": "File too large: {name}",
    "refused.Please tell us whether you received the item": (
        "Please tell us whether you received the item"
    ),
    "refused.Please choose a reason": "Please choose a reason",
    "refused.Please choose a solution": "Please choose a solution",
    "refused.Please choose a full or a partial refund": (
        "Please choose a full or a partial refund"
    ),
    "refused.Please attach photos of the item": "Please attach photos of the item",
    "refused.Please attach a video showing the problem": (
        "Please attach a video showing the problem"
    ),
}
