// Small DOM helpers every view shares. Text always goes in as text nodes (article text is untrusted):
// nothing here, or anywhere in the page, parses a string as markup (tests/test_web.py checks).

import { apiKey, setApiKey } from "./api.js";

/** An element with attributes and children; strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function $(id) {
  return document.getElementById(id);
}

/** Show `text` in a message box (role=alert), or hide it when text is empty. */
export function showMessage(box, text, kind = "error") {
  box.replaceChildren(document.createTextNode(text || ""));
  box.dataset.kind = kind;
  box.hidden = !text;
}

/** "2026-04-01" or a datetime as a readable date; the input itself when it is not a date. */
export function formatDate(value) {
  if (!value) return "";
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(value);
  if (!m) return value;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3] || 1)));
  const options = { year: "numeric", month: "long", timeZone: "UTC" };
  if (m[3]) options.day = "numeric";
  return date.toLocaleDateString("en-GB", options);
}

/** The article's byline, outlet and date, joined with dots, leaving out the unknown ones. */
export function metaLine(item) {
  return [item.outlet, item.author ?? item.byline, formatDate(item.published_at)].filter(Boolean).join(" · ");
}

/**
 * JavaScript strings count UTF-16 units; the API's offsets count code points (Python characters).
 * Returns a function from a code-point offset to a UTF-16 offset in `text` (the identity without
 * characters outside the Basic Multilingual Plane, such as emoji).
 */
export function codePointIndex(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) return (offset) => offset;
  const units = [0];
  for (const ch of text) units.push(units[units.length - 1] + ch.length);
  return (offset) => units[Math.max(0, Math.min(offset, units.length - 1))];
}

/** The number of code points in `text` (what the API's offsets count). */
export function codePointLength(text) {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

// -- the citation preview: one tooltip, shown beside the citation hovered or focused --------------------
let tooltipOwner = null;

export function showTooltip(owner, lines) {
  const tip = $("tooltip");
  tip.replaceChildren(...lines.map(([cls, text]) => el("p", { class: cls }, text)));
  tip.hidden = false;
  tooltipOwner = owner;
  owner.setAttribute("aria-describedby", "tooltip");
  const box = owner.getBoundingClientRect();
  const width = Math.min(420, document.documentElement.clientWidth - 16);
  tip.style.width = `${width}px`;
  const left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
  tip.style.left = `${left}px`;
  tip.style.top = `${box.bottom + window.scrollY + 6}px`;
}

export function hideTooltip() {
  const tip = $("tooltip");
  if (tip.hidden) return false;
  tip.hidden = true;
  tooltipOwner?.removeAttribute("aria-describedby");
  tooltipOwner = null;
  return true;
}

/** Show the tooltip on hover and on keyboard focus of `owner`; `lines()` builds its content when shown. */
export function withPreview(owner, lines) {
  const show = () => showTooltip(owner, lines());
  owner.addEventListener("mouseenter", show);
  owner.addEventListener("focus", show);
  owner.addEventListener("mouseleave", hideTooltip);
  owner.addEventListener("blur", hideTooltip);
}

// -- dialogs ---------------------------------------------------------------------------------------------
/** Ask for an API key in the modal dialog; resolves to true when a key was entered. */
export function askForKey(reason) {
  const dialog = $("key-dialog");
  $("key-reason").textContent = reason || "Enter an API key for this server.";
  const input = $("key-input");
  input.value = apiKey();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const choice = dialog.returnValue;
        if (choice === "save" && input.value.trim()) {
          setApiKey(input.value.trim());
          resolve(true);
        } else {
          if (choice === "forget") setApiKey("");
          resolve(false);
        }
        input.value = "";
        updateKeyButton();
      },
      { once: true },
    );
    dialog.returnValue = "cancel";
    dialog.showModal();
    input.focus();
  });
}

export function updateKeyButton() {
  $("key-button").textContent = apiKey() ? "API key: set" : "API key";
}

/** Ask to confirm in the modal dialog; resolves to true when confirmed. */
export function confirmDelete(text) {
  const dialog = $("confirm-dialog");
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "delete"), { once: true });
    dialog.returnValue = "cancel";
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}
