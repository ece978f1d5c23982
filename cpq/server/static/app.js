/* cpq guided-selling page: plain JavaScript, no build step, no third-party code.
 *
 * The server is stateless: every request sends the full selections. Per change the page asks
 *   POST options (value states with reasons), POST check (current values and provenance),
 *   POST explain (only when options says consistent: false; the conflict and its repairs),
 *   POST price (only when consistent and the product has a price book).
 * The endpoints are the ones in the HTTP API contract (docs/server.md); nothing else is called.
 */
"use strict";

(function () {
  const API = "/api/v1";
  const MAX_RADIOS = 8; // choice attributes with more values use a <select>
  const INT_EXACT = 16; // int ranges up to this size list their values (as the library does)
  const QUOTE_FORMATS = { html: "HTML", pdf: "PDF", md: "Markdown", txt: "text" };

  const state = {
    products: [],
    quoteFormats: [],
    product: null, // product summary from GET /products
    schema: null, // GET /products/{id}
    attrs: new Map(), // attribute id -> {def, index, els}
    selections: {}, // attribute id -> value (choice: id, multi: [ids], bool, int)
    origin: {}, // attribute id -> "user" | "completed"
    customers: [],
    currency: null,
    customer: "",
    options: null,
    check: null,
    explain: null,
    good: null, // the last selections the server answered for
    seq: 0,
    priceSeq: 0,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined) node.append(c);
    }
    return node;
  }

  // -- talking to the server ------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  async function call(method, path, body) {
    let resp;
    try {
      resp = await fetch(API + path, {
        method,
        headers: body === undefined
          ? { Accept: "application/json" }
          : { "Content-Type": "application/json", Accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, {
        title: "The server did not answer",
        detail: "Check that the cpq server is still running and try again.",
      });
    }
    if (!resp.ok) throw new ApiError(resp.status, await readProblem(resp));
    return resp.json();
  }

  async function readProblem(resp) {
    try {
      const data = await resp.json();
      if (data && typeof data === "object") return data;
    } catch (e) {
      /* not JSON: fall through */
    }
    return {};
  }

  function productPath(suffix) {
    return `/products/${encodeURIComponent(state.product.id)}${suffix || ""}`;
  }

  const post = (op, body) => call("POST", productPath("/" + op), body);

  // -- errors in plain language ---------------------------------------------------------------

  // what the buyer can do about an error, by HTTP status (the server's problem says what happened)
  const ADVICE = {
    0: ["The server did not answer.", "Check that the cpq server is running, then try again."],
    400: ["The request was not understood.", "Reload the page and try again."],
    404: ["Not found.", "Reload the page: the list of products may have changed."],
    409: ["These choices cannot be used yet.", "Fix the conflict first."],
    413: ["The request is too large.", "Take back some choices and try again."],
    422: ["A choice could not be used.", "Change or take back the choice named above."],
    429: ["Too many requests.", "Wait a moment and try again."],
    500: ["The server had a problem answering.", "Try again; if it keeps happening, tell the operator."],
    501: ["The server cannot do this.", "Ask the operator which features are installed."],
    503: ["The server cannot answer right now.", "Try again in a moment."],
    504: ["The configurator ran out of time.", "Try again, or make fewer changes at once."],
  };

  function sentence(text) {
    const t = String(text).trim();
    if (!t) return "";
    return t.charAt(0).toUpperCase() + t.slice(1) + (/[.!?)]$/.test(t) ? "" : ".");
  }

  function showError(err, context) {
    const box = $("error");
    const p = err instanceof ApiError ? err.problem : {};
    const status = err instanceof ApiError ? err.status : -1;
    const advice = ADVICE[status] || (status >= 500 ? ADVICE[500] : ["Something went wrong.", "Reload the page and try again."]);
    const title = p.title || advice[0];
    box.replaceChildren(el("h2", { text: context ? `${context}: ${title}` : title }));
    if (p.detail) box.append(el("p", { text: sentence(p.detail) }));
    if (Array.isArray(p.problems) && p.problems.length) {
      const ul = el("ul");
      for (const item of p.problems.slice(0, 10)) {
        const text = typeof item === "string" ? item : item.message || item.detail || item.text || JSON.stringify(item);
        ul.append(el("li", { text: sentence(text) }));
      }
      box.append(ul);
    }
    if (!(err instanceof ApiError) && err && err.message) box.append(el("p", { text: sentence(err.message) }));
    box.append(el("p", { text: advice[1] }));
    if (p.code) box.append(el("p", { class: "hint", text: `Error code: ${p.code}` }));
    box.append(el("button", { type: "button", text: "Dismiss", onclick: clearError }));
    box.hidden = false;
  }

  function clearError() {
    const box = $("error");
    box.hidden = true;
    box.replaceChildren();
  }

  function announce(text) {
    const region = $("announce");
    region.textContent = "";
    // a fresh text node after a tick, so screen readers announce repeated messages too
    window.setTimeout(() => {
      region.textContent = text;
    }, 30);
  }

  // -- products -------------------------------------------------------------------------------

  async function start() {
    $("product").addEventListener("change", (e) => loadProduct(e.target.value));
    $("customer").addEventListener("change", (e) => {
      state.customer = e.target.value;
      refreshPrice(true).then(settled);
    });
    $("complete").addEventListener("click", completeForMe);
    $("reset").addEventListener("click", () => {
      state.selections = {};
      state.origin = {};
      refresh("Every choice cleared; defaults apply again.");
    });
    $("attributes").addEventListener("submit", (e) => e.preventDefault());
    try {
      const data = await call("GET", "/products");
      state.products = data.products || [];
      state.quoteFormats = Array.isArray(data.quote_formats) ? data.quote_formats : [];
    } catch (e) {
      showError(e, "Loading the products");
      setStatus("error", "The products could not be loaded.");
      settled();
      return;
    }
    const select = $("product");
    select.replaceChildren(...state.products.map((p) => el("option", { value: p.id, text: p.name })));
    if (!state.products.length) {
      setStatus("error", "The server has no products.");
      settled();
      return;
    }
    const wanted = new URLSearchParams(window.location.search).get("product");
    const first = state.products.find((p) => p.id === wanted) || state.products[0];
    select.value = first.id;
    await loadProduct(first.id);
  }

  async function loadProduct(id) {
    state.product = state.products.find((p) => p.id === id);
    state.selections = {};
    state.origin = {};
    state.customer = "";
    state.options = state.check = state.explain = state.good = null;
    $("product-info").textContent = `SKU ${state.product.sku}: ${state.product.attributes} attributes, ${state.product.rules} rules`;
    setStatus("loading", "Loading…");
    try {
      state.schema = await call("GET", productPath());
    } catch (e) {
      showError(e, "Loading the product");
      setStatus("error", "The product could not be loaded.");
      settled();
      return;
    }
    if (state.schema.description) {
      $("product-info").textContent = `${state.schema.description} SKU ${state.product.sku}: ${state.product.attributes} attributes, ${state.product.rules} rules`;
    }
    buildForm();
    await loadCustomers();
    renderQuoteLinks();
    await refresh(`${state.schema.name} loaded.`);
  }

  async function loadCustomers() {
    const select = $("customer");
    state.customers = [];
    state.currency = null;
    const has = state.product.has_prices;
    $("no-prices").hidden = has;
    $("price-controls").hidden = !has;
    $("price").hidden = !has;
    if (!has) return;
    try {
      const data = await call("GET", productPath("/customers"));
      state.customers = data.customers || [];
      state.currency = data.currency || null;
    } catch (e) {
      showError(e, "Loading the customers");
    }
    select.replaceChildren(
      el("option", { value: "", text: "No customer (list prices)" }),
      ...state.customers.map((c) => el("option", { value: c.id, text: `${c.name} (${c.id})` })),
    );
    select.value = "";
  }

  // -- building the form (once per product) ---------------------------------------------------

  function buildForm() {
    const form = $("attributes");
    form.replaceChildren();
    state.attrs.clear();
    $("config-heading").textContent = state.schema.name;
    state.schema.attributes.forEach((def, index) => {
      const base = `a${index}`;
      const rec = { def, index, base, values: [], els: {} };
      state.attrs.set(def.id, rec);
      let node;
      if (def.type === "int") node = buildInt(rec);
      else if (def.type === "bool") node = buildBool(rec);
      else if (def.type === "choice" && def.values.length > MAX_RADIOS) node = buildSelect(rec);
      else node = buildGroup(rec);
      form.append(node);
    });
  }

  function attrLabel(def) {
    return def.label || def.id;
  }

  function commonParts(rec) {
    const { base } = rec;
    rec.els.prov = el("p", { class: "prov", id: `${base}-prov` });
    rec.els.conflict = el(
      "p",
      { class: "attr-conflict", hidden: true },
      "This choice is part of a conflict. ",
      el("a", { href: "#conflict", text: "See the ways to fix it" }),
      ".",
    );
    rec.els.clear = el("button", {
      type: "button",
      class: "clear",
      hidden: true,
      text: "Clear my choice",
      "aria-label": `Clear my choice for ${attrLabel(rec.def)}`,
      onclick: () => {
        delete state.selections[rec.def.id];
        delete state.origin[rec.def.id];
        refresh(`${attrLabel(rec.def)}: choice cleared.`);
      },
    });
    return [rec.els.prov, rec.els.conflict, rec.els.clear];
  }

  function buildGroup(rec) {
    const { def, base } = rec;
    const multi = def.type === "multi";
    const box = el("fieldset", { class: `attr attr-${def.type}`, id: `${base}`, "data-attr": def.id });
    box.append(el("legend", { text: attrLabel(def) }));
    const [prov, conflict, clear] = commonParts(rec);
    box.append(prov, conflict);
    const list = el("div", { class: "options" });
    def.values.forEach((v, j) => {
      const id = `${base}-v${j}`;
      const input = el("input", {
        type: multi ? "checkbox" : "radio",
        name: base,
        id,
        value: String(j),
        "aria-describedby": `${id}-why`,
      });
      const why = el("p", { class: "why", id: `${id}-why` });
      const row = el("div", { class: "opt", "data-value": v.id }, input, el("label", { for: id, text: v.label || v.id }), why);
      if (multi) {
        input.addEventListener("change", () => toggleMember(rec, v, input.checked));
      } else {
        input.addEventListener("change", () => input.checked && choose(rec, v.id, v.label));
        // clicking the value already shown (a default or implied one) makes it a user choice
        input.addEventListener("click", () => input.checked && choose(rec, v.id, v.label));
      }
      rec.values.push({ v, input, why, row });
      list.append(row);
    });
    box.append(list, clear);
    return box;
  }

  function buildSelect(rec) {
    const { def, base } = rec;
    const box = el("div", { class: "attr attr-select", id: base, "data-attr": def.id });
    const id = `${base}-select`;
    const select = el("select", { id, "aria-describedby": `${base}-prov ${base}-excluded` });
    select.append(el("option", { value: "", disabled: true, text: "Choose…" }));
    def.values.forEach((v, j) => {
      const option = el("option", { value: String(j), text: v.label || v.id });
      rec.values.push({ v, option });
      select.append(option);
    });
    select.addEventListener("change", () => {
      const j = Number(select.value);
      if (!Number.isNaN(j) && rec.values[j]) choose(rec, rec.values[j].v.id, rec.values[j].v.label);
    });
    rec.els.select = select;
    rec.els.excluded = el("div", { class: "excluded-list", id: `${base}-excluded` });
    const [prov, conflict, clear] = commonParts(rec);
    box.append(el("label", { for: id, class: "attr-label", text: attrLabel(def) }), select, prov, conflict, rec.els.excluded, clear);
    return box;
  }

  function buildBool(rec) {
    const { def, base } = rec;
    const id = `${base}-switch`;
    const input = el("input", {
      type: "checkbox",
      role: "switch",
      id,
      class: "switch",
      "aria-describedby": `${base}-prov ${base}-why`,
    });
    input.addEventListener("change", () => {
      choose(rec, input.checked, input.checked ? "on" : "off");
    });
    rec.els.input = input;
    rec.els.why = el("p", { class: "why", id: `${base}-why` });
    const [prov, conflict, clear] = commonParts(rec);
    return el(
      "div",
      { class: "attr attr-bool", id: base, "data-attr": def.id },
      el("div", { class: "switch-row" }, input, el("label", { for: id, class: "attr-label", text: attrLabel(def) })),
      prov,
      rec.els.why,
      conflict,
      clear,
    );
  }

  function buildInt(rec) {
    const { def, base } = rec;
    const id = `${base}-input`;
    const range = def.range || [null, null];
    const input = el("input", {
      type: "number",
      id,
      inputmode: "numeric",
      step: 1,
      min: range[0],
      max: range[1],
      "aria-describedby": `${base}-hint ${base}-prov ${base}-err`,
    });
    const unit = def.unit ? ` (${def.unit})` : "";
    rec.els.input = input;
    rec.els.hint = el("p", { class: "hint", id: `${base}-hint` });
    rec.els.err = el("p", { class: "field-error", id: `${base}-err`, hidden: true });
    const commit = () => commitInt(rec);
    input.addEventListener("change", commit);
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        commit();
      }
    });
    const [prov, conflict, clear] = commonParts(rec);
    return el(
      "div",
      { class: "attr attr-int", id: base, "data-attr": def.id },
      el("label", { for: id, class: "attr-label", text: attrLabel(def) + unit }),
      el("div", { class: "int-row" }, input, def.unit ? el("span", { class: "unit", "aria-hidden": "true", text: def.unit }) : null),
      rec.els.hint,
      rec.els.err,
      prov,
      conflict,
      clear,
    );
  }

  // -- user actions ---------------------------------------------------------------------------

  function choose(rec, value, label) {
    const id = rec.def.id;
    if (state.selections[id] === value && state.origin[id] === "user") return;
    state.selections[id] = value;
    state.origin[id] = "user";
    refresh(`${attrLabel(rec.def)}: ${label === undefined ? value : label} chosen.`);
  }

  function memberChoices(id) {
    // a multi attribute is kept as {value id: true|false}: only the members the buyer decided;
    // the others stay open, so their defaults stay soft (sent as session choices, see requestBody)
    const v = state.selections[id];
    return isMembers(v) ? { ...v } : {};
  }

  function toggleMember(rec, v, on) {
    const members = memberChoices(rec.def.id);
    members[v.id] = on;
    state.selections[rec.def.id] = members;
    state.origin[rec.def.id] = "user";
    refresh(`${attrLabel(rec.def)}: ${v.label || v.id} ${on ? "added" : "removed"}.`);
  }

  function commitInt(rec) {
    const { def } = rec;
    const input = rec.els.input;
    const text = input.value.trim();
    const id = def.id;
    const [lo, hi] = def.range || [null, null];
    if (text === "") {
      if (id in state.selections) {
        delete state.selections[id];
        delete state.origin[id];
        setFieldError(rec, "");
        refresh(`${attrLabel(def)}: choice cleared.`);
      }
      return;
    }
    const n = Number(text);
    if (!Number.isInteger(n) || (lo !== null && n < lo) || (hi !== null && n > hi)) {
      const span = lo !== null && hi !== null ? ` from ${lo} to ${hi}` : "";
      setFieldError(rec, `Enter a whole number${span}.`);
      announce(`${attrLabel(def)}: enter a whole number${span}.`);
      return;
    }
    setFieldError(rec, "");
    const current = state.check && state.check.values ? state.check.values[id] : undefined;
    if (state.selections[id] === n || (current === n && state.origin[id] === "user")) return;
    choose(rec, n, `${n}${def.unit ? " " + def.unit : ""}`);
  }

  function setFieldError(rec, text) {
    rec.els.err.textContent = text;
    rec.els.err.hidden = !text;
    if (text) rec.els.input.setAttribute("aria-invalid", "true");
    else rec.els.input.removeAttribute("aria-invalid");
  }

  async function completeForMe() {
    const button = $("complete");
    button.disabled = true;
    try {
      const done = await post("complete", requestBody());
      if (done.status !== "valid") {
        await refresh("These choices cannot be completed: they conflict. See the ways to fix it.");
        return;
      }
      const filled = [];
      for (const [id, prov] of Object.entries(done.provenance || {})) {
        const rec = state.attrs.get(id);
        if (!rec) continue;
        if (rec.def.type === "multi") {
          const picked = Object.entries((done.member_provenance || {})[id] || {})
            .filter(([, p]) => p === "completed")
            .map(([vid]) => vid);
          if (!picked.length) continue;
          const members = memberChoices(id);
          for (const vid of picked) members[vid] = true;
          state.selections[id] = members;
          if (state.origin[id] !== "user") state.origin[id] = "completed";
          filled.push(`${attrLabel(rec.def)}: ${valueText(rec, picked)}`);
        } else if (prov === "completed") {
          state.selections[id] = done.values[id];
          state.origin[id] = "completed";
          filled.push(`${attrLabel(rec.def)}: ${valueText(rec, done.values[id])}`);
        }
      }
      const msg = filled.length
        ? `Completed for you: ${filled.join("; ")}.`
        : "Nothing to complete: every attribute already has a value.";
      await refresh(msg);
    } catch (e) {
      showError(e, "Completing");
    } finally {
      button.disabled = false;
    }
  }

  function valueText(rec, value) {
    const def = rec.def;
    if (Array.isArray(value)) return value.map((x) => valueText(rec, x)).join(", ") || "none";
    if (def.type === "bool") return value ? "yes" : "no";
    if (def.type === "int") return `${value}${def.unit ? " " + def.unit : ""}`;
    const v = def.values.find((x) => x.id === value);
    return v ? v.label || v.id : String(value);
  }

  // -- asking the server and showing the answer -----------------------------------------------

  const clone = (x) => JSON.parse(JSON.stringify(x));

  const isMembers = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

  // The request body of every call: all the buyer's selections, every time (the server is
  // stateless). Member choices of multi attributes ({value id: true|false}: with / without,
  // the other members left open so their defaults stay soft) travel as the choices of a
  // session document (Configurator.to_json format), which the API takes next to `selections`.
  function requestBody() {
    const selections = {};
    const choices = [];
    for (const [id, value] of Object.entries(state.selections)) {
      if (!isMembers(value)) selections[id] = value;
      else for (const [vid, on] of Object.entries(value)) choices.push({ attribute: id, value: vid, selected: on });
    }
    const body = { selections };
    if (choices.length) body.session = JSON.stringify({ cpq_session: 1, product: state.product.id, choices });
    return body;
  }

  async function refresh(message) {
    const seq = ++state.seq;
    const sent = clone(state.selections);
    const body = requestBody();
    setBusy(true);
    try {
      const [options, check] = await Promise.all([post("options", body), post("check", body)]);
      let explain = null;
      if (!options.consistent) explain = await post("explain", body);
      if (seq !== state.seq) return;
      state.options = options;
      state.check = check;
      state.explain = explain;
      state.good = { selections: sent, origin: clone(state.origin) };
      clearError();
      render();
      const priceText = await refreshPrice(false);
      if (seq !== state.seq) return;
      announce([message, statusSentence(), priceText].filter(Boolean).join(" "));
    } catch (e) {
      if (seq !== state.seq) return;
      showError(e);
      if (state.good && state.options) {
        // the change was not applied: show the last answered state again
        state.selections = clone(state.good.selections);
        state.origin = clone(state.good.origin);
        render();
      }
      announce(`${message || ""} Not applied: ${e.message}`);
    } finally {
      if (seq === state.seq) {
        setBusy(false);
        settled();
      }
    }
  }

  function setBusy(busy) {
    $("attributes").setAttribute("aria-busy", busy ? "true" : "false");
    document.body.classList.toggle("busy", busy);
  }

  let updates = 0;
  function settled() {
    // a counter of finished updates (answered or failed), for tests and automation
    document.body.dataset.updates = String(++updates);
  }

  function setStatus(kind, text) {
    const s = $("status");
    s.dataset.status = kind;
    s.textContent = text;
  }

  function statusSentence() {
    const check = state.check;
    const options = state.options;
    if (!check || !options) return "";
    if (!options.consistent) return "Your choices do not fit together; see the ways to fix it.";
    if (check.status === "valid") return "The configuration is complete and valid.";
    if (check.status === "incomplete") {
      const names = (check.missing || []).map((id) => attrLabel(state.attrs.get(id)?.def || { id }));
      return `Still to choose: ${names.join(", ")}.`;
    }
    return "";
  }

  function render() {
    const { options, check, explain } = state;
    // status
    if (!options.consistent) setStatus("invalid", "Conflict: these choices do not fit together.");
    else if (check.status === "valid") setStatus("valid", "Complete and valid.");
    else setStatus("incomplete", "Valid so far, not complete yet.");
    const missing = $("missing");
    const names = (check.missing || []).map((id) => attrLabel(state.attrs.get(id)?.def || { id }));
    missing.hidden = !(options.consistent && names.length);
    missing.textContent = names.length ? `Still to choose: ${names.join(", ")}. Or press “Complete for me”.` : "";
    $("timeout-note").hidden = options.complete !== false;
    renderConflict(options.consistent ? null : (explain && explain.conflict) || options.conflict, explain);
    const inConflict = new Set(
      !options.consistent && options.conflict ? options.conflict.choices.map((c) => c.attribute) : [],
    );
    for (const rec of state.attrs.values()) {
      const view = options.attributes[rec.def.id];
      if (!view) continue;
      renderAttr(rec, view, inConflict.has(rec.def.id));
    }
    $("complete").disabled = !options.consistent;
    renderQuoteLinks();
  }

  const UNDECIDED = "Not checked yet: the configurator ran out of time before deciding this value.";

  const PROV_TEXT = {
    user: "Your choice",
    completed: "Completed for you",
    default: "Default",
    implied: "Set by your choices",
  };

  function provenanceOf(rec) {
    const id = rec.def.id;
    if (id in state.selections) return state.origin[id] === "completed" ? "completed" : "user";
    const prov = state.check && state.check.provenance ? state.check.provenance[id] : undefined;
    return prov || null;
  }

  function renderProv(rec, view) {
    const id = rec.def.id;
    const prov = provenanceOf(rec);
    const missing = (state.check.missing || []).includes(id);
    let text = prov ? PROV_TEXT[prov] || prov : "";
    if (!prov && missing) text = "Open: choose a value";
    if (prov === "implied" && rec.els.select) {
      // radio groups show the reason at the value; a select shows it here
      const forced = (view.values || []).find((v) => v.state === "implied");
      if (forced && forced.reason) text += `. ${reasonText(forced.reason, "implied")}`;
    }
    rec.els.prov.textContent = text;
    rec.els.prov.dataset.prov = prov || (missing ? "missing" : "");
    rec.els.clear.hidden = !(id in state.selections);
  }

  function currentValue(rec) {
    const id = rec.def.id;
    if (state.check && state.check.values && id in state.check.values) return state.check.values[id];
    return state.selections[id];
  }

  function renderAttr(rec, view, inConflict) {
    renderProv(rec, view);
    rec.els.conflict.hidden = !inConflict;
    const states = new Map((view.values || []).map((v) => [v.value, v]));
    const current = currentValue(rec);
    const type = rec.def.type;
    if (type === "int") return renderInt(rec, view, current);
    if (type === "bool") return renderBool(rec, states, current);
    if (rec.els.select) return renderSelect(rec, states, current);
    const members = type === "multi" ? new Set(Array.isArray(current) ? current : []) : null;
    const memberProv = (state.check.member_provenance || {})[rec.def.id] || {};
    for (const item of rec.values) {
      const st = states.get(item.v.id) || { state: "selectable" };
      const checked = members ? members.has(item.v.id) : current === item.v.id || st.state === "selected";
      item.input.checked = checked;
      const locked = st.state === "implied" && checked && members !== null;
      item.input.disabled = (st.state === "excluded" && !checked) || locked;
      item.row.dataset.state = st.state;
      item.row.dataset.checked = checked ? "true" : "false";
      let why = "";
      if (st.state === "excluded") why = reasonText(st.reason, "excluded");
      else if (st.state === "implied") why = reasonText(st.reason, "implied");
      else if (st.state === "undecided") why = UNDECIDED;
      else if (checked && members) why = memberText(rec, item.v.id, memberProv);
      item.why.textContent = why;
      item.why.hidden = !why;
    }
  }

  function memberText(rec, vid, memberProv) {
    if (vid in memberChoices(rec.def.id)) return PROV_TEXT[provenanceOf(rec)];
    return PROV_TEXT[memberProv[vid]] || "";
  }

  function renderSelect(rec, states, current) {
    const select = rec.els.select;
    const groups = new Map();
    let currentIndex = "";
    rec.values.forEach((item, j) => {
      const st = states.get(item.v.id) || { state: "selectable" };
      const isCurrent = current === item.v.id;
      if (isCurrent) currentIndex = String(j);
      item.option.disabled = st.state === "excluded" && !isCurrent;
      let suffix = "";
      if (st.state === "excluded") suffix = " (not available)";
      else if (st.state === "implied") suffix = " (required)";
      else if (st.state === "undecided") suffix = " (not checked yet)";
      item.option.textContent = (item.v.label || item.v.id) + suffix;
      if (st.state === "excluded") {
        const text = reasonText(st.reason, "excluded");
        if (!groups.has(text)) groups.set(text, []);
        groups.get(text).push(item.v.label || item.v.id);
      }
    });
    select.value = currentIndex;
    select.querySelector('option[value=""]').hidden = currentIndex !== "";
    const box = rec.els.excluded;
    box.replaceChildren();
    if (groups.size) {
      const ul = el("ul");
      for (const [text, labels] of groups) {
        ul.append(el("li", {}, el("strong", { text: `${labels.join(", ")}:` }), " ", text));
      }
      box.append(ul);
    }
    box.hidden = !groups.size;
  }

  function renderBool(rec, states, current) {
    const input = rec.els.input;
    const on = current === true;
    input.checked = on;
    const target = states.get(!on) || { state: "selectable" };
    const here = states.get(on) || { state: "selectable" };
    input.disabled = target.state === "excluded";
    let why = "";
    if (here.state === "implied") why = reasonText(here.reason, "implied");
    else if (target.state === "excluded") why = `Cannot be switched ${on ? "off" : "on"}. ${reasonText(target.reason, "excluded")}`;
    rec.els.why.textContent = why;
    rec.els.why.hidden = !why;
    rec.els.prov.textContent = `${on ? "On" : current === false ? "Off" : "Open"}${rec.els.prov.textContent ? " · " + rec.els.prov.textContent : ""}`;
  }

  function renderInt(rec, view, current) {
    const input = rec.els.input;
    if (document.activeElement !== input || !input.value) {
      input.value = current === undefined || current === null ? "" : String(current);
    }
    const unit = rec.def.unit ? ` ${rec.def.unit}` : "";
    let hint = "";
    if (Array.isArray(view.feasible) && view.feasible.length) hint = `Possible now: ${view.feasible.join(", ")}${unit}.`;
    else if (Array.isArray(view.range)) hint = `Possible now: ${view.range[0]} to ${view.range[1]}${unit}.`;
    else if (view.feasible && !view.feasible.length) hint = "No value fits the other choices.";
    rec.els.hint.textContent = hint;
  }

  // "Not available because of your choice “Pumped medium: Sea water”. <rule message>"
  function reasonText(reason, kind) {
    const lead = {
      excluded: ["Not available because of your choice", "Never available for this product."],
      implied: ["Required because of your choice", "Always required for this product."],
      conflict: ["These choices clash:", "The product's rules contradict each other."],
    }[kind];
    if (!reason) return kind === "excluded" ? "Not available: no valid configuration has it." : lead[1];
    const choices = (reason.choices || []).map((c) => `“${c.text}”`);
    const rules = (reason.rules || []).map((r) => r.text).filter(Boolean);
    let head;
    if (!choices.length) head = lead[1];
    else if (kind === "conflict") head = `${lead[0]} ${choices.join(" and ")}.`;
    else head = `${lead[0]}${choices.length > 1 ? "s" : ""} ${choices.join(" and ")}.`;
    return [head, ...rules].join(" ");
  }

  // -- conflicts and repairs ------------------------------------------------------------------

  function renderConflict(conflict, explain) {
    const box = $("conflict");
    const list = $("repairs");
    list.replaceChildren();
    if (!conflict) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    $("conflict-text").textContent = reasonText(conflict, "conflict");
    const repairs = (explain && explain.repairs) || [];
    if (!repairs.length) {
      list.append(el("li", { text: "No small repair was found: take back some of your choices, or press “Start over”." }));
      return;
    }
    for (const repair of repairs) list.append(renderRepair(repair));
  }

  function renderRepair(repair) {
    const what = repair.remove.map((c) => c.text).join(" and ");
    const li = el("li", { class: "repair" });
    li.append(
      el("button", {
        type: "button",
        text: `Take back: ${what}`,
        onclick: () => applyRepair(repair, null),
      }),
    );
    const alts = [];
    for (const [key, values] of Object.entries(repair.alternatives || {})) {
      for (const alt of alternativeActions(repair, key, values)) alts.push(alt);
    }
    if (alts.length) {
      const ul = el("ul", { class: "alternatives", "aria-label": `Instead of ${what}` });
      for (const alt of alts.slice(0, 6)) {
        ul.append(el("li", {}, el("button", { type: "button", text: alt.label, onclick: () => applyRepair(repair, alt) })));
      }
      li.append(ul);
    }
    return li;
  }

  function alternativeActions(repair, key, values) {
    const dot = key.indexOf(".");
    const attrId = state.attrs.has(key) ? key : key.slice(0, dot);
    const rec = state.attrs.get(attrId);
    if (!rec || !Array.isArray(values)) return [];
    const def = rec.def;
    const name = attrLabel(def);
    if (def.type === "multi") {
      const vid = key.slice(dot + 1);
      const v = def.values.find((x) => x.id === vid);
      return values.map((on) => ({
        label: `${on ? "Add" : "Remove"} ${v ? v.label || v.id : vid} (${name})`,
        attr: attrId,
        member: vid,
        value: on,
      }));
    }
    if (def.type === "int") {
      const range = def.range || [0, 0];
      const exact = range[1] - range[0] + 1 <= INT_EXACT;
      const removed = repair.remove.find((c) => c.attribute === attrId);
      const was = removed ? Number(removed.value) : null;
      let picks = values;
      if (!exact && values.length === 2) {
        // [lo, hi] bounds: offer the bound nearest to the value taken back
        const [lo, hi] = values;
        picks = was === null ? [lo] : [Math.min(Math.max(was, lo), hi)];
      } else if (was !== null) {
        picks = values.slice().sort((a, b) => Math.abs(a - was) - Math.abs(b - was)).slice(0, 3);
      }
      return picks.map((n) => ({ label: `Set ${name} to ${valueText(rec, n)}`, attr: attrId, value: n }));
    }
    if (def.type === "bool") {
      return values.map((b) => ({ label: `Switch ${name} ${b ? "on" : "off"}`, attr: attrId, value: b }));
    }
    return values.map((vid) => ({ label: `Choose ${valueText(rec, vid)} for ${name}`, attr: attrId, value: vid }));
  }

  function applyRepair(repair, alt) {
    const byAttr = new Map();
    for (const c of repair.remove) {
      if (!byAttr.has(c.attribute)) byAttr.set(c.attribute, []);
      byAttr.get(c.attribute).push(c);
    }
    for (const [attrId, choices] of byAttr) {
      const rec = state.attrs.get(attrId);
      if (rec && rec.def.type === "multi") {
        // each member choice taken back is open again
        const members = memberChoices(attrId);
        for (const c of choices) delete members[c.value];
        if (Object.keys(members).length) state.selections[attrId] = members;
        else {
          delete state.selections[attrId];
          delete state.origin[attrId];
        }
      } else {
        delete state.selections[attrId];
        delete state.origin[attrId];
      }
    }
    let message = `Took back ${repair.remove.map((c) => c.text).join(" and ")}.`;
    if (alt) {
      if (alt.member !== undefined) {
        const members = memberChoices(alt.attr);
        members[alt.member] = alt.value;
        state.selections[alt.attr] = members;
      } else {
        state.selections[alt.attr] = alt.value;
      }
      state.origin[alt.attr] = "user";
      message = `${alt.label}: done.`;
    }
    $("status").setAttribute("tabindex", "-1");
    $("status").focus();
    refresh(message);
  }

  // -- price and quote ------------------------------------------------------------------------

  function money(amount, currency) {
    // amounts are decimal strings; format them without going through floating point
    const s = String(amount);
    const neg = s.startsWith("-");
    const [int, frac] = (neg ? s.slice(1) : s).split(".");
    const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${neg ? "−" : ""}${grouped}${frac !== undefined ? "." + frac : ""}${currency ? " " + currency : ""}`;
  }

  async function refreshPrice(announceIt) {
    if (!state.product || !state.product.has_prices || !state.options) return "";
    const seq = ++state.priceSeq;
    const note = $("price-note");
    if (!state.options.consistent) {
      showPrice(null);
      note.textContent = "No price while the choices conflict.";
      return "";
    }
    const body = requestBody();
    if (state.customer) body.customer = state.customer;
    $("price").setAttribute("aria-busy", "true");
    try {
      const result = await post("price", body);
      if (seq !== state.priceSeq) return "";
      showPrice(result);
      const text = `Gross price ${money(result.gross, result.currency)}.`;
      if (announceIt) announce(text);
      return text;
    } catch (e) {
      if (seq !== state.priceSeq) return "";
      showPrice(null);
      note.textContent = "";
      showError(e, "Pricing");
      return "The price could not be computed.";
    } finally {
      if (seq === state.priceSeq) $("price").setAttribute("aria-busy", "false");
    }
  }

  function showPrice(result) {
    const totals = $("totals");
    const wrap = $("lines-wrap");
    const body = $("lines").querySelector("tbody");
    body.replaceChildren();
    const peek = $("price-peek");
    if (!result) {
      totals.hidden = true;
      wrap.hidden = true;
      peek.hidden = true;
      return;
    }
    peek.textContent = `Gross ${money(result.gross, result.currency)}: see the price`;
    peek.hidden = false;
    const cur = result.currency;
    $("net").textContent = money(result.net, cur);
    $("vat").textContent = money(result.vat, cur);
    $("gross").textContent = money(result.gross, cur);
    const who = result.customer
      ? (state.customers.find((c) => c.id === result.customer) || { name: result.customer }).name
      : "list prices, no customer";
    const parts = [`For ${who}, on ${result.date}.`];
    if (result.completed && state.check && state.check.status === "incomplete") {
      parts.push("Open attributes are priced as “Complete for me” would fill them.");
    }
    if (result.approval_level) parts.push(`Needs approval (level ${result.approval_level}).`);
    $("price-note").textContent = parts.join(" ");
    for (const line of result.lines || []) {
      body.append(
        el(
          "tr",
          {},
          el("td", {}, el("span", { class: "sku", text: line.sku }), " ", line.label || ""),
          el("td", { class: "num", text: line.quantity }),
          el("td", { class: "num", text: money(line.unit_net, "") }),
          el("td", { class: "num", text: money(line.line_net, "") }),
        ),
      );
    }
    totals.hidden = false;
    wrap.hidden = false;
  }

  function renderQuoteLinks() {
    const box = $("quote-links");
    const note = $("quote-note");
    box.replaceChildren();
    const formats = state.quoteFormats.filter((f) => f in QUOTE_FORMATS);
    if (!state.product || !state.product.has_prices) {
      note.textContent = "Quotes need a price book.";
      return;
    }
    if (!formats.length) {
      note.textContent = "This server does not offer quote downloads.";
      return;
    }
    const blocked = state.options && !state.options.consistent;
    for (const f of formats) {
      box.append(
        el("button", {
          type: "button",
          class: "download",
          "data-format": f,
          disabled: blocked,
          text: `Download quote (${QUOTE_FORMATS[f]})`,
          onclick: () => downloadQuote(f),
        }),
      );
    }
    const open = state.check && state.check.status === "incomplete";
    note.textContent = blocked
      ? "Fix the conflict first: a quote needs choices that fit together."
      : open
        ? "Open attributes are filled as “Complete for me” would fill them."
        : "";
  }

  async function downloadQuote(format) {
    const body = requestBody();
    if (state.customer) body.customer = state.customer;
    let resp;
    try {
      resp = await fetch(`${API}${productPath("/quote")}?format=${encodeURIComponent(format)}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (e) {
      showError(new ApiError(0, null), "Downloading the quote");
      return;
    }
    if (!resp.ok) {
      showError(new ApiError(resp.status, await readProblem(resp)), "Downloading the quote");
      return;
    }
    const blob = await resp.blob();
    const disposition = resp.headers.get("Content-Disposition") || "";
    const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    const name = match ? decodeURIComponent(match[1]) : `quote-${state.product.id}.${format}`;
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
    announce(`Quote downloaded as ${name}.`);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
