/*
 * Neuvo chat widget. One tag embeds it on any page, no framework needed:
 *
 *   <script src="https://neuvo.example.fi/static/widget.js" defer
 *           data-lang="sv" data-municipality="710"></script>
 *
 * data-lang          the page language, fi or sv (default: <html lang>, else fi)
 * data-municipality  the municipality's code or name, sent as page metadata
 * data-server        where the Neuvo web app is (default: where this script came from)
 *
 * It talks to Rasa's socket.io channel through the web app (bot/web/socketio_proxy.py),
 * sends the page metadata of shared/domain/CONTRACT.md with every message, and keeps the
 * conversation in sessionStorage so that it survives a page reload; closing the tab ends it.
 * Texts come from the web app (GET /api/widget/config), in Finnish and Swedish: the page's
 * language first, then the conversation's (each bot message carries its language).
 * Accessibility: messages go to a role="log" live region, each with its own lang; every
 * control is a native button, input or link; Escape closes the chat; see widget.css.
 * Host pages may open it from any element with a data-neuvo-open attribute.
 */
(function () {
  "use strict";
  if (window.NeuvoWidget) { return; }  // the tag was included twice

  const script = document.currentScript;
  const LANGUAGES = ["fi", "sv"];
  const server = (script.dataset.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const pageLanguage = languageOf(script.dataset.lang) || languageOf(document.documentElement.lang) || "fi";
  const municipality = (script.dataset.municipality || "").slice(0, 40);
  const STORAGE_KEY = "neuvo-widget:" + server;
  const MAX_STORED_MESSAGES = 200;
  const MAX_MESSAGE_CHARS = 2000;
  // A turn (the action server included) ends well within this; the typing indicator goes then.
  const TURN_TIMEOUT_MS = 45000;
  const DETAILS_TIMEOUT_MS = 4000;
  const GREETING = "/greet";

  let texts = null;          // {fi: {...}, sv: {...}} from the server
  let state = restore();
  let socket = null;
  let sessionConfirmed = false;
  let everConnected = false;
  let connectionLost = false;  // dropped, not closed by us: say so when it is back
  const outbox = [];         // messages waiting for a confirmed session
  let incoming = Promise.resolve();  // bot messages are handled one at a time, in order
  const pendingTurns = new Set();  // messages sent whose turn Rasa has not acknowledged
  let turnCount = 0;
  const bindings = [];       // [element, text key, attribute or null]: redone on a language change
  const ui = {};

  function languageOf(value) {
    const code = String(value || "").slice(0, 2).toLowerCase();
    return LANGUAGES.indexOf(code) >= 0 ? code : null;
  }

  // --- state, kept in sessionStorage -----------------------------------------------

  function newSessionId() {
    // 128 random bits: the id is the proof of ownership for "delete my conversation".
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function freshState() {
    return {session: newSessionId(), accepted: false, open: false, language: null, messages: [], nextId: 1};
  }

  function restore() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && /^[0-9a-f]{32}$/.test(saved.session) && Array.isArray(saved.messages)) {
        saved.nextId = saved.nextId || saved.messages.length + 1;
        return saved;
      }
    } catch (error) { /* storage disabled or garbled: start afresh */ }
    return freshState();
  }

  function save() {
    state.messages = state.messages.slice(-MAX_STORED_MESSAGES);
    try { sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (error) { /* private mode */ }
  }

  function uiLanguage() { return state.language || pageLanguage; }
  function t(key, language) { return texts[language || uiLanguage()][key]; }

  // --- building the DOM ------------------------------------------------------------

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.keys(attributes || {}).forEach((name) => {
      const value = attributes[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { node.textContent = value; } else { node.setAttribute(name, value === true ? "" : value); }
    });
    (children || []).forEach((child) => { if (child) { node.appendChild(child); } });
    return node;
  }

  function bound(node, key, attribute) {
    bindings.push([node, key, attribute || null]);
    return node;
  }

  function applyTexts() {
    bindings.forEach(([node, key, attribute]) => {
      if (attribute) { node.setAttribute(attribute, t(key)); } else { node.textContent = t(key); }
    });
    ui.root.lang = uiLanguage();
  }

  function build() {
    ui.launcher = bound(el("button", {type: "button", class: "neuvo-launcher", "aria-expanded": "false", "aria-controls": "neuvo-panel"}), "widget_open");
    ui.title = bound(el("h2", {id: "neuvo-title", class: "neuvo-title"}), "widget_title");
    ui.close = el("button", {type: "button", class: "neuvo-icon-button neuvo-close"}, [
      el("span", {"aria-hidden": "true", text: "×"}),
      bound(el("span", {class: "neuvo-sr"}), "widget_close"),
    ]);
    ui.deleteButton = bound(el("button", {type: "button", class: "neuvo-link-button neuvo-delete"}), "widget_delete");
    const header = el("div", {class: "neuvo-header"}, [
      el("div", {class: "neuvo-header__text"}, [ui.title, bound(el("p", {class: "neuvo-subtitle"}), "widget_subtitle")]),
      ui.close,
    ]);
    ui.toolbar = el("div", {class: "neuvo-toolbar"}, [ui.deleteButton]);

    ui.confirmYes = bound(el("button", {type: "button", class: "neuvo-button neuvo-button--danger"}), "widget_delete_confirm");
    ui.confirmNo = bound(el("button", {type: "button", class: "neuvo-button neuvo-button--secondary"}), "widget_delete_cancel");
    ui.confirm = el("div", {class: "neuvo-confirm", role: "group", "aria-labelledby": "neuvo-confirm-question", hidden: true}, [
      bound(el("p", {id: "neuvo-confirm-question", tabindex: "-1"}), "widget_delete_question"),
      el("div", {class: "neuvo-button-row"}, [ui.confirmYes, ui.confirmNo]),
    ]);

    ui.accept = bound(el("button", {type: "button", class: "neuvo-button"}), "widget_privacy_accept");
    ui.privacy = el("section", {class: "neuvo-privacy", "aria-labelledby": "neuvo-privacy-title", tabindex: "-1"}, [
      bound(el("h3", {id: "neuvo-privacy-title"}), "widget_privacy_title"),
      bound(el("p", {class: "neuvo-privacy__important"}), "widget_privacy_hetu"),
      bound(el("p"), "widget_privacy_stored"),
      bound(el("p"), "widget_privacy_callback"),
      bound(el("p"), "widget_privacy_delete"),
      ui.accept,
    ]);

    // The log region scrolls (so it takes focus, for the keyboard); the list inside keeps
    // list semantics, which an element with role="log" itself would lose.
    ui.list = el("ol", {class: "neuvo-messages"});
    ui.log = bound(el("div", {class: "neuvo-log", role: "log", "aria-live": "polite", "aria-relevant": "additions", tabindex: "0"}, [ui.list]), "widget_log", "aria-label");
    ui.typing = el("p", {class: "neuvo-typing", hidden: true}, [
      el("span", {class: "neuvo-dots", "aria-hidden": "true"}, [el("span"), el("span"), el("span")]),
      bound(el("span"), "widget_typing"),
    ]);
    ui.status = el("p", {class: "neuvo-status", role: "status"});

    ui.input = el("input", {id: "neuvo-input", class: "neuvo-input", type: "text", maxlength: String(MAX_MESSAGE_CHARS), autocomplete: "off", "aria-describedby": "neuvo-hint"});
    ui.send = bound(el("button", {type: "submit", class: "neuvo-button neuvo-send"}), "widget_send");
    ui.form = el("form", {class: "neuvo-form", hidden: true}, [
      bound(el("label", {for: "neuvo-input", class: "neuvo-label"}), "widget_input_label"),
      el("div", {class: "neuvo-form__row"}, [ui.input, ui.send]),
      bound(el("p", {id: "neuvo-hint", class: "neuvo-hint"}), "widget_input_hint"),
    ]);

    ui.panel = el("div", {id: "neuvo-panel", class: "neuvo-panel", hidden: true}, [
      header, ui.toolbar, ui.confirm, ui.privacy, ui.log, ui.typing, ui.status, ui.form,
    ]);
    ui.root = bound(el("aside", {class: "neuvo"}, [ui.launcher, ui.panel]), "widget_region", "aria-label");

    state.messages.forEach((message) => ui.list.appendChild(renderMessage(message)));
    applyTexts();
    showAcceptedState();
    wire();
    document.body.appendChild(ui.root);
  }

  function showAcceptedState() {
    ui.privacy.hidden = state.accepted;
    ui.toolbar.hidden = !state.accepted;
    ui.log.hidden = !state.accepted;
    ui.form.hidden = !state.accepted;
  }

  // --- messages --------------------------------------------------------------------

  function addMessage(message) {
    message.id = state.nextId++;
    state.messages.push(message);
    save();
    ui.list.appendChild(renderMessage(message));
    scrollToEnd();
    return message;
  }

  function renderMessage(message) {
    const fromBot = message.who === "bot";
    const item = el("li", {class: "neuvo-msg neuvo-msg--" + message.who + (message.urgent ? " neuvo-msg--urgent" : ""), "data-id": String(message.id), lang: message.lang || uiLanguage()});
    // Who said it, for screen readers: the log is read as a list of messages.
    item.appendChild(el("span", {class: "neuvo-sr", lang: message.labelLang || uiLanguage(), text: (fromBot ? t("widget_bot", message.labelLang) : t("widget_you", message.labelLang)) + ": "}));
    if (message.kind === "cards") {
      item.classList.add("neuvo-msg--cards");
      item.appendChild(renderCards(message));
    } else {
      item.appendChild(el("p", {class: "neuvo-text"}, linkified(message.text)));
    }
    if (message.buttons && message.buttons.length) { item.appendChild(renderButtons(message.buttons)); }
    return item;
  }

  function linkified(text) {
    // Bot texts are plain text; web addresses in them become links, nothing else is markup.
    const parts = String(text).split(/(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)])/);
    return parts.map((part, index) => (index % 2 ? el("a", {href: part, text: part}) : document.createTextNode(part)));
  }

  function renderButtons(buttons) {
    return el("div", {class: "neuvo-choices"}, buttons.map((button) => {
      const node = el("button", {type: "button", class: "neuvo-choice", text: button.title});
      node.addEventListener("click", () => {
        sendMessage(button.payload, button.title);
        ui.input.focus();  // the clicked button goes away with the turn; the input is next
      });
      return node;
    }));
  }

  function dropOldChoices() {
    // Choices belong to their turn: once the resident answers, earlier ones go.
    state.messages.forEach((message) => { delete message.buttons; });
    ui.log.querySelectorAll(".neuvo-choices").forEach((node) => node.remove());
  }

  function scrollToEnd() { ui.log.scrollTop = ui.log.scrollHeight; }

  // --- service cards ---------------------------------------------------------------

  function renderCards(message) {
    const payload = message.payload;
    const language = payload.language;
    const emergency = payload.type === "routing" && payload.outcome === "emergency";
    const heading = emergency ? "widget_emergency" : payload.type === "search_results" ? "widget_search_results" : "widget_services";
    const details = message.details || {};
    return el("div", {class: "neuvo-cards" + (emergency ? " neuvo-cards--emergency" : "")}, [
      el("p", {class: "neuvo-cards__title", text: t(heading, language)}),
      el("ul", {class: "neuvo-cards__list"}, payload.services.map((service) => renderCard(service, details[service.id], language))),
    ]);
  }

  function renderCard(service, details, language) {
    const rows = [];
    const provider = texts[language]["widget_provider_" + service.provider_type];
    if (provider) { rows.push(el("p", {class: "neuvo-card__provider", text: provider})); }
    if (service.demo) { rows.push(el("p", {class: "neuvo-card__demo", text: t("widget_demo", language)})); }
    if (service.phone) {
      rows.push(el("p", {}, [
        document.createTextNode(t("widget_phone", language) + ": "),
        el("a", {href: "tel:" + String(service.phone).replace(/[^0-9+]/g, ""), class: "neuvo-card__phone", text: service.phone}),
      ]));
    }
    if (details && details.always_open) {
      rows.push(el("p", {text: t("widget_always_open", language)}));
    }
    ((details && details.hours) || []).forEach((hours) => {
      const label = t(hours.channel === "phone" ? "widget_hours_phone" : "widget_hours_location", language);
      rows.push(el("p", {text: label + ": " + hours.lines.join("; ")}));
    });
    const links = details && details.links && details.links.length ? details.links : service.url ? [{type: "webpage", url: service.url}] : [];
    links.forEach((link) => {
      if (!/^https?:\/\//.test(link.url)) { return; }
      const label = t(link.type === "eservice" ? "widget_link_eservice" : "widget_link_webpage", language);
      rows.push(el("p", {}, [el("a", {href: link.url, text: label}), el("span", {class: "neuvo-sr", text: " " + service.name})]));
    });
    return el("li", {class: "neuvo-card", "data-service-id": service.id}, [el("h3", {class: "neuvo-card__name", text: service.name})].concat(rows));
  }

  function fetchDetails(payload) {
    const ids = payload.services.map((service) => service.id).filter(Boolean).slice(0, 10);
    if (!ids.length) { return Promise.resolve({}); }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), DETAILS_TIMEOUT_MS);
    const url = server + "/api/widget/services?lang=" + payload.language + "&ids=" + ids.map(encodeURIComponent).join(",");
    return fetch(url, {signal: controller.signal})
      .then((response) => (response.ok ? response.json() : {services: []}))
      .then((body) => {
        const byId = {};
        (body.services || []).forEach((details) => { byId[details.id] = details; });
        return byId;
      })
      .catch(() => ({}))  // the card still shows name, provider, phone and link
      .finally(() => clearTimeout(timer));
  }

  // --- talking to Rasa ----------------------------------------------------------------

  function onBotMessage(data) {
    incoming = incoming.then(() => handleBotMessage(data)).catch((error) => {
      if (window.console) { console.error("Neuvo widget: a message could not be shown", error); }
    });
  }

  function handleBotMessage(data) {
    if (!data || typeof data !== "object") { return undefined; }
    const language = languageOf(data.metadata && data.metadata.language) ||
      languageOf(data.custom && data.custom.language);
    if (language) { followConversationLanguage(language); }
    const lang = language || uiLanguage();
    const custom = data.custom;
    if (custom && Array.isArray(custom.services) && (custom.type === "routing" || custom.type === "search_results")) {
      const payload = Object.assign({}, custom, {language: languageOf(custom.language) || lang});
      if (!payload.services.length) { return undefined; }
      return fetchDetails(payload).then((details) => {
        addMessage({who: "bot", kind: "cards", payload: payload, details: details, lang: payload.language, labelLang: uiLanguage()});
        if (payload.outcome === "emergency") { markTurnUrgent(); }
      });
    }
    if (typeof data.text === "string" && data.text.trim()) {
      const choices = (data.quick_replies || data.buttons || [])
        .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
        .map((b) => ({title: b.title, payload: b.payload}));
      addMessage({who: "bot", kind: "text", text: data.text, buttons: choices, lang: lang, labelLang: uiLanguage()});
    }
    return undefined;
  }

  function markTurnUrgent() {
    // An emergency answer stands out: the texts of this turn, not only the card.
    for (let i = state.messages.length - 1; i >= 0 && state.messages[i].who === "bot"; i--) {
      state.messages[i].urgent = true;
      const node = ui.log.querySelector('[data-id="' + state.messages[i].id + '"]');
      if (node) { node.classList.add("neuvo-msg--urgent"); }
    }
    save();
  }

  function followConversationLanguage(language) {
    // The resident's own messages of this turn are in the language the assistant answered in.
    state.messages.forEach((message) => {
      if (message.who === "user" && message.provisionalLang) {
        message.lang = language;
        delete message.provisionalLang;
        const node = ui.log.querySelector('[data-id="' + message.id + '"]');
        if (node) { node.lang = language; }
      }
    });
    if (state.language !== language) {
      state.language = language;
      applyTexts();
    }
    save();
  }

  function sendMessage(message, shown) {
    const text = String(message).slice(0, MAX_MESSAGE_CHARS);
    if (!text.trim()) { return; }
    dropOldChoices();
    if (shown !== null) {
      addMessage({who: "user", kind: "text", text: shown || text, lang: uiLanguage(), provisionalLang: true, labelLang: uiLanguage()});
    }
    outbox.push(text);
    flushOutbox();
  }

  function flushOutbox() {
    if (!socket || !sessionConfirmed) { return; }
    while (outbox.length) {
      const text = outbox.shift();
      const turn = ++turnCount;
      pendingTurns.add(turn);
      ui.typing.hidden = false;
      // Rasa answers the event only once the whole turn is done: the acknowledgement
      // tells that no more replies are coming.
      socket.timeout(TURN_TIMEOUT_MS).emit("user_uttered", {
        session_id: state.session,
        message: text,
        metadata: {language: pageLanguage, municipality: municipality},
      }, () => turnDone(turn));
    }
  }

  function turnDone(turn) {
    pendingTurns.delete(turn);
    // Replies still being shown (service details are fetched first) count as typing too.
    incoming.then(() => {
      ui.typing.hidden = pendingTurns.size === 0;
      if (ui.typing.hidden) { scrollToEnd(); }
    });
  }

  function stopTyping() {
    pendingTurns.clear();
    ui.typing.hidden = true;
  }

  function setStatus(key, clearAfterMs) {
    ui.status.textContent = key ? t(key) : "";
    ui.status.classList.toggle("neuvo-status--shown", Boolean(key));
    clearTimeout(setStatus.timer);
    if (key && clearAfterMs) { setStatus.timer = setTimeout(() => setStatus(null), clearAfterMs); }
  }

  function connect() {
    if (socket) { return; }
    loadSocketClient().then((io) => {
      socket = io(server, {path: "/socket.io/", transports: ["polling", "websocket"], reconnectionDelayMax: 10000});
      socket.on("connect", () => {
        sessionConfirmed = false;
        socket.emit("session_request", {session_id: state.session});
      });
      socket.on("session_confirm", () => {
        sessionConfirmed = true;
        if (connectionLost) { setStatus("widget_reconnected", 5000); } else if (!everConnected) { setStatus(null); }
        everConnected = true;
        connectionLost = false;
        if (!state.messages.length && !outbox.length) { sendMessage(GREETING, null); }
        flushOutbox();
      });
      socket.on("bot_uttered", onBotMessage);
      socket.on("disconnect", (reason) => {
        sessionConfirmed = false;
        stopTyping();  // replies of a turn cut off here will not come
        if (reason !== "io client disconnect") { connectionLost = true; setStatus("widget_reconnecting"); }
      });
      socket.on("connect_error", () => {
        if (everConnected) { connectionLost = true; setStatus("widget_reconnecting"); } else { setStatus("widget_connecting"); }
      });
    }).catch(() => setStatus("widget_unavailable"));
  }

  function loadSocketClient() {
    return new Promise((resolve, reject) => {
      const previous = window.io;  // the host page's own socket.io, if any, stays its own
      const tag = el("script", {src: server + "/static/vendor/socket.io.min.js"});
      tag.onload = () => {
        const io = window.io;
        if (previous) { window.io = previous; }
        if (typeof io === "function") { resolve(io); } else { reject(new Error("no socket.io client")); }
      };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  // --- deleting the conversation ------------------------------------------------------

  function askDelete() {
    ui.confirm.hidden = false;
    ui.confirm.querySelector("p").focus();
  }

  function cancelDelete() {
    ui.confirm.hidden = true;
    ui.deleteButton.focus();
  }

  function deleteConversation() {
    ui.confirmYes.disabled = true;
    fetch(server + "/api/conversations/" + state.session, {method: "DELETE"})
      .then((response) => {
        if (!response.ok) { throw new Error(String(response.status)); }
        const accepted = state.accepted;
        state = freshState();
        state.accepted = accepted;
        state.open = true;
        save();
        outbox.length = 0;
        stopTyping();
        ui.list.textContent = "";
        applyTexts();
        ui.confirm.hidden = true;
        setStatus("widget_deleted", 10000);
        ui.input.focus();
        // A new session id, so a new room on the server: nothing of the old one comes back.
        if (socket) { socket.disconnect(); socket.connect(); }
      })
      .catch(() => setStatus("widget_delete_failed"))
      .finally(() => { ui.confirmYes.disabled = false; });
  }

  // --- opening, closing, keyboard -----------------------------------------------------

  function open() {
    ui.panel.classList.add("neuvo-panel--appear");
    ui.panel.hidden = false;
    ui.launcher.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    if (state.accepted) {
      connect();
      ui.input.focus();
      scrollToEnd();
    } else {
      ui.privacy.focus();
    }
  }

  function close() {
    ui.panel.hidden = true;
    ui.launcher.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    ui.launcher.focus();
  }

  function accept() {
    state.accepted = true;
    save();
    showAcceptedState();
    ui.input.focus();
    connect();
  }

  function wire() {
    ui.launcher.addEventListener("click", open);
    ui.close.addEventListener("click", close);
    ui.accept.addEventListener("click", accept);
    ui.deleteButton.addEventListener("click", askDelete);
    ui.confirmNo.addEventListener("click", cancelDelete);
    ui.confirmYes.addEventListener("click", deleteConversation);
    ui.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        if (!ui.confirm.hidden) { cancelDelete(); } else { close(); }
      }
    });
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = ui.input.value.trim();
      if (!text) { ui.input.focus(); return; }
      ui.input.value = "";
      sendMessage(text);
    });
    document.addEventListener("click", (event) => {
      const opener = event.target.closest && event.target.closest("[data-neuvo-open]");
      if (opener) { event.preventDefault(); open(); }
    });
  }

  // --- start ------------------------------------------------------------------------

  function start() {
    fetch(server + "/api/widget/config")
      .then((response) => { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then((config) => {
        texts = config.texts;
        const stylesheet = el("link", {rel: "stylesheet", href: server + "/static/widget.css"});
        stylesheet.onload = () => {
          build();
          if (state.open) {
            ui.panel.hidden = false;
            ui.launcher.hidden = true;
            ui.launcher.setAttribute("aria-expanded", "true");
            if (state.accepted) { connect(); scrollToEnd(); }
          }
        };
        document.head.appendChild(stylesheet);
      })
      .catch(() => setTimeout(start, 15000));  // the web app is down: try again later, quietly
  }

  window.NeuvoWidget = {open: () => ui.panel && open(), close: () => ui.panel && close()};
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
