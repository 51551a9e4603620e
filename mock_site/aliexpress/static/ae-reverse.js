// MockExpress returns/refunds wizard: cards, a Comet dropdown, uploads on selection, a confirm
// step, an in-page confirmation modal and a fetch() submit whose JSON answer becomes a toast.
"use strict";

const SELECTED = "solution--selected--1cYhT0s";
const DISABLED = "solution--disabled--3QmRz8v";
const UPLOADING = "upload--uploading--3Pw8dKs";
const STEP_ACTIVE = "reverse--stepActive--3Dk0pLr";
const FORM = ".reverse--form--3Tq9vKd";

const $ = (selector, root) => (root || document).querySelector(selector);
const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

const state = { solution: "", reasonId: "", reasonLabel: "", uploads: [], pending: 0, sending: false };
let init = null;
let uploadKeys = 0;

// The page's texts in its language (the server puts them in the init data).
function text(key, values) {
  let out = (init.texts || {})[key] || key;
  for (const [name, value] of Object.entries(values || {})) out = out.replace(`{${name}}`, String(value));
  return out;
}

function showError(field, shown) {
  const error = $(`.reverse--fieldError--2pQ7sLm[data-field="${field}"]`);
  if (error) error.hidden = !shown;
}

// Solution cards: one carries the selected-marker class.
function selectCard(card) {
  if (card.classList.contains(DISABLED)) return;
  for (const other of $$(".solution--card--2Xk9WqP")) {
    other.classList.remove(SELECTED);
    other.setAttribute("aria-checked", "false");
  }
  card.classList.add(SELECTED);
  card.setAttribute("aria-checked", "true");
  state.solution = card.dataset.solution;
  showError("solution", false);
}

function resetCards() {
  state.solution = "";
  for (const card of $$(".solution--card--2Xk9WqP")) {
    card.classList.remove(SELECTED);
    card.setAttribute("aria-checked", "false");
  }
  if (init.received === "no") selectCard($('.solution--card--2Xk9WqP[data-solution="REFUND_ONLY"]'));
}

function initCards() {
  state.solution = "";
  for (const card of $$(".solution--card--2Xk9WqP")) {
    card.addEventListener("click", () => selectCard(card));
    card.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        selectCard(card);
      }
    });
    if (card.classList.contains(SELECTED)) state.solution = card.dataset.solution;
  }
}

// The reason: a Comet select whose menu is appended to the body, like rc-select's.
function openDropdown(select) {
  const menu = $(".comet-v2-select-dropdown");
  const rect = select.getBoundingClientRect();
  menu.style.left = `${rect.left + window.scrollX}px`;
  menu.style.top = `${rect.bottom + window.scrollY + 4}px`;
  menu.style.width = `${rect.width}px`;
  menu.classList.remove("comet-v2-select-dropdown-hidden");
  select.classList.add("comet-v2-select-open");
  select.setAttribute("aria-expanded", "true");
}

function closeDropdown() {
  const menu = $(".comet-v2-select-dropdown");
  const select = $(".comet-v2-select");
  if (!menu || !select) return;
  menu.classList.add("comet-v2-select-dropdown-hidden");
  select.classList.remove("comet-v2-select-open");
  select.setAttribute("aria-expanded", "false");
}

function showReason(label) {
  const select = $(".comet-v2-select");
  const shown = $(".comet-v2-select-selection-item", select);
  $(".comet-v2-select-selection-placeholder", select).hidden = Boolean(label);
  shown.textContent = label;
  shown.title = label;
  shown.hidden = !label;
}

function chooseReason(item) {
  state.reasonId = item ? item.dataset.value : "";
  state.reasonLabel = item ? item.textContent.trim() : "";
  for (const other of $$(".comet-v2-menu-item")) {
    const chosen = other === item;
    other.classList.toggle("comet-v2-menu-item-selected", chosen);
    other.setAttribute("aria-selected", String(chosen));
  }
  showReason(state.reasonLabel);
  closeDropdown();
  if (item) showError("reason", false);
}

