"""Spanish wording of the aliexpress skin (docs/storefront.md, "Interface languages": the
sources of the site's real words, and which wordings are our choice)."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["WORDING"]

WORDING: Mapping[str, str] = {
    "greeting": "Hola, {account}",
    "cookie_aria": "Preferencias de cookies",
    "cookie_title": "Usamos cookies",
    "cookie_desc": (
        "Usamos cookies y herramientas similares para ofrecerte una mejor experiencia de "
        "compra, medir el uso del sitio y mostrarte anuncios relevantes."
    ),
    "cookie_more": "Preferencias de cookies",
    "cookie_accept": "Aceptar cookies",
    "promo_title": "Oferta de bienvenida",
    "promo_text": "3 US $ de descuento en tu próximo pedido de 10 US $ o más. ¡Solo hoy!",
    "close": "Cerrar",
    "toast_coupon": "¡Tienes un nuevo cupón!",
    "toast_shipping": "Envío gratis en tu próximo pedido",
    "my_orders": "Mis pedidos",
    "order_id": "N.º de pedido:",
    "copy": "Copiar",
    "order_details": "Detalles del pedido",
    "total": "Total:",
    "track_order": "Seguir pedido",
    "add_to_cart": "Añadir al carrito",
    "previous": "Anterior",
    "next": "Siguiente",
    "page_of": "Página {page} de {pages}",
    "buyer_protection": "Protección al comprador:",
    "days_left": "Quedan {days} días",
    "returns_refunds": "Devoluciones/reembolsos",
    "view_details": "Ver detalles",
    "parcel_aria": "¿Paquete recibido?",
    "parcel_title": "¿Has recibido el paquete?",
    "parcel_desc": "Dínoslo para que podamos ofrecerte la solución adecuada.",
    "no": "No",
    "yes": "Sí",
    "delivered_ago": "Entregado hace {days} días",
    "shipped_ago": "Aún no entregado (enviado hace {days} días)",
    "step_details": "1. Detalles de la solicitud",
    "step_confirm": "2. Confirmar",
    "package_status": "Estado del paquete:",
    "received": "Recibido",
    "not_received": "No recibido",
    "switch_to_not_received": "No he recibido el paquete",
    "switch_to_received": "He recibido el paquete",
    "choose_solution": "Elige una solución",
    "refund_only": "Solo reembolso",
    "refund_only_desc": "Recibe un reembolso sin devolver el artículo",
    "return_refund": "Devolución y reembolso",
    "return_refund_desc": "Devuelve el artículo al vendedor y recibe un reembolso",
    "return_refund_unavailable": "Disponible para artículos recibidos",
    "error_solution": "Elige una solución",
    "reason_label": "Motivo del reembolso",
    "reason_placeholder": "Selecciona un motivo",
    "error_reason": "Selecciona un motivo",
    "amount_label": "Importe del reembolso",
    "max_refund": "Reembolso máximo: US ${amount}",
    "describe": "Describe el problema",
    "describe_placeholder": (
        "Describe el problema con detalle para ayudar al vendedor a entender tu solicitud"
    ),
    "upload_label": "Subir fotos/vídeos ({need})",
    "required": "obligatorio",
    "optional": "opcional",
    "upload": "Subir",
    "upload_tip": (
        "Hasta 6 archivos. Fotos: JPG o PNG, hasta 5 MB cada una. Vídeos: MP4 o MOV, hasta "
        "20 MB cada uno."
    ),
    "next_step": "Siguiente paso",
    "confirm_title": "Confirma tu solicitud",
    "row_package": "Estado del paquete",
    "row_solution": "Solución",
    "row_reason": "Motivo",
    "row_amount": "Importe del reembolso",
    "row_description": "Descripción",
    "row_evidence": "Fotos/vídeos",
    "back": "Atrás",
    "submit": "Enviar",
    "submit_title": "Enviar solicitud",
    "submit_body": "¿Seguro que quieres enviar esta solicitud?",
    "cancel": "Cancelar",
    "confirm": "Confirmar",
    "notice": "Aviso",
    "ok": "Aceptar",
    "success_toast": "Tu solicitud se ha enviado.",
    "error_toast": "Algo ha salido mal. Inténtalo de nuevo más tarde.",
    "files_one": "{n} archivo",
    "files_many": "{n} archivos",
    "none": "Ninguno",
    "upload_failed": "Error al subir. Inténtalo de nuevo.",
    "delete": "Eliminar",
    "request_id": "N.º de solicitud:",
    "view_request": "Ver detalles de la solicitud",
    "request_details": "Detalles de la solicitud",
    "page_not_found": "Página no encontrada",
    "go_to_orders": "Ir a Mis pedidos",
    "order_not_found": "Lo sentimos, no hemos encontrado este pedido.",
    "item_not_found": "Lo sentimos, no hemos encontrado este artículo.",
    "request_not_found": "Lo sentimos, no hemos encontrado esta solicitud.",
    "sign_in": "Iniciar sesión",
    "login_placeholder": "Correo electrónico o número de teléfono",
    "continue": "Continuar",
    "change": "Cambiar",
    "password": "Contraseña",
    "account_missing": "Introduce tu correo electrónico o número de teléfono.",
    "wrong_password": "El nombre de cuenta o la contraseña no son correctos.",
    "challenge_heading": "Lo sentimos, hemos detectado tráfico inusual en tu red.",
    "challenge_text": "Desliza para verificar",
    "order_not_exist": "El pedido no existe.",
    "sign_in_again": "Vuelve a iniciar sesión.",
    "status.waiting_feedback": "Esperando la respuesta de AliExpress",
    "status.waiting_response": "Esperando tu respuesta",
    "status.refund_complete": "Reembolso completado",
    "title.waiting_feedback": "Estamos revisando tu solicitud",
    "title.waiting_response": "El vendedor ha respondido a tu solicitud",
    "title.refund_complete": "Se ha emitido tu reembolso",
    "order.awaiting_delivery": "Pendiente de entrega",
    "order.delivered": "Entregado",
    "order.completed": "Completado",
    "order.closed": "Cerrado",
    "ineligible.protection_ended": (
        "La protección al comprador de este pedido ha finalizado. Las devoluciones y los "
        "reembolsos pueden solicitarse hasta 15 días después de completar el pedido."
    ),
    "ineligible.receipt_confirmed": (
        "Confirmaste la recepción de este pedido, por lo que está completado. Las devoluciones "
        "y los reembolsos ya no están disponibles."
    ),
    "ineligible.proposal_accepted": (
        "Aceptaste la propuesta del vendedor, por lo que este pedido está cerrado. No puedes "
        "abrir una nueva solicitud."
    ),
    "reason.not_received": "No he recibido el paquete",
    "reason.returned_to_sender": "El seguimiento indica devuelto/cancelado/perdido",
    "reason.in_transit_too_long": "Paquete no entregado en el plazo prometido",
    "reason.held_at_customs": "Retenido en aduanas",
    "reason.no_tracking": "Sin información de seguimiento",
    "reason.wrong_address": "Enviado a otra dirección",
    "reason.not_as_described": "El artículo no coincide con la descripción",
    "reason.poor_quality": "Mala calidad",
    "reason.does_not_work": "No funciona correctamente",
    "reason.counterfeit": "Artículo falsificado",
    "reason.empty_parcel": "Paquete vacío",
    "reason.wrong_quantity": "Cantidad incorrecta",
    "reason.damaged": "Artículo dañado",
    "reason.wrong_item": "He recibido un artículo equivocado",
    "refused.Please enter a valid amount": "Introduce un importe válido",
    "refused.The amount cannot exceed the order total": (
        "El importe no puede superar el total del pedido"
    ),
    "refused.Your message contains unsupported characters": (
        "Tu mensaje contiene caracteres no admitidos"
    ),
    "refused.Your message must be 10 to 2000 characters long": (
        "Tu mensaje debe tener entre 10 y 2000 caracteres"
    ),
    "refused.Please complete your message": "Completa tu mensaje",
    "refused.Too many files": "Demasiados archivos",
    "refused.Unsupported file format: {name}": "Formato de archivo no admitido: {name}",
    "refused.File too large: {name}": "Archivo demasiado grande: {name}",
    "refused.Please tell us whether you received the item": "Indica si has recibido el artículo",
    "refused.Please choose a reason": "Elige un motivo",
    "refused.Please choose a solution": "Elige una solución",
    "refused.Please choose a full or a partial refund": "Elige un reembolso total o parcial",
    "refused.Please attach photos of the item": "Adjunta fotos del artículo",
    "refused.Please attach a video showing the problem": (
        "Adjunta un vídeo que muestre el problema"
    ),
}
