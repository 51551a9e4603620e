"""The mock skin's words for a request's state, in every language of the fault plan.

The request's page (``/dispute/{id}``) says its state in the plan's ``language``, like its busy
answers; docs/storefront.md lists the English sentences, agent/profiles/mock.toml maps every
one of them (each language) to the agent's state codes. Change them together.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["STATE_TEXTS", "state_text"]

#: By language, then by `mock_site.lifecycle.state_code`.
STATE_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "waiting_seller": "Waiting for the seller's answer",
        "proposal_partial": "The seller proposes a partial refund",
        "proposal_return": "The seller proposes a return",
        "refused": "The seller refused your dispute",
        "evidence_requested": "The seller asks for more evidence",
        "escalated": "MockMart is reviewing your dispute",
        "refund_complete": "Refund complete",
        "closed_accepted": "Closed: you accepted the seller's proposal",
        "closed_deadline_missed": "Closed: you did not respond in time",
        "closed_withdrawn": "Closed: you withdrew the dispute",
    },
    "fr": {
        "waiting_seller": "En attente de la réponse du vendeur",
        "proposal_partial": "Le vendeur propose un remboursement partiel",
        "proposal_return": "Le vendeur propose un retour",
        "refused": "Le vendeur a refusé votre litige",
        "evidence_requested": "Le vendeur demande plus de preuves",
        "escalated": "MockMart examine votre litige",
        "refund_complete": "Remboursement effectué",
        "closed_accepted": "Clos : vous avez accepté la proposition du vendeur",
        "closed_deadline_missed": "Clos : vous n'avez pas répondu à temps",
        "closed_withdrawn": "Clos : vous avez retiré le litige",
    },
    "ru": {
        "waiting_seller": "Ожидается ответ продавца",
        "proposal_partial": "Продавец предлагает частичный возврат средств",
        "proposal_return": "Продавец предлагает вернуть товар",
        "refused": "Продавец отклонил ваш спор",
        "evidence_requested": "Продавец просит дополнительные доказательства",
        "escalated": "MockMart рассматривает ваш спор",
        "refund_complete": "Возврат средств выполнен",
        "closed_accepted": "Закрыт: вы приняли предложение продавца",
        "closed_deadline_missed": "Закрыт: вы не ответили вовремя",
        "closed_withdrawn": "Закрыт: вы отозвали спор",
    },
    "es": {
        "waiting_seller": "Esperando la respuesta del vendedor",
        "proposal_partial": "El vendedor propone un reembolso parcial",
        "proposal_return": "El vendedor propone una devolución",
        "refused": "El vendedor rechazó su disputa",
        "evidence_requested": "El vendedor pide más pruebas",
        "escalated": "MockMart está revisando su disputa",
        "refund_complete": "Reembolso completado",
        "closed_accepted": "Cerrada: aceptó la propuesta del vendedor",
        "closed_deadline_missed": "Cerrada: no respondió a tiempo",
        "closed_withdrawn": "Cerrada: retiró la disputa",
    },
    "pt": {
        "waiting_seller": "Aguardando a resposta do vendedor",
        "proposal_partial": "O vendedor propõe um reembolso parcial",
        "proposal_return": "O vendedor propõe uma devolução",
        "refused": "O vendedor recusou a sua disputa",
        "evidence_requested": "O vendedor pede mais provas",
        "escalated": "A MockMart está analisando a sua disputa",
        "refund_complete": "Reembolso concluído",
        "closed_accepted": "Encerrada: você aceitou a proposta do vendedor",
        "closed_deadline_missed": "Encerrada: você não respondeu a tempo",
        "closed_withdrawn": "Encerrada: você retirou a disputa",
    },
    "zh": {
        "waiting_seller": "等待卖家回复",
        "proposal_partial": "卖家提议部分退款",
        "proposal_return": "卖家提议退货",
        "refused": "卖家拒绝了您的纠纷",
        "evidence_requested": "卖家要求提供更多证据",
        "escalated": "MockMart 正在审核您的纠纷",
        "refund_complete": "退款完成",
        "closed_accepted": "已关闭 您接受了卖家的方案",
        "closed_deadline_missed": "已关闭 您未在期限内回复",
        "closed_withdrawn": "已关闭 您撤销了纠纷",
    },
}


def state_text(language: str, code: str) -> str:
    """The sentence for a state code in a language (English when it has none)."""
    return STATE_TEXTS.get(language, STATE_TEXTS["en"]).get(code) or STATE_TEXTS["en"][code]