function bindSelect() {
  const select = $(".comet-v2-select");
  select.addEventListener("click", (event) => {
    event.stopPropagation();
    if (select.classList.contains("comet-v2-select-open")) closeDropdown();
    else openDropdown(select);
  });
}

function initDropdown() {
  bindSelect();
  for (const item of $$(".comet-v2-menu-item")) {
    item.addEventListener("click", (event) => {
      event.stopPropagation();
      chooseReason(item);
    });
  }
  document.addEventListener("click", closeDropdown);
}

// Uploads: each chosen file is POSTed at once; its thumbnail gets a background-image when done.
function syncNext() {
  $(".reverse--next--1Qa7wEe").disabled = state.pending > 0;
}

function uploadError(text) {
  const error = $(".upload--error--1Wd9tGa");
  error.textContent = text || "";
  error.hidden = !text;
}

function removeUpload(entry) {
  state.uploads = state.uploads.filter((other) => other !== entry);
  entry.box.remove();
}

// An upload's box, found again by its key (the form may have been re-rendered meanwhile).
function boxOf(key, fallback) {
  return document.querySelector(`[data-upload-key="${key}"]`) || fallback;
}

async function uploadOne(file) {
  const key = String(++uploadKeys);
  let box = document.createElement("div");
  box.dataset.uploadKey = key;
  box.className = `upload--imageContainer--3tTIByI ${UPLOADING}`;
  box.innerHTML = '<div class="upload--imageThumb--1diFoUj"></div><span class="upload--name--1Xc5mWb"></span>' +
    '<button type="button" class="upload--delete--2Lr7kQp">&times;</button>';
  $(".upload--delete--2Lr7kQp", box).setAttribute("aria-label", text("delete"));
  $(".upload--name--1Xc5mWb", box).textContent = file.name;
  $(".upload--list--3Bv7nJw").appendChild(box);
  state.pending += 1;
  syncNext();
  const body = new FormData();
  body.append("file", file, file.name);
  let data = {};
  try {
    const response = await fetch(init.uploadUrl, { method: "POST", body, credentials: "same-origin" });
    data = await response.json();
  } catch (error) {
    data = {};
  }
  state.pending -= 1;
  box = boxOf(key, box);
  if (data.success && box.isConnected) {
    const entry = { id: data.fileId, name: data.fileName, box, key };
    state.uploads.push(entry);
    box.classList.remove(UPLOADING);
    $(".upload--imageThumb--1diFoUj", box).style.backgroundImage = `url("${data.url}")`;
    $(".upload--delete--2Lr7kQp", box).addEventListener("click", () => removeUpload(entry));
  } else {
    box.remove();
    if (!data.success) uploadError(data.message || text("upload_failed"));
  }
  syncNext();
}

function initUploads() {
  const input = $(".upload--input--0Zx4cVb");
  input.addEventListener("change", () => {
    const files = Array.from(input.files);
    input.value = "";
    uploadError("");
    for (const file of files) uploadOne(file);
  });
}

// Steps: 1 the form, 2 the confirmation summary.
function toStep(step) {
  $(".reverse--form--3Tq9vKd").hidden = step !== 1;
  $(".confirm--page--2Kd6rTy").hidden = step !== 2;
  $$(".reverse--stepItem--1Vc6gHs").forEach((item, index) => {
    item.classList.toggle(STEP_ACTIVE, index === step - 1);
  });
  window.scrollTo(0, 0);
}

function summary(key, text) {
  $(`.confirm--value--2Xe8vBd[data-summary="${key}"]`).textContent = text;
}

