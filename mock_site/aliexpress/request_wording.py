"""The aliexpress skin's words for a request's state: its title and status line, by language.

The request's page says them in the fault plan's ``language`` (with ``busy_format = "text"``,
as the busy answers); the order page and the answers' JSON in English. docs/storefront.md lists
the English texts; agent/profiles/aliexpress.toml maps every one of them (each language) to the
agent's state codes. Change them together.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["COUNTDOWN", "REQUEST_TEXTS", "request_texts"]

#: By language, then by `mock_site.lifecycle.state_code`: (title, status line).
REQUEST_TEXTS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "en": {
        "waiting_seller": (
            "Waiting for the seller to respond",
            "Waiting for the seller's response",
        ),
        "proposal_partial": ("The seller proposed a partial refund", "Waiting for your response"),
        "proposal_return": (
            "The seller proposed a return and refund",
            "Waiting for your response",
        ),
        "refused": ("The seller rejected your request", "Waiting for your response"),
        "evidence_requested": ("The seller asked for more evidence", "Waiting for your response"),
        "escalated": ("We're reviewing your request", "Waiting for AliExpress's feedback"),
        "refund_complete": ("Your refund has been issued", "Refund complete"),
        "closed_accepted": ("You accepted the seller's solution", "Request closed"),
        "closed_deadline_missed": ("You didn't respond in time", "Request closed"),
        "closed_withdrawn": ("You cancelled this request", "Request closed"),
    },
    "fr": {
        "waiting_seller": (
            "Le vendeur doit répondre à votre demande",
            "En attente de la réponse du vendeur",
        ),
        "proposal_partial": (
            "Le vendeur a proposé un remboursement partiel",
            "En attente de votre réponse",
        ),
        "proposal_return": (
            "Le vendeur a proposé un retour et un remboursement",
            "En attente de votre réponse",
        ),
        "refused": ("Le vendeur a refusé votre demande", "En attente de votre réponse"),
        "evidence_requested": (
            "Le vendeur demande plus de preuves",
            "En attente de votre réponse",
        ),
        "escalated": ("Nous examinons votre demande", "En attente de l'avis d'AliExpress"),
        "refund_complete": ("Votre remboursement a été effectué", "Remboursement effectué"),
        "closed_accepted": ("Vous avez accepté la solution du vendeur", "Demande clôturée"),
        "closed_deadline_missed": ("Vous n'avez pas répondu à temps", "Demande clôturée"),
        "closed_withdrawn": ("Vous avez annulé cette demande", "Demande clôturée"),
    },
    "ru": {
        "waiting_seller": ("Продавец должен ответить на ваш запрос", "Ожидается ответ продавца"),
        "proposal_partial": (
            "Продавец предложил частичный возврат средств",
            "Ожидается ваш ответ",
        ),
        "proposal_return": ("Продавец предложил возврат товара и средств", "Ожидается ваш ответ"),
        "refused": ("Продавец отклонил ваш запрос", "Ожидается ваш ответ"),
        "evidence_requested": (
            "Продавец просит дополнительные доказательства",
            "Ожидается ваш ответ",
        ),
        "escalated": ("Мы рассматриваем ваш запрос", "Ожидается решение AliExpress"),
        "refund_complete": ("Средства возвращены", "Возврат средств выполнен"),
        "closed_accepted": ("Вы приняли решение продавца", "Запрос закрыт"),
        "closed_deadline_missed": ("Вы не ответили вовремя", "Запрос закрыт"),
        "closed_withdrawn": ("Вы отменили этот запрос", "Запрос закрыт"),
    },
    "es": {
        "waiting_seller": (
            "El vendedor debe responder a su solicitud",
            "Esperando la respuesta del vendedor",
        ),
        "proposal_partial": ("El vendedor propuso un reembolso parcial", "Esperando su respuesta"),
        "proposal_return": (
            "El vendedor propuso una devolución y reembolso",
            "Esperando su respuesta",
        ),
        "refused": ("El vendedor rechazó su solicitud", "Esperando su respuesta"),
        "evidence_requested": ("El vendedor pide más pruebas", "Esperando su respuesta"),
        "escalated": ("Estamos revisando su solicitud", "Esperando la valoración de AliExpress"),
        "refund_complete": ("Su reembolso se ha emitido", "Reembolso completado"),
        "closed_accepted": ("Aceptó la solución del vendedor", "Solicitud cerrada"),
        "closed_deadline_missed": ("No respondió a tiempo", "Solicitud cerrada"),
        "closed_withdrawn": ("Canceló esta solicitud", "Solicitud cerrada"),
    },
    "pt": {
        "waiting_seller": (
            "O vendedor deve responder ao seu pedido",
            "Aguardando a resposta do vendedor",
        ),
        "proposal_partial": ("O vendedor propôs um reembolso parcial", "Aguardando a sua resposta"),
        "proposal_return": (
            "O vendedor propôs uma devolução e reembolso",
            "Aguardando a sua resposta",
        ),
        "refused": ("O vendedor recusou o seu pedido", "Aguardando a sua resposta"),
        "evidence_requested": ("O vendedor pede mais provas", "Aguardando a sua resposta"),
        "escalated": ("Estamos analisando o seu pedido", "Aguardando o parecer do AliExpress"),
        "refund_complete": ("O seu reembolso foi emitido", "Reembolso concluído"),
        "closed_accepted": ("Você aceitou a solução do vendedor", "Pedido encerrado"),
        "closed_deadline_missed": ("Você não respondeu a tempo", "Pedido encerrado"),
        "closed_withdrawn": ("Você cancelou este pedido", "Pedido encerrado"),
    },
    "zh": {
        "waiting_seller": ("等待卖家处理您的请求", "等待卖家回复"),
        "proposal_partial": ("卖家提出了部分退款方案", "等待您的回复"),
        "proposal_return": ("卖家提出了退货退款方案", "等待您的回复"),
        "refused": ("卖家拒绝了您的请求", "等待您的回复"),
        "evidence_requested": ("卖家要求提供更多证据", "等待您的回复"),
        "escalated": ("我们正在审核您的请求", "等待 AliExpress 处理"),
        "refund_complete": ("您的退款已发放", "退款完成"),
        "closed_accepted": ("您接受了卖家的方案", "请求已关闭"),
        "closed_deadline_missed": ("您未在期限内回复", "请求已关闭"),
        "closed_withdrawn": ("您取消了此请求", "请求已关闭"),
    },
}

#: "Please respond within" and the word for days, by language (the countdown reads
#: "<words> 4 <days> 23:59:58").
COUNTDOWN: Mapping[str, tuple[str, str]] = {
    "en": ("Please respond within", "days"),
    "fr": ("Veuillez répondre dans un délai de", "jours"),
    "ru": ("Пожалуйста, ответьте в течение", "дн."),
    "es": ("Responda en un plazo de", "días"),
    "pt": ("Responda no prazo de", "dias"),
    "zh": ("请在以下时间内回复", "天"),
}


def request_texts(language: str, code: str) -> tuple[str, str]:
    """The (title, status line) of a state code in a language (English when it has none)."""
    texts = REQUEST_TEXTS.get(language, REQUEST_TEXTS["en"])
    return texts.get(code) or REQUEST_TEXTS["en"][code]
