// MockExpress order page: "Returns/refunds" of an item not marked delivered asks about the parcel.
"use strict";

function initParcelModal() {
  const wrap = document.querySelector(".comet-modal-wrap");
  if (!wrap) return;
  const close = () => { wrap.hidden = true; };
  for (const button of document.querySelectorAll("button[data-reverse-href]")) {
    button.addEventListener("click", () => {
      for (const link of wrap.querySelectorAll("a.comet-modal-link")) {
        link.href = `${button.dataset.reverseHref}&received=${link.dataset.received}`;
      }
      wrap.hidden = false;
    });
  }
  wrap.querySelector(".comet-modal-close").addEventListener("click", close);
  wrap.querySelector(".comet-modal-mask").addEventListener("click", close);
  // the links open the returns page in a new tab (target=_blank); the modal closes behind them
  for (const link of wrap.querySelectorAll("a.comet-modal-link")) {
    link.addEventListener("click", () => setTimeout(close, 0));
  }
}

document.addEventListener("DOMContentLoaded", initParcelModal);
