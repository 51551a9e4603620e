// MockExpress (the aliexpress skin): what every storefront page does. No libraries, no external URLs.
"use strict";

const BEACON_URL = "/gw/aplus/track";
const BEACON_EVERY_MS = 1000;
const OVERLAY_DELAY_MS = 300;

// Tracking: a beacon on load, every second and on every click (none of them is an answer).
function beacon(type, extra) {
  const body = JSON.stringify({ type, page: location.pathname, t: Date.now(), ...(extra || {}) });
  fetch(BEACON_URL, {
    method: "POST",
    body,
    keepalive: true,
    credentials: "same-origin",
    headers: { "Content-Type": "text/plain" },
  }).catch(() => {});
}

function initBeacons() {
  beacon("pv");
  setInterval(() => beacon("heartbeat"), BEACON_EVERY_MS);
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target.closest("button, a, [role]") : null;
    beacon("click", { target: target ? target.className : "" });
  }, true);
}

// The cookie banner covers the page until accepted; the answer is remembered in a cookie.
function initCookieBanner() {
  const banner = document.querySelector(".global-gdpr-wrap");
  if (!banner) return;
  banner.querySelector(".btn-accept").addEventListener("click", () => {
    document.cookie = "gdpr_consent=1; path=/; max-age=31536000; samesite=lax";
    banner.remove();
  });
}

// The promo pop-up (the overlay fault): 300 ms after load when due, after answers in "always".
function showOverlaySoon() {
  const mask = document.querySelector(".poplayer--mask--2HnK4sT");
  if (mask) setTimeout(() => { mask.hidden = false; }, OVERLAY_DELAY_MS);
}

function initOverlay() {
  const mask = document.querySelector(".poplayer--mask--2HnK4sT");
  if (!mask) return;
  mask.querySelector(".poplayer--close--1xR7pWd").addEventListener("click", () => { mask.hidden = true; });
  if (mask.dataset.showOnLoad === "yes") showOverlaySoon();
}

// Toasts: kind is success, warning or error; each one vanishes after data-toast-ms.
function toast(kind, text) {
  const holder = document.querySelector(".comet-v2-message");
  const notice = document.createElement("div");
  notice.className = "comet-v2-message-notice";
  notice.innerHTML = '<div class="comet-v2-message-notice-content"><div class="comet-v2-message-custom-content">' +
    '<span class="comet-v2-message-text"></span></div></div>';
  notice.querySelector(".comet-v2-message-custom-content").classList.add(`comet-v2-message-${kind}`);
  notice.querySelector(".comet-v2-message-text").textContent = text;
  holder.appendChild(notice);
  setTimeout(() => notice.remove(), Number(document.body.dataset.toastMs) || 3000);
}

// Overlays that come late and chaos (mock_site/chaos.py draws them; <body> carries them):
// the consent banner shown late, or with the first in-page modal and behind it; the promo
// pop-up now and then; unrelated toasts.
function initLateBanner() {
  const banner = document.querySelector(".global-gdpr-wrap");
  if (!banner || !banner.hidden) return;
  const data = document.body.dataset;
  const show = (behind) => {
    if (!banner.isConnected || !banner.hidden) return;
    banner.classList.toggle("global-gdpr-behind", behind);
    banner.hidden = false;
  };
  if (data.bannerWithModal === "yes") {
    const modals = document.querySelectorAll(".comet-modal-wrap, .comet-v2-modal-root");
    const watch = new MutationObserver(() => {
      if (Array.from(modals).some((modal) => !modal.hidden)) {
        watch.disconnect();
        show(true);
      }
    });
    for (const modal of modals) watch.observe(modal, { attributes: true, attributeFilter: ["hidden"] });
  }
  if (data.bannerMs !== undefined) setTimeout(() => show(false), Number(data.bannerMs));
}

function initChaos() {
  const data = document.body.dataset;
  const mask = document.querySelector(".poplayer--mask--2HnK4sT");
  if (mask && data.promoMs !== undefined) setTimeout(() => { mask.hidden = false; }, Number(data.promoMs));
  if (data.toastsMs) {
    const texts = JSON.parse(data.toastsText || "[]");
    JSON.parse(data.toastsMs).forEach((ms, index) => {
      setTimeout(() => toast("info", texts[index % texts.length] || ""), ms);
    });
  }
}

window.MockExpress = { beacon, toast, showOverlaySoon };

document.addEventListener("DOMContentLoaded", () => {
  initBeacons();
  initCookieBanner();
  initOverlay();
  initLateBanner();
  initChaos();
});
