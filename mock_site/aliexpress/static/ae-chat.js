// MockExpress customer service chat: talks to the JSON endpoints of mock_site/chat_routes.py.
// The same behaviour as the mock skin's static/chat.js, with this skin's markup (no test ids).
"use strict";

const AE_CHAT_POLL_MS = 500;

function aeChatToken() {
  // _m_h5_tk is "<token>_<expiry ms>": the token is everything before the last "_"
  const match = document.cookie.match(/(?:^|;\s*)_m_h5_tk=([^;]*)/);
  if (!match) return "";
  const value = decodeURIComponent(match[1]);
  return value.slice(0, value.lastIndexOf("_"));
}

class AeChat {
  constructor(root) {
    this.root = root;
    this.api = root.dataset.api;
    this.chatId = null;
    this.next = 0;
    this.timer = null;
    this.polling = false;
    this.part = (name) => root.querySelector(`.im-chat--${name}`);
    this.list = root.querySelector(".im-chat--list--8Po3iUy");
    this.input = root.querySelector(".im-chat--input--5Nb3vCx");
    this.file = root.querySelector(".im-chat--file--8Mn4bVc");
    this.sendButton = root.querySelector(".im-chat--send--4Hj6kLz");
    this.startButton = root.querySelector(".im-chat--start--9Lm4nVb");
    this.error = root.querySelector(".im-chat--error--9Df2sAp");
  }

  async call(path, options) {
    const init = { credentials: "same-origin", ...(options || {}) };
    if (init.method === "POST") {
      init.headers = { ...(init.headers || {}), [this.root.dataset.csrfHeader]: aeChatToken() };
    }
    let response = null;
    let data = {};
    try {
      response = await fetch(this.api + path, init);
      data = await response.json();
    } catch (error) {
      data = { status: "error", message: "Network error. Please try again." };
    }
    if (response && response.status === 401) {
      const login = document.body.dataset.loginUrl;
      window.location.assign(`${login}/?return_url=${encodeURIComponent(window.location.href)}`);
    }
    return { ok: Boolean(response && response.ok), data };
  }

  showError(message) {
    this.error.textContent = message || "";
    this.error.hidden = !message;
  }

  addMessage(message) {
    const item = document.createElement("li");
    item.className = `im-msg ${message.sender === "operator" ? "im-msg--agent" : "im-msg--me"}`;
    const name = document.createElement("span");
    name.className = "im-msg--name";
    name.textContent = message.name;
    const time = document.createElement("time");
    time.className = "im-msg--time";
    time.dateTime = message.at;
    time.textContent = message.at.slice(11, 16);
    item.append(name, time);
    if (message.text) {
      const bubble = document.createElement("div");
      bubble.className = "im-msg--bubble";
      bubble.textContent = message.text;
      item.append(bubble);
    }
    if (message.attachments.length) {
      const files = document.createElement("ul");
      files.className = "im-msg--files";
      for (const file of message.attachments) {
        const entry = document.createElement("li");
        entry.textContent = `${file.name} (${Math.ceil(file.size / 1024)} KB)`;
        files.append(entry);
      }
      item.append(files);
    }
    this.list.append(item);
    // fault chat_window: the page keeps only its last N messages, older ones leave the page
    const keep = this.root.dataset.window;
    if (keep !== undefined && keep !== "") {
      while (this.list.children.length > Number(keep)) this.list.firstElementChild.remove();
    }
    item.scrollIntoView({ block: "nearest" });
  }

  render(view) {
    if (view.chat_id !== this.chatId) {
      this.list.replaceChildren();
      this.chatId = view.chat_id;
      this.next = 0;
    }
    for (const message of view.messages) {
      if (message.n >= this.next) this.addMessage(message);
    }
    this.next = Math.max(this.next, view.next);
    const status = view.status;
    const active = status === "queued" || status === "open";
    this.root.dataset.status = status;
    const queue = this.root.querySelector(".im-chat--queue--4Df6gHj");
    queue.hidden = !view.queue;
    if (view.queue) {
      this.root.querySelector(".im-chat--queuePos--2Sa8dFk").textContent = String(view.queue.position);
      this.root.querySelector(".im-chat--queueTime--6Gh1jKl").textContent = String(Math.floor(view.queue.waited_s));
    }
    const offline = this.root.querySelector(".im-chat--offline--5Tr2eWq");
    offline.hidden = !view.offline;
    if (view.offline) offline.textContent = view.offline;
    this.startButton.hidden = active || Boolean(view.offline);
    this.startButton.textContent = status === "none" ? "Chat now" : "Start a new chat";
    this.root.querySelector(".im-chat--typing--0Zx9cVb").hidden = !view.operator_typing;
    this.root.querySelector(".im-chat--case--7Yt5rEw").hidden = !view.case_number;
    this.root.querySelector(".im-chat--caseId--3Ui8oPa").textContent = view.case_number || "";
    const closed = this.root.querySelector(".im-chat--closed--6Re4wQs");
    closed.hidden = !view.closed;
    closed.textContent = view.closed ? view.closed.text : "";
    const open = status === "open";
    this.input.disabled = !open;
    this.file.disabled = !open;
    this.sendButton.disabled = !open;
    clearTimeout(this.timer);
    if (active) this.timer = setTimeout(() => this.poll(), AE_CHAT_POLL_MS);
  }

  async poll() {
    if (this.polling) return;
    this.polling = true;
    const query = new URLSearchParams({ since: String(this.next) });
    if (this.chatId) query.set("chat", this.chatId);
    const { ok, data } = await this.call(`/state?${query}`);
    this.polling = false;
    if (ok) {
      this.render(data);
    } else {
      this.showError(data.message);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.poll(), AE_CHAT_POLL_MS);
    }
  }

  async start() {
    this.showError("");
    this.startButton.disabled = true;
    const { ok, data } = await this.call("/start", { method: "POST" });
    this.startButton.disabled = false;
    if (ok) this.render(data);
    else this.showError(data.message);
  }

  async send() {
    this.showError("");
    const text = this.input.value.trim();
    const files = Array.from(this.file.files);
    if (!text && !files.length) {
      this.showError("Please type a message.");
      return;
    }
    let answer;
    this.sendButton.disabled = true;
    if (files.length) {
      const body = new FormData();
      for (const file of files) body.append("images", file, file.name);
      if (text) body.append("text", text);
      answer = await this.call("/attach", { method: "POST", body });
    } else {
      answer = await this.call("/send", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text }),
      });
    }
    this.sendButton.disabled = false;
    if (answer.ok) {
      this.input.value = "";
      this.file.value = "";
    } else {
      this.showError(answer.data.message);
    }
    await this.poll();
  }

  init() {
    this.startButton.addEventListener("click", () => this.start());
    this.sendButton.addEventListener("click", () => this.send());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        this.send();
      }
    });
    this.poll();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector(".im-chat--wrap--7Hq2dLm");
  if (root) new AeChat(root).init();
});