function nextStep() {
  showError("solution", !state.solution);
  showError("reason", !state.reasonId);
  if (!state.solution || !state.reasonId || state.pending > 0) return;
  const count = state.uploads.length;
  summary("received", text(init.received === "yes" ? "received" : "not_received"));
  summary("solution", text(state.solution === "REFUND_ONLY" ? "refund_only" : "return_refund"));
  summary("reason", state.reasonLabel);
  summary("amount", `US $${$(".comet-v2-input-number-input").value.trim()}`);
  summary("description", $(".commet--textarea--Sg0xapL").value);
  summary("evidence", count ? text(count === 1 ? "files_one" : "files_many", { n: count }) : text("none"));
  toStep(2);
}

function resetWizard() {
  resetCards();
  chooseReason(null);
  $(".comet-v2-input-number-input").value = init.maxAmount;
  const textarea = $(".commet--textarea--Sg0xapL");
  textarea.value = "";
  textarea.dispatchEvent(new Event("input"));
  for (const entry of [...state.uploads]) removeUpload(entry);
  uploadError("");
  showError("solution", false);
  showError("reason", false);
  toStep(1);
}

// Submitting: Submit -> the confirmation modal -> Confirm -> fetch() -> the JSON answer.
function token() {
  // _m_h5_tk is "<token>_<expiry ms>": the token is everything before the last "_"
  const match = document.cookie.match(/(?:^|;\s*)_m_h5_tk=([^;]*)/);
  const value = match ? decodeURIComponent(match[1]) : "";
  return value.slice(0, Math.max(value.lastIndexOf("_"), 0));
}

function message(ret) {
  return ret.split("::").pop();
}

function showBusy(text) {
  const modal = $(".reverse--noticeModal--2Tb9qAs");
  if (init.busyStyle === "modal" && modal) {
    $(".reverse--noticeText--0Pz6cRd", modal).textContent = text;
    modal.hidden = false;
  } else {
    window.MockExpress.toast("warning", text);
  }
  if (init.resetsOnBusy) resetWizard();
}

function showSubmitted(data) {
  $(".reverse--steps--2Lp8wEa").hidden = true;
  $(".reverse--form--3Tq9vKd").hidden = true;
  $(".confirm--page--2Kd6rTy").hidden = true;
  const view = $(".reverse--detail--2Rm5kVx");
  // the answer's texts are English: the page says its state in its own language
  const [title, status] = (init.states || {})[data.state] || [data.title, data.statusText];
  $(".verticalSteps--title--1m4xoBw", view).textContent = title;
  $(".reminder--statusStr--3FMxRSU", view).textContent = status;
  $(".reverse--requestIdValue--1Tn4bWc", view).textContent = data.reverseOrderId;
  const link = $(".reverse--detailLink--3Ls9pXa", view);
  link.href = data.detailUrl;
  link.hidden = false;
  view.hidden = false;
}

function handle(answer) {
  const ret = answer && Array.isArray(answer.ret) ? answer.ret : [];
  const data = (answer && answer.data) || {};
  const first = ret[0] || "";
  const gateway = ret.find((part) => part.startsWith("RGV587_ERROR"));
  if (first.startsWith("SUCCESS") && data.reverseOrderId) {
    window.MockExpress.toast("success", text("success_toast"));
    showSubmitted(data);
  } else if (gateway && data.url) {
    window.location.assign(data.url);
  } else if (gateway) {
    showBusy(message(gateway));
  } else if (first.startsWith("FAIL_BIZ_SYSTEM_BUSY")) {
    showBusy(message(first));
  } else if (first.startsWith("FAIL_SYS_SESSION_EXPIRED")) {
    const login = document.body.dataset.loginUrl;
    window.location.assign(`${login}/?return_url=${encodeURIComponent(window.location.href)}`);
  } else if (first.startsWith("FAIL_BIZ_")) {
    window.MockExpress.toast("error", message(first));
  } else {
    window.MockExpress.toast("error", text("error_toast"));
  }
}

