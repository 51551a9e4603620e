// MockExpress request page: the countdown, "View possible solutions", "I don't agree with above
// solution(s)", "Upload more photos/videos" (a modal with its own uploads and Submit), "Accept
// solution" and "Cancel request" behind confirmation modals; every answer by fetch() as JSON.
"use strict";

const CHECKED = "cco--checked--8Nb2vCx";
const UPLOADING = "upload--uploading--3Pw8dKs";

const $ = (selector, root) => (root || document).querySelector(selector);
const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

const state = { uploads: [], pending: 0, sending: false };
let init = null;

// The page's texts in its language (the server puts them in the init data).
function text(key) {
  return ((init && init.texts) || {})[key] || key;
}

// The time left to respond, ticking every second ("4 days 23:59:58").
function initCountdown() {
  const shown = $(".reminder--countdownTime--2Hn8wQd");
  if (!shown) return;
  const ends = Date.now() + Number(shown.dataset.leftMs || 0);
  const days = (init && init.days) || shown.textContent.split(" ")[1] || "days";
  const tick = () => {
    const left = Math.max(0, Math.floor((ends - Date.now()) / 1000));
    const pad = (n) => String(n).padStart(2, "0");
    const d = Math.floor(left / 86400);
    const h = Math.floor((left % 86400) / 3600);
    const m = Math.floor((left % 3600) / 60);
    shown.textContent = `${d} ${days} ${pad(h)}:${pad(m)}:${pad(left % 60)}`;
  };
  setInterval(tick, 1000);
}

function modal(name) {
  return $(`.comet-v2-modal-root.${name}`);
}

function token() {
  const match = document.cookie.match(/(?:^|;\s*)_m_h5_tk=([^;]*)/);
  const value = match ? decodeURIComponent(match[1]) : "";
  return value.slice(0, Math.max(value.lastIndexOf("_"), 0));
}

function lastPart(ret) {
  return ret.split("::").pop();
}

// Uploads inside the evidence modal: each file POSTed at once, a thumbnail when done.
function uploadError(text) {
  const error = $(".evidence--modal--3Ed4rFv .upload--error--1Wd9tGa");
  error.textContent = text || "";
  error.hidden = !text;
}

async function uploadOne(file) {
  const box = document.createElement("div");
  box.className = `upload--imageContainer--3tTIByI ${UPLOADING}`;
  box.innerHTML = '<div class="upload--imageThumb--1diFoUj"></div><span class="upload--name--1Xc5mWb"></span>' +
    '<button type="button" class="upload--delete--2Lr7kQp">&times;</button>';
  $(".upload--delete--2Lr7kQp", box).setAttribute("aria-label", text("delete"));
  $(".upload--name--1Xc5mWb", box).textContent = file.name;
  $(".evidence--modal--3Ed4rFv .upload--list--3Bv7nJw").appendChild(box);
  state.pending += 1;
  const body = new FormData();
  body.append("file", file, file.name);
  let data = {};
  try {
    const response = await fetch(init.uploadUrl, { method: "POST", body, credentials: "same-origin" });
    data = await response.json();
  } catch (failure) {
    data = {};
  }
  state.pending -= 1;
  if (data.success && box.isConnected) {
    const entry = { id: data.fileId, box };
    state.uploads.push(entry);
    box.classList.remove(UPLOADING);
    $(".upload--imageThumb--1diFoUj", box).style.backgroundImage = `url("${data.url}")`;
    $(".upload--delete--2Lr7kQp", box).addEventListener("click", () => {
      state.uploads = state.uploads.filter((other) => other !== entry);
      box.remove();
    });
  } else {
    box.remove();
    if (!data.success) uploadError(data.message || text("upload_failed"));
  }
}

function showBusy(text) {
  const notice = modal("reverse--noticeModal--2Tb9qAs");
  if (init.busyStyle === "modal" && notice) {
    $(".reverse--noticeText--0Pz6cRd", notice).textContent = text;
    notice.hidden = false;
  } else {
    window.MockExpress.toast("warning", text);
  }
}

function showAnswered(data) {
  // the answer's texts are English: the page says the new state in its own language
  const [title, status] = (init.states || {})[data.state] || [data.title, data.statusText];
  $(".verticalSteps--title--1m4xoBw").textContent = title;
  $(".reminder--statusStr--3FMxRSU").textContent = status;
  for (const selector of [".reverse--actions--6Yh2nMk", ".cco--panel--1Qw3eRt", ".reminder--countdown--7Kp2rXs",
    ".solution--proposal--5Rt3mKa"]) {
    const element = $(selector);
    if (element) element.hidden = true;
  }
}

