// MockMart: the little JavaScript the storefront needs (no libraries, no external URLs).
"use strict";

const OVERLAY_DELAY_MS = 300;

function byTestId(id, root) {
  return (root || document).querySelector(`[data-testid="${id}"]`);
}

// Promo overlay: shown 300 ms after load when due, again after each fetch answer in "always".
function showOverlaySoon() {
  const overlay = byTestId("promo-overlay");
  if (overlay) {
    setTimeout(() => { overlay.hidden = false; }, OVERLAY_DELAY_MS);
  }
}

function initOverlay() {
  const overlay = byTestId("promo-overlay");
  if (!overlay) return;
  byTestId("promo-close", overlay).addEventListener("click", () => { overlay.hidden = true; });
  if (overlay.dataset.showOnLoad === "yes") showOverlaySoon();
}

// Order page: Open dispute opens the form in a pop-up window.
function initOrderPage() {
  const button = byTestId("open-dispute");
  if (!button) return;
  button.addEventListener("click", () => {
    const url = button.dataset.formUrl;
    const blocked = document.body.dataset.popupBlocked === "yes";
    // fault extra_popups: windows the click opens before the form's (pop-up ads)
    const extra = Number(document.body.dataset.extraPopups || 0);
    for (let i = 0; i < extra; i++) window.open("about:blank", `promo-${i}`, "width=300,height=300");
    const popup = blocked ? null : window.open(url, "dispute", "width=900,height=900");
    if (!popup) {
      byTestId("popup-blocked-banner").hidden = false;
      byTestId("popup-fallback-link").hidden = false;
    }
  });
}

// Forms that ask first (confirm receipt, accept a proposal, withdraw): a JS confirm.
function initConfirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

// Dispute form.
function fillReasons(select, received) {
  const reasons = JSON.parse(select.dataset.reasons)[received] || {};
  select.replaceChildren(new Option("Choose a reason", ""));
  for (const [code, label] of Object.entries(reasons)) select.add(new Option(label, code));
}

function syncAmount(form) {
  const partial = form.querySelector('input[name="refund"][value="partial"]');
  byTestId("amount", form).disabled = !partial.checked;
}

function resetForm(form) {
  form.reset();
  for (const radio of form.querySelectorAll('input[name="received"]')) radio.checked = false;
  byTestId("message", form).value = "";
  byTestId("amount", form).value = "";
  byTestId("evidence", form).value = "";
  fillReasons(byTestId("reason", form), "");
  syncAmount(form);
}

function hideAnswers(form) {
  for (const id of ["form-error", "server-error", "busy-toast", "busy-modal"]) {
    const element = byTestId(id);
    if (element) element.hidden = true;
  }
  const banner = byTestId("busy-banner");
  if (banner) banner.hidden = true;
}

function showBusy(form, message) {
  if (form.dataset.busyStyle === "modal") {
    const modal = byTestId("busy-modal");
    modal.querySelector(".modal-text").textContent = message;
    modal.hidden = false;
  } else {
    const toast = byTestId("busy-toast");
    toast.textContent = message;
    toast.hidden = false;
  }
  if (form.dataset.resetsOnBusy === "yes") {
    if (form.dataset.testid === "response-form") form.reset();
    else resetForm(form);
  }
}

async function submitByFetch(form, button) {
  hideAnswers(form);
  button.disabled = true;
  let response = null;
  let data = {};
  try {
    response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
    data = await response.json();
  } catch (error) {
    data = {};
  }
  // the form may have been re-rendered meanwhile (chaos): the answer goes to the one in the page
  const current = byTestId("dispute-form");
  if (current && current !== form) {
    form = current;
    button = byTestId("submit-dispute", form);
  }
  button.disabled = false;
  const status = data.status;
  if (status === "opened") {
    const result = byTestId("dispute-result");
    result.textContent = data.message;
    result.hidden = false;
    form.hidden = true;
  } else if (status === "busy") {
    showBusy(form, data.message);
  } else if (status === "invalid") {
    const error = byTestId("form-error");
    error.textContent = data.message;
    error.hidden = false;
  } else if (status === "login_required") {
    window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
    return;
  } else if (status === "challenge") {
    window.location.reload();
    return;
  } else if (status === "expired") {
    const expired = byTestId("form-expired");
    expired.textContent = data.message;
    expired.hidden = false;
  } else {
    byTestId("server-error").hidden = false;
  }
  if (document.body.dataset.overlay === "always") showOverlaySoon();
}

