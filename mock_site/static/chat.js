// MockMart support chat: talks to the JSON endpoints of mock_site/chat_routes.py (no libraries).
"use strict";

const CHAT_POLL_MS = 500;

function chatPart(root, id) {
  return root.querySelector(`[data-testid="${id}"]`);
}

class SupportChat {
  constructor(root) {
    this.root = root;
    this.api = root.dataset.api;
    this.chatId = null;
    this.next = 0;
    this.timer = null;
    this.polling = false;
    this.list = chatPart(root, "chat-messages");
    this.form = chatPart(root, "chat-form");
    this.input = chatPart(root, "chat-input");
    this.attach = chatPart(root, "chat-attach");
    this.sendButton = chatPart(root, "chat-send");
    this.startButton = chatPart(root, "chat-start");
    this.error = chatPart(root, "chat-error");
  }

  async call(path, options) {
    const init = { credentials: "same-origin", ...(options || {}) };
    if (init.method === "POST") {
      init.headers = { ...(init.headers || {}), [this.root.dataset.csrfHeader]: this.root.dataset.csrf };
    }
    let response = null;
    let data = {};
    try {
      response = await fetch(this.api + path, init);
      data = await response.json();
    } catch (error) {
      data = { status: "error", message: "The connection to support failed. Please try again." };
    }
    if (response && response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
    }
    return { ok: Boolean(response && response.ok), data };
  }

  showError(message) {
    this.error.textContent = message || "";
    this.error.hidden = !message;
  }

  addMessage(message) {
    const item = document.createElement("li");
    item.className = `chat-message from-${message.sender}`;
    item.dataset.testid = "chat-message";
    item.dataset.sender = message.sender;
    item.dataset.n = String(message.n);
    const meta = document.createElement("div");
    meta.className = "chat-meta";
    const sender = document.createElement("strong");
    sender.dataset.testid = "chat-message-sender";
    sender.textContent = message.name;
    const time = document.createElement("time");
    time.dataset.testid = "chat-message-time";
    time.dateTime = message.at;
    time.textContent = message.at.slice(11, 19) + " UTC";
    meta.append(sender, " ", time);
    item.append(meta);
    if (message.text) {
      const text = document.createElement("p");
      text.dataset.testid = "chat-message-text";
      text.textContent = message.text;
      item.append(text);
    }
    if (message.attachments.length) {
      const files = document.createElement("ul");
      files.className = "chat-attachments";
      for (const file of message.attachments) {
        const entry = document.createElement("li");
        entry.dataset.testid = "chat-message-attachment";
        entry.textContent = `${file.name} (${file.type}, ${file.size} bytes)`;
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
    const queue = chatPart(this.root, "chat-queue");
    queue.hidden = !view.queue;
    if (view.queue) {
      chatPart(this.root, "chat-queue-position").textContent = String(view.queue.position);
      chatPart(this.root, "chat-queue-waited").textContent = String(Math.floor(view.queue.waited_s));
    }
    const offline = chatPart(this.root, "chat-offline");
    offline.hidden = !view.offline;
    if (view.offline) offline.textContent = view.offline;
    this.startButton.hidden = active || Boolean(view.offline);
    this.startButton.textContent = status === "none" ? "Start chat" : "Start a new chat";
    chatPart(this.root, "chat-typing").hidden = !view.operator_typing;
    chatPart(this.root, "chat-case").hidden = !view.case_number;
    chatPart(this.root, "chat-case-number").textContent = view.case_number || "";
    const closed = chatPart(this.root, "chat-closed");
    closed.hidden = !view.closed;
    closed.textContent = view.closed ? view.closed.text : "";
    closed.dataset.reason = view.closed ? view.closed.reason : "";
    const open = status === "open";
    this.input.disabled = !open;
    this.attach.disabled = !open;
    this.sendButton.disabled = !open;
    clearTimeout(this.timer);
    if (active) this.timer = setTimeout(() => this.poll(), CHAT_POLL_MS);
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
      this.timer = setTimeout(() => this.poll(), CHAT_POLL_MS);
    }
  }

  async start() {
    this.showError("");
    this.startButton.disabled = true;
    const { ok, data } = await this.call("/start", { method: "POST" });
    this.startButton.disabled = false;
    if (ok) {
      this.render(data);
    } else {
      this.showError(data.message);
    }
  }

  async send(event) {
    event.preventDefault();
    this.showError("");
    const text = this.input.value.trim();
    const files = Array.from(this.attach.files);
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
      this.attach.value = "";
    } else {
      this.showError(answer.data.message);
    }
    await this.poll();
  }

  init() {
    this.startButton.addEventListener("click", () => this.start());
    this.form.addEventListener("submit", (event) => this.send(event));
    this.poll();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector('[data-testid="support-chat"]');
  if (root) new SupportChat(root).init();
});
