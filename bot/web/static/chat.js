// Minimal chat box for the demo page: sends the resident's message with the
// page metadata (CONTRACT.md) to /api/chat and shows the replies. The full
// widget replaces this (issue 6).
(function () {
  "use strict";
  var root = document.getElementById("chat");
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var key = "neuvo-sender";
  var sender = sessionStorage.getItem(key);
  if (!sender) {
    sender = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9_-]/g, "");
    sessionStorage.setItem(key, sender);
  }

  function add(who, text, buttons) {
    var item = document.createElement("li");
    item.className = who;
    var label = document.createElement("span");
    label.className = "who";
    label.textContent = who === "user" ? root.dataset.you : root.dataset.bot;
    item.appendChild(label);
    var body = document.createElement("span");
    body.textContent = text;  // never innerHTML: replies are text
    item.appendChild(body);
    if (buttons && buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { send(b.payload, b.title); });
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function send(message, shown) {
    add("user", shown || message);
    return fetch("/api/chat", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({
        sender: sender,
        message: message,
        metadata: {language: root.dataset.lang, municipality: root.dataset.municipality}
      })
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (replies) {
      replies.forEach(function (r) {
        if (r.text) { add("bot", r.text, r.buttons); }
      });
    }).catch(function () {
      add("bot", root.dataset.error);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });
})();