async function validateFirst(form) {
  const body = new FormData(form);
  body.set("validate", "1");
  try {
    await fetch(form.action, {
      method: "POST",
      body,
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
  } catch (error) {
    // a validation that fails to answer does not stop the submission
  }
}

// The listeners of the dispute form's fields and button (bound again after a re-render).
function bindDisputeForm(form) {
  const select = byTestId("reason", form);
  for (const radio of form.querySelectorAll('input[name="received"]')) {
    radio.addEventListener("change", () => fillReasons(select, radio.value));
  }
  for (const radio of form.querySelectorAll('input[name="refund"]')) {
    radio.addEventListener("change", () => syncAmount(form));
  }
  const button = byTestId("submit-dispute", form);
  button.addEventListener("click", async () => {
    if (!confirm("Submit this dispute?")) return;
    // fault validate_first: the form is first checked by a call to its own URL
    if (form.dataset.validateFirst === "yes") await validateFirst(form);
    if (form.dataset.submit === "fetch") {
      submitByFetch(form, button);
    } else {
      form.submit();
    }
  });
}

// The request's page: "Disagree and send" by fetch() (toast, modal) or a full-page POST.
async function respondByFetch(form, button) {
  const error = byTestId("response-error", form);
  error.hidden = true;
  for (const id of ["busy-toast", "busy-modal"]) {
    const element = byTestId(id);
    if (element) element.hidden = true;
  }
  button.disabled = true;
  let data = {};
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    });
    data = await response.json();
  } catch (failure) {
    data = {};
  }
  button.disabled = false;
  if (data.status === "sent") {
    const result = byTestId("response-result");
    result.textContent = data.message;
    result.hidden = false;
    byTestId("request-state").textContent = data.state_text;
    form.hidden = true;
  } else if (data.status === "busy") {
    showBusy(form, data.message);
  } else if (data.status === "invalid") {
    error.textContent = data.message;
    error.hidden = false;
  } else if (data.status === "login_required") {
    window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
    return;
  } else {
    error.textContent = "Something went wrong. Please try again.";
    error.hidden = false;
  }
  if (document.body.dataset.overlay === "always") showOverlaySoon();
}

function initResponseForm() {
  const form = byTestId("response-form");
  if (!form) return;
  const modalClose = byTestId("busy-modal-close");
  if (modalClose) {
    modalClose.addEventListener("click", () => { byTestId("busy-modal").hidden = true; });
  }
  const button = byTestId("respond-disagree", form);
  button.addEventListener("click", () => {
    if (form.dataset.submit === "fetch") {
      respondByFetch(form, button);
    } else {
      form.submit();
    }
  });
}

// Chaos: the form re-rendered once, a while after it is first used (new nodes, focus lost,
// the values kept), as a framework re-renders from its state.
function rerenderLater(form, ms) {
  let armed = true;
  const arm = () => {
    if (!armed) return;
    armed = false;
    setTimeout(() => {
      const old = byTestId("dispute-form");
      const fresh = old.cloneNode(true);
      const before = Array.from(old.elements);
      Array.from(fresh.elements).forEach((field, index) => {
        const was = before[index];
        if (field.type === "radio" || field.type === "checkbox") field.checked = was.checked;
        else if (field.type === "file") field.files = was.files;
        else if (field.tagName !== "BUTTON") field.value = was.value;
      });
      old.replaceWith(fresh);
      bindDisputeForm(fresh);
    }, ms);
  };
  for (const type of ["pointerdown", "keydown", "input", "change"]) form.addEventListener(type, arm, true);
}

function initDisputeForm() {
  const form = byTestId("dispute-form");
  if (!form) return;
  bindDisputeForm(form);
  const modalClose = byTestId("busy-modal-close");
  if (modalClose) {
    modalClose.addEventListener("click", () => { byTestId("busy-modal").hidden = true; });
  }
  const rerender = document.body.dataset.rerenderMs;
  if (rerender !== undefined) rerenderLater(form, Number(rerender));
}

// Overlays that come late, and chaos (mock_site/chaos.py; <body> carries its draws): the
// consent banner late, or with the busy modal and behind it, until accepted; the promo now and
// then; unrelated toasts.
function initLateBanner() {
  const banner = byTestId("consent-banner");
  if (!banner) return;
  if (/(?:^|;\s*)consent=1/.test(document.cookie)) {
    banner.remove();
    return;
  }
  byTestId("consent-accept", banner).addEventListener("click", () => {
    document.cookie = "consent=1; path=/; max-age=31536000; samesite=lax";
    banner.remove();
  });
  const show = (behind) => {
    if (!banner.isConnected || !banner.hidden) return;
    banner.classList.toggle("behind", behind);
    banner.hidden = false;
  };
  const data = document.body.dataset;
  const modal = byTestId("busy-modal");
  if (data.bannerWithModal === "yes" && modal) {
    const watch = new MutationObserver(() => {
      if (!modal.hidden) {
        watch.disconnect();
        show(true);
      }
    });
    watch.observe(modal, { attributes: true, attributeFilter: ["hidden"] });
  }
  if (data.bannerMs !== undefined) setTimeout(() => show(false), Number(data.bannerMs));
}

function initChaos() {
  const data = document.body.dataset;
  const overlay = byTestId("promo-overlay");
  if (overlay && data.promoMs !== undefined) {
    setTimeout(() => { overlay.hidden = false; }, Number(data.promoMs));
  }
  const toast = byTestId("info-toast");
  if (toast && data.toastsMs) {
    for (const ms of JSON.parse(data.toastsMs)) {
      setTimeout(() => {
        toast.textContent = "New: free shipping on your next order";
        toast.hidden = false;
        setTimeout(() => { toast.hidden = true; }, 2000);
      }, ms);
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  initOverlay();
  initOrderPage();
  initConfirmations();
  initDisputeForm();
  initResponseForm();
  initLateBanner();
  initChaos();
});
