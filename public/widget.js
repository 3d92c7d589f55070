/* Ponte website chat widget.
 * Embed: <script src="https://PONTE/widget.js" data-ponte-channel="TOKEN" async></script>
 * Plain JavaScript on purpose: it runs on other people's pages, so it must be
 * small, load without blocking, and keep its styles to itself (shadow DOM). */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-ponte-channel]");
  if (!script || window.__ponteWidget) return;
  window.__ponteWidget = true;
  var channel = script.getAttribute("data-ponte-channel");
  var base = new URL(script.src, location.href).origin;
  var storeKey = "ponte:" + channel;
  var pt = (navigator.language || "pt").toLowerCase().indexOf("en") !== 0;
  var T = pt
    ? { title: "Fale conosco", placeholder: "Escreva sua mensagem…", send: "Enviar", typing: " está digitando…", name: "Seu nome", email: "Seu e-mail", start: "Começar", attach: "Anexar arquivo", close: "Fechar", offline: "Sem conexão — reconectando… Suas mensagens serão enviadas assim que voltar.", failed: "Não enviada. Toque para tentar de novo.", open: "Abrir chat", unavailable: "Chat indisponível no momento.", queued: "Na fila", sent: "Enviada", read: "Lida", tooLarge: function (mb) { return "Arquivo grande demais: o limite é " + mb + " MB."; }, uploadFailed: "Não foi possível enviar o arquivo. Tente de novo." }
    : { title: "Chat with us", placeholder: "Type your message…", send: "Send", typing: " is typing…", name: "Your name", email: "Your e-mail", start: "Start", attach: "Attach a file", close: "Close", offline: "Offline — reconnecting… Your messages will be sent as soon as you are back.", failed: "Not sent. Tap to retry.", open: "Open chat", unavailable: "Chat unavailable right now.", queued: "Queued", sent: "Sent", read: "Read", tooLarge: function (mb) { return "This file is too large: the limit is " + mb + " MB."; }, uploadFailed: "The file could not be sent. Please try again." };

  var state = { config: null, visitor: null, messages: [], open: false, ws: null, attempts: 0, unread: 0, profile: null, typingTimer: 0, lastTyping: 0, draft: "", outbox: [], flushing: false };
  var saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(storeKey) || "{}");
    state.visitor = saved.visitor || null;
    state.profile = saved.profile || null;
    state.draft = saved.draft || "";
  } catch (e) { /* storage blocked: the chat still works for this page view */ }

  // The visitor, their pre-chat answers, what they were typing and whether
  // the chat was open all survive a reload.
  function remember() {
    try { localStorage.setItem(storeKey, JSON.stringify({ visitor: state.visitor, profile: state.profile, draft: state.draft, open: state.open })); } catch (e) { /* ignore */ }
  }

  function api(method, path, body, headers) {
    var init = { method: method, headers: headers || {}, mode: "cors", credentials: "omit" };
    if (body instanceof FormData) init.body = body;
    else if (body) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(base + "/widget/" + encodeURIComponent(channel) + path, init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var err = new Error(data.message || ("HTTP " + r.status));
          err.status = r.status;
          err.code = data.fields && data.fields[0] && data.fields[0].code;
          throw err;
        }
        return data;
      });
    });
  }

  // ---- DOM -------------------------------------------------------------
  var host = document.createElement("div");
  host.id = "ponte-widget";
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  root.innerHTML =
    "<style>" +
    ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);z-index:2147483000;display:grid;place-items:center}" +
    ".launcher svg{width:26px;height:26px}.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center;padding:0 5px}" +
    ".panel{position:fixed;right:20px;bottom:88px;width:370px;max-width:calc(100vw - 24px);height:560px;max-height:calc(100vh - 110px);background:#fff;border-radius:16px;box-shadow:0 12px 40px rgba(0,0,0,.25);display:none;flex-direction:column;overflow:hidden;z-index:2147483000;color:#0f172a}" +
    ".panel.open{display:flex}@media(max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0}}" +
    ".head{color:#fff;padding:14px 16px;display:flex;align-items:center;gap:8px}.head b{flex:1;font-size:15px}.head button{background:none;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1}" +
    ".log{flex:1;overflow-y:auto;padding:12px;background:#f8fafc;display:flex;flex-direction:column;gap:6px}" +
    ".msg{max-width:80%;padding:8px 11px;border-radius:14px;font-size:14px;line-height:1.4;white-space:pre-wrap;word-wrap:break-word}" +
    ".in{align-self:flex-end;color:#fff;border-bottom-right-radius:4px}.out{align-self:flex-start;background:#fff;border:1px solid #e2e8f0;border-bottom-left-radius:4px}" +
    ".who{font-size:11px;color:#64748b;margin-bottom:2px}.meta{font-size:10px;opacity:.7;text-align:right;margin-top:2px}.failed{cursor:pointer;outline:2px solid #dc2626}" +
    ".msg img{max-width:100%;border-radius:8px;display:block}.msg a{color:inherit}" +
    ".greet{align-self:flex-start;background:#fff;border:1px solid #e2e8f0;border-radius:14px;padding:8px 11px;font-size:14px}" +
    ".typing{font-size:12px;color:#64748b;font-style:italic;min-height:18px;padding:0 14px}" +
    ".bar{display:flex;gap:6px;padding:8px;border-top:1px solid #e2e8f0;align-items:flex-end}" +
    ".bar textarea{flex:1;resize:none;border:1px solid #cbd5e1;border-radius:10px;padding:8px;font-size:14px;max-height:120px;color:#0f172a;background:#fff}" +
    ".bar button{border:0;border-radius:10px;padding:9px 12px;color:#fff;cursor:pointer;font-size:14px}.bar .clip{background:#f1f5f9;color:#334155}" +
    ".pre{padding:16px;display:flex;flex-direction:column;gap:8px}.pre input{border:1px solid #cbd5e1;border-radius:8px;padding:9px;font-size:14px}.pre button{border:0;border-radius:8px;padding:10px;color:#fff;cursor:pointer}" +
    ".note{font-size:12px;text-align:center;color:#b45309;background:#fffbeb;padding:4px}.hidden{display:none}" +
    ".choices{align-self:flex-start;display:flex;flex-wrap:wrap;gap:6px;max-width:90%}.choices button{background:#fff;border:1px solid;border-radius:16px;padding:6px 12px;font-size:13px;cursor:pointer}" +
    ".sys{align-self:center;font-size:12px;color:#b91c1c;background:#fef2f2;border-radius:8px;padding:6px 10px;text-align:center}.meta .tick{margin-left:4px}.meta .read{color:#2563eb}" +
    "</style>" +
    "<button class='launcher' part='launcher' aria-label='" + T.open + "'><svg viewBox='0 0 24 24' fill='none' stroke='currentColor' stroke-width='2'><path d='M21 12a9 9 0 0 1-13.3 7.9L3 21l1.1-4.7A9 9 0 1 1 21 12'/></svg><span class='badge hidden'></span></button>" +
    "<div class='panel' role='dialog' aria-label='" + T.title + "'>" +
    "<div class='head'><b class='title'></b><button class='close' aria-label='" + T.close + "'>×</button></div>" +
    "<div class='note hidden'>" + T.offline + "</div>" +
    "<div class='log' role='log' aria-live='polite'></div>" +
    "<div class='typing'></div>" +
    "<form class='pre hidden'><input name='name' required placeholder='" + T.name + "' autocomplete='name'><input name='email' type='email' placeholder='" + T.email + "' autocomplete='email'><button type='submit'>" + T.start + "</button></form>" +
    "<form class='bar'><button type='button' class='clip' aria-label='" + T.attach + "'><svg viewBox='0 0 24 24' width='18' height='18' fill='none' stroke='currentColor' stroke-width='2'><path d='M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7'/></svg></button><input type='file' class='hidden'>" +
    "<textarea rows='1' placeholder='" + T.placeholder + "' aria-label='" + T.placeholder + "'></textarea><button type='submit' class='sendbtn'>" + T.send + "</button></form>" +
    "</div>";
  var $ = function (sel) { return root.querySelector(sel); };
  var launcher = $(".launcher"), panel = $(".panel"), log = $(".log"), input = $("textarea"), bar = $(".bar"), pre = $(".pre"), fileInput = $("input[type=file]");

  function paint() {
    var color = (state.config && state.config.color) || "#1d4ed8";
    launcher.style.background = color;
    $(".head").style.background = color;
    $(".sendbtn").style.background = color;
    pre.querySelector("button").style.background = color;
    $(".title").textContent = (state.config && state.config.name) || T.title;
  }

  function needsProfile() {
    return state.config && state.config.prechat_form && !state.profile && state.messages.length === 0;
  }

  function render() {
    log.innerHTML = "";
    if (state.config && state.config.greeting) {
      var g = document.createElement("div");
      g.className = "greet";
      g.textContent = state.config.greeting;
      log.appendChild(g);
    }
    state.messages.forEach(function (m) { log.appendChild(bubble(m)); });
    var last = state.messages[state.messages.length - 1];
    if (last && last.direction === "outgoing" && last.options && last.options.length) log.appendChild(choices(last.options));
    log.scrollTop = log.scrollHeight;
    var ask = needsProfile();
    pre.classList.toggle("hidden", !ask);
    bar.classList.toggle("hidden", ask);
  }

  function bubble(m) {
    var div = document.createElement("div");
    div.className = "msg " + (m.direction === "incoming" ? "in" : "out") + (m.failed ? " failed" : "");
    if (m.direction === "incoming") div.style.background = (state.config && state.config.color) || "#1d4ed8";
    if (m.direction === "outgoing" && m.agent_name) {
      var who = document.createElement("div");
      who.className = "who";
      who.textContent = m.agent_name;
      div.appendChild(who);
    }
    if (m.attachment) {
      var url = base + m.attachment.url;
      if (m.attachment.content_type.indexOf("image/") === 0) {
        var img = document.createElement("img");
        img.src = url; img.alt = m.attachment.file_name; img.loading = "lazy";
        div.appendChild(img);
      } else {
        var a = document.createElement("a");
        a.href = url; a.target = "_blank"; a.rel = "noopener"; a.textContent = "📎 " + m.attachment.file_name;
        div.appendChild(a);
      }
    }
    if (m.body) div.appendChild(document.createTextNode(m.body));
    var meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = m.failed ? T.failed : m.queued ? T.queued : m.pending ? "…" : new Date(m.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    // The visitor's own messages: one tick once stored, two (blue) once an agent read them.
    if (m.direction === "incoming" && !m.pending && !m.failed && !m.queued) {
      var tick = document.createElement("span");
      var read = m.delivery_status === "read";
      tick.className = "tick" + (read ? " read" : "");
      tick.textContent = read ? "✓✓" : "✓";
      tick.title = read ? T.read : T.sent;
      tick.setAttribute("data-delivery", read ? "read" : "sent");
      meta.appendChild(tick);
    }
    div.appendChild(meta);
    if (m.failed) div.onclick = function () { retry(m); };
    return div;
  }

  // A bot's menu, while it is the last word: one button per option, which
  // answers with the option's name (as typing it would).
  function choices(options) {
    var row = document.createElement("div");
    row.className = "choices";
    options.forEach(function (option) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = option;
      b.style.borderColor = b.style.color = (state.config && state.config.color) || "#1d4ed8";
      b.onclick = function () { send(option); };
      row.appendChild(b);
    });
    return row;
  }

  // A line from the widget itself (not a message), e.g. a file that is too large.
  function say(text) {
    var line = document.createElement("div");
    line.className = "sys";
    line.setAttribute("role", "alert");
    line.textContent = text;
    log.appendChild(line);
    log.scrollTop = log.scrollHeight;
  }

  // Adds or updates a message. The socket's copy of our own message may
  // arrive before the HTTP reply that tells us its id: merge, never double.
  function upsert(m) {
    var byId = function (x) { return x.id === m.id; };
    var known = state.messages.findIndex(byId);
    var pending = m.client_id ? state.messages.findIndex(function (x) { return x.client_id === m.client_id && x.id !== m.id; }) : -1;
    if (pending >= 0 && known >= 0) {
      state.messages.splice(pending, 1);
      known = state.messages.findIndex(byId);
    } else if (known < 0) {
      known = pending;
    }
    if (known >= 0) state.messages[known] = Object.assign(state.messages[known], m, { pending: false, failed: false });
    else state.messages.push(m);
    state.messages.sort(function (a, b) { return (a.pending ? 1 : 0) - (b.pending ? 1 : 0) || a.id - b.id; });
  }

  // ---- real time ------------------------------------------------------------
  function lastAgentMessageId() {
    var ids = state.messages.filter(function (m) { return m.direction === "outgoing" && m.id > 0; }).map(function (m) { return m.id; });
    return ids.length ? Math.max.apply(null, ids) : 0;
  }

  function acknowledge() {
    var upTo = lastAgentMessageId();
    if (!upTo || !state.ws || state.ws.readyState !== 1) return;
    var visible = state.open && document.visibilityState === "visible";
    state.ws.send(JSON.stringify({ type: visible ? "read" : "delivered", up_to: upTo }));
  }

  function connect() {
    if (!state.visitor) return;
    var url = base.replace(/^http/, "ws") + "/widget/ws?channel=" + encodeURIComponent(channel) + "&visitor=" + encodeURIComponent(state.visitor);
    var ws = new WebSocket(url);
    state.ws = ws;
    ws.onmessage = function (e) {
      var ev;
      try { ev = JSON.parse(e.data); } catch (err) { return; }
      if (ev.type === "hello") {
        $(".note").classList.add("hidden");
        if (state.attempts > 0) resync();
        state.attempts = 0;
        flush();
      } else if (ev.type === "read_by_agent") {
        state.messages.forEach(function (m) {
          if (m.direction === "incoming" && !m.pending && new Date(m.created_at) <= new Date(ev.at)) m.delivery_status = "read";
        });
        render();
      } else if (ev.type === "message" || ev.type === "message_updated") {
        upsert(ev.message);
        if (ev.message.direction === "outgoing") {
          $(".typing").textContent = "";
          if (!state.open && ev.type === "message") { state.unread += 1; badge(); }
        }
        render();
        acknowledge();
      } else if (ev.type === "typing") {
        $(".typing").textContent = ev.typing ? ev.agent_name + T.typing : "";
      }
    };
    ws.onclose = function () {
      state.ws = null;
      $(".note").classList.remove("hidden");
      var delay = Math.min(30000, 1000 * Math.pow(2, state.attempts++)) + Math.random() * 500;
      setTimeout(connect, delay);
    };
  }

  function resync() {
    return api("POST", "/session", { visitor: state.visitor }).then(function (s) {
      s.messages.forEach(upsert);
      render();
    }).catch(function () { /* next reconnect tries again */ });
  }

  function badge() {
    var b = $(".badge");
    b.textContent = state.unread;
    b.classList.toggle("hidden", state.unread === 0);
  }

  // ---- sending -------------------------------------------------------------
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0; return (c === "x" ? r : (r & 3 | 8)).toString(16);
    });
  }

  // Messages wait in an outbox and go out one at a time, in order. Without
  // a connection they stay queued and leave as soon as the socket is back;
  // a message the server refuses is marked failed (tap to retry).
  function post(message) {
    var payload = { visitor: state.visitor, body: message.body, client_id: message.client_id, attachment_id: message.attachment_id || null, context: context() };
    if (state.profile) { payload.name = state.profile.name; payload.email = state.profile.email; }
    return api("POST", "/messages", payload).then(function (stored) {
      stored.client_id = message.client_id;
      upsert(stored);
      render();
      return true;
    }, function (err) {
      if (!err.status || err.status >= 500 || err.status === 429) {
        message.queued = true; message.pending = false;
        render();
        return false;
      }
      message.failed = true; message.pending = false; message.queued = false;
      render();
      return true;
    });
  }

  function flush() {
    if (state.flushing || !state.outbox.length) return;
    state.flushing = true;
    var next = state.outbox[0];
    next.queued = false; next.pending = true;
    post(next).then(function (done) {
      state.flushing = false;
      if (!done) return; // still offline: the next "hello" flushes again
      state.outbox.shift();
      flush();
    });
  }

  // Where the visitor is writing from, for the agent.
  function context() {
    var tz = "";
    try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
    return { page: location.href.slice(0, 500), language: navigator.language || "", time_zone: tz };
  }

  function send(body, attachment) {
    if (!body.trim() && !attachment) return;
    var message = { id: Date.now() * 1000, direction: "incoming", body: body.trim(), client_id: uuid(), pending: true, created_at: new Date().toISOString(), attachment: attachment || null, attachment_id: attachment ? attachment.id : null };
    state.messages.push(message);
    state.outbox.push(message);
    render();
    typing(false);
    flush();
  }

  function retry(message) {
    message.failed = false;
    state.outbox.push(message);
    render();
    flush();
  }

  function typing(on) {
    if (!state.ws || state.ws.readyState !== 1) return;
    var now = Date.now();
    if (on && now - state.lastTyping < 3000) return;
    state.lastTyping = on ? now : 0;
    state.ws.send(JSON.stringify({ type: "typing", typing: on }));
  }

  // ---- events ----------------------------------------------------------------
  function toggle(open) {
    state.open = open;
    remember();
    panel.classList.toggle("open", open);
    if (open) {
      state.unread = 0; badge();
      render();
      acknowledge();
      setTimeout(function () { (needsProfile() ? pre.querySelector("input") : input).focus(); }, 50);
    }
  }
  launcher.onclick = function () { toggle(!state.open); };
  $(".close").onclick = function () { toggle(false); };
  document.addEventListener("visibilitychange", acknowledge);
  bar.onsubmit = function (e) {
    e.preventDefault();
    var body = input.value;
    input.value = "";
    state.draft = "";
    remember();
    send(body);
  };
  input.onkeydown = function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); bar.onsubmit(e); }
  };
  input.oninput = function () {
    state.draft = input.value;
    remember();
    typing(true);
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(function () { typing(false); }, 4000);
  };
  pre.onsubmit = function (e) {
    e.preventDefault();
    state.profile = { name: pre.querySelector("input[name=name]").value.trim(), email: pre.querySelector("input[name=email]").value.trim() };
    remember();
    render();
    input.focus();
  };
  $(".clip").onclick = function () { fileInput.click(); };
  fileInput.onchange = function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    var limit = (state.config && state.config.max_upload_mb) || 16;
    if (file.size > limit * 1024 * 1024) { say(T.tooLarge(limit)); return; }
    var form = new FormData();
    form.append("file", file, file.name);
    // The token goes in a header: the server checks it before reading the file.
    api("POST", "/attachments", form, { "x-ponte-visitor": state.visitor }).then(function (attachment) {
      send(input.value, attachment);
      input.value = "";
      state.draft = "";
      remember();
    }).catch(function (err) { say(err.code === "file_too_large" ? T.tooLarge(limit) : T.uploadFailed); });
  };

  // ---- start -------------------------------------------------------------------
  function start() {
    (document.body || document.documentElement).appendChild(host);
    api("GET", "/config").then(function (config) {
      state.config = config;
      paint();
      if (!config.active) { $(".log").textContent = T.unavailable; bar.classList.add("hidden"); return; }
      return api("POST", "/session", { visitor: state.visitor }).then(function (s) {
        state.visitor = s.visitor;
        state.messages = s.messages;
        input.value = state.draft;
        render();
        if (saved.open) toggle(true);
        remember();
        connect();
      });
    }).catch(function () { host.remove(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