async function send() {
  if (state.sending) return;
  state.sending = true;
  const button = $('button[data-pl="buyersubmit_btn_submit"]');
  button.disabled = true;
  button.classList.add("comet-v2-btn-loading");
  const payload = {
    orderId: init.orderId,
    itemId: init.itemId,
    receiptStatus: init.received === "yes" ? "RECEIVED" : "NOT_RECEIVED",
    solutionType: state.solution,
    reasonId: state.reasonId,
    refundAmount: $(".comet-v2-input-number-input").value.trim(),
    currency: init.currency,
    description: $(".commet--textarea--Sg0xapL").value,
    evidence: state.uploads.map((entry) => entry.id),
  };
  const query = new URLSearchParams({
    jsv: "2.7.2", appKey: "24815441", t: String(Date.now()), sign: token(),
    api: "mtop.ae.reverse.submit", v: "1.0", type: "originaljson", dataType: "json",
  });
  let answer = null;
  if (init.validateFirst) {
    // fault validate_first: the same gateway URL checks the request first, then submits it
    const check = { ...payload, validate: true };
    try {
      await fetch(`${init.submitUrl}?${query}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ data: JSON.stringify(check) }),
        credentials: "same-origin",
      });
    } catch (error) {
      // a check that fails to answer does not stop the submission
    }
  }
  try {
    const response = await fetch(`${init.submitUrl}?${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ data: JSON.stringify(payload) }),
      credentials: "same-origin",
    });
    answer = await response.json();
  } catch (error) {
    answer = null;
  }
  state.sending = false;
  button.disabled = false;
  button.classList.remove("comet-v2-btn-loading");
  handle(answer);
  if (document.body.dataset.overlay === "always") window.MockExpress.showOverlaySoon();
}

function initSubmit() {
  const modal = $(".confirm--modal--1Ew4hUz");
  const [cancel, confirm] = $$(".comet-v2-modal-footer button", modal);
  $('button[data-pl="buyersubmit_btn_submit"]').addEventListener("click", () => { modal.hidden = false; });
  cancel.addEventListener("click", () => { modal.hidden = true; });
  confirm.addEventListener("click", () => {
    modal.hidden = true;
    send();
  });
  const notice = $(".reverse--noticeModal--2Tb9qAs");
  if (notice) {
    $(".comet-v2-modal-footer button", notice).addEventListener("click", () => { notice.hidden = true; });
  }
}

// The listeners of what is inside the form's container (bound again after a re-render).
function bindForm() {
  initCards();
  initUploads();
  const textarea = $(".commet--textarea--Sg0xapL");
  textarea.addEventListener("input", () => {
    $(".commet--countNum--3Rb8xWq").textContent = String(textarea.value.length);
  });
  $(".reverse--next--1Qa7wEe").addEventListener("click", nextStep);
}

// Chaos: the form's container re-rendered once, a while after it is first used, as a
// framework re-renders from its state: new nodes (focus lost), the values kept.
function rerenderLater(ms) {
  let armed = true;
  const arm = () => {
    if (!armed) return;
    armed = false;
    setTimeout(() => {
      const old = $(FORM);
      const fresh = old.cloneNode(true);
      const before = old.querySelectorAll("input:not([type=file]), textarea");
      fresh.querySelectorAll("input:not([type=file]), textarea").forEach((field, index) => {
        field.value = before[index].value;
      });
      old.replaceWith(fresh);
      bindSelect();
      bindForm();
      for (const entry of state.uploads) {
        entry.box = boxOf(entry.key, entry.box);
        $(".upload--delete--2Lr7kQp", entry.box).addEventListener("click", () => removeUpload(entry));
      }
    }, ms);
  };
  const form = $(FORM);
  for (const type of ["pointerdown", "keydown", "input", "change"]) form.addEventListener(type, arm, true);
}

function initWizard() {
  const source = $("#reverse-init-data");
  if (!source) return;
  init = JSON.parse(source.textContent);
  initDropdown();
  initSubmit();
  bindForm();
  $(".confirm--back--3Ye0vMs").addEventListener("click", () => toStep(1));
  const rerender = document.body.dataset.rerenderMs;
  if (rerender !== undefined) rerenderLater(Number(rerender));
}

document.addEventListener("DOMContentLoaded", initWizard);