// One of the buyer's actions: the JSON answer in the gateway's envelope.
async function act(action, extra) {
  const query = new URLSearchParams({
    jsv: "2.7.2", appKey: "24815441", t: String(Date.now()), sign: token(),
    api: "mtop.ae.reverse.respond", v: "1.0", type: "originaljson", dataType: "json",
  });
  const payload = { reverseOrderId: init.reverseOrderId, action, ...(extra || {}) };
  let answer = null;
  try {
    const response = await fetch(`${init.respondUrl}?${query}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ data: JSON.stringify(payload) }),
      credentials: "same-origin",
    });
    answer = await response.json();
  } catch (failure) {
    answer = null;
  }
  const ret = answer && Array.isArray(answer.ret) ? answer.ret : [];
  const data = (answer && answer.data) || {};
  const first = ret[0] || "";
  const gateway = ret.find((part) => part.startsWith("RGV587_ERROR"));
  if (first.startsWith("SUCCESS")) return { ok: true, data };
  if (gateway && data.url) window.location.assign(data.url);
  else if (gateway) showBusy(lastPart(gateway));
  else if (first.startsWith("FAIL_BIZ_SYSTEM_BUSY")) showBusy(lastPart(first));
  else if (first.startsWith("FAIL_SYS_SESSION_EXPIRED")) {
    const login = document.body.dataset.loginUrl;
    window.location.assign(`${login}/?return_url=${encodeURIComponent(window.location.href)}`);
  } else if (first.startsWith("FAIL_BIZ_")) window.MockExpress.toast("error", lastPart(first));
  else window.MockExpress.toast("error", text("error_toast"));
  return { ok: false, data };
}

function initSolutions() {
  const view = $(".reverse--viewSolutions--9Gh4jKl");
  if (!view) return;
  const panel = $(".cco--panel--1Qw3eRt");
  const check = $(".cco--check--5Tg6yHn");
  const more = $(".reverse--uploadMore--4Rf5tGb");
  view.addEventListener("click", () => { panel.hidden = !panel.hidden; });
  const toggle = () => {
    const on = !check.classList.contains(CHECKED);
    check.classList.toggle(CHECKED, on);
    check.setAttribute("aria-checked", String(on));
    more.hidden = !on;
  };
  check.addEventListener("click", toggle);
  check.addEventListener("keydown", (event) => {
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      toggle();
    }
  });
  const evidence = modal("evidence--modal--3Ed4rFv");
  more.addEventListener("click", () => { evidence.hidden = false; });
  const [cancel, submit] = $$(".comet-v2-modal-footer button", evidence);
  cancel.addEventListener("click", () => { evidence.hidden = true; });
  const input = $(".evidence--input--6Yt7uIk", evidence);
  input.addEventListener("change", () => {
    const files = Array.from(input.files);
    input.value = "";
    uploadError("");
    for (const file of files) uploadOne(file);
  });
  submit.addEventListener("click", async () => {
    if (state.sending || state.pending > 0) return;
    state.sending = true;
    submit.disabled = true;
    submit.classList.add("comet-v2-btn-loading");
    const description = $(".evidence--textarea--2LZFL8b", evidence).value;
    const result = await act("DISAGREE", { description, evidence: state.uploads.map((entry) => entry.id) });
    state.sending = false;
    submit.disabled = false;
    submit.classList.remove("comet-v2-btn-loading");
    if (result.ok) {
      evidence.hidden = true;
      window.MockExpress.toast("success", text("response_toast"));
      showAnswered(result.data);
    }
    if (document.body.dataset.overlay === "always") window.MockExpress.showOverlaySoon();
  });
  const notice = modal("reverse--noticeModal--2Tb9qAs");
  if (notice) {
    $(".comet-v2-modal-footer button", notice).addEventListener("click", () => { notice.hidden = true; });
  }
}

// Accept and Cancel: a confirmation modal first (accepting closes the case), then the answer.
function initConfirmed(buttonClass, modalClass, action) {
  const button = $(`.${buttonClass}`);
  if (!button) return;
  const box = modal(modalClass);
  const [back, confirm] = $$(".comet-v2-modal-footer button", box);
  button.addEventListener("click", () => { box.hidden = false; });
  back.addEventListener("click", () => { box.hidden = true; });
  confirm.addEventListener("click", async () => {
    box.hidden = true;
    const result = await act(action);
    if (result.ok) window.location.reload();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const source = $("#request-init-data");
  init = source ? JSON.parse(source.textContent) : null;
  initCountdown();
  if (!init) return;
  initSolutions();
  initConfirmed("reverse--accept--3Jk8lPq", "accept--modal--8Ik9oLp", "ACCEPT");
  initConfirmed("reverse--cancel--2Df5gHj", "cancelReq--modal--5Hy6uJm", "CANCEL");
});
