// The library view: the articles a page at a time (GET /v1/documents), a search over that list by
// title, date or outlet, delete with confirmation, and the upload of several files with a result each.

import { getJSON, request } from "./api.js";
import { $, confirmDelete, el, formatDate, showMessage } from "./ui.js";

const PAGE = 50;
const FETCH_PAGE = 500; // the API's largest page, used to read the whole list for a search
const SEARCH_MAX = 20000; // articles a search reads at most; past this it says so

let offset = 0;
let all = null; // the whole list, read once for a search; dropped when the library changes
let searchTimer = 0;

export function setup() {
  $("lib-prev").addEventListener("click", () => turn(-1));
  $("lib-next").addEventListener("click", () => turn(1));
  $("lib-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      offset = 0;
      load();
    }, 200);
  });
  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    upload();
  });
}

export function show() {
  load();
}

function turn(step) {
  offset = Math.max(0, offset + step * PAGE);
  load();
}

let loading = 0;

async function load() {
  const ticket = ++loading;
  const term = $("lib-search").value.trim().toLowerCase();
  const message = $("lib-message");
  $("lib-status").textContent = "Loading…";
  try {
    let docs;
    let total;
    let note = "";
    if (term) {
      const everything = await wholeList();
      const found = everything.docs.filter((d) => matches(d, term));
      total = found.length;
      docs = found.slice(offset, offset + PAGE);
      if (everything.partial) note = ` (searched the newest ${everything.docs.length} of ${everything.total})`;
    } else {
      const page = await getJSON(`v1/documents?offset=${offset}&limit=${PAGE}`);
      docs = page.documents;
      total = page.total;
    }
    if (ticket !== loading) return;
    showMessage(message, "");
    render(docs, total, term, note);
  } catch (err) {
    if (ticket !== loading) return;
    $("lib-status").textContent = "";
    showMessage(message, err.message);
  }
}

async function wholeList() {
  if (all) return all;
  const docs = [];
  let total = 0;
  for (let at = 0; at < SEARCH_MAX; at += FETCH_PAGE) {
    const page = await getJSON(`v1/documents?offset=${at}&limit=${FETCH_PAGE}`);
    docs.push(...page.documents);
    total = page.total;
    if (docs.length >= total || !page.documents.length) break;
  }
  all = { docs, total, partial: docs.length < total };
  return all;
}

function matches(doc, term) {
  return [doc.title, doc.published_at, formatDate(doc.published_at), doc.outlet, doc.byline, doc.id].some((field) =>
    (field || "").toLowerCase().includes(term),
  );
}

function render(docs, total, term, note) {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const page = Math.floor(offset / PAGE) + 1;
  const what = term ? `${total} article${total === 1 ? " matches" : "s match"} “${term}”${note}` : `${total} article${total === 1 ? "" : "s"} in the index`;
  $("lib-status").textContent = `${what}. Page ${page} of ${pages}.`;
  $("lib-page").textContent = `Page ${page} of ${pages}`;
  $("lib-prev").disabled = offset === 0;
  $("lib-next").disabled = offset + PAGE >= total;
  $("lib-list").replaceChildren(...docs.map(item));
  const outlets = new Set(docs.map((d) => d.outlet).filter(Boolean));
  $("outlet-list").replaceChildren(...[...outlets].map((o) => el("option", { value: o })));
}

function item(doc) {
  const title = doc.title || doc.id;
  const meta = [formatDate(doc.published_at), doc.outlet, doc.byline, `${doc.chunks} chunk${doc.chunks === 1 ? "" : "s"}`]
    .filter(Boolean)
    .join(" · ");
  const remove = el("button", { type: "button", class: "danger small", "aria-label": `Delete ${title}` }, "Delete");
  remove.addEventListener("click", () => removeDoc(doc, title, remove));
  return el(
    "li",
    { class: "doc-item" },
    el("a", { href: `#doc=${encodeURIComponent(doc.id)}`, class: "doc-link" }, title),
    el("span", { class: "meta" }, meta),
    el("span", { class: "meta" }, `id ${doc.id} · from ${doc.source}`),
    remove,
  );
}

async function removeDoc(doc, title, button) {
  if (!(await confirmDelete(`“${title}” will be removed from every part of the index. This cannot be undone.`))) {
    button.focus();
    return;
  }
  try {
    await request(`v1/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
    all = null;
    await load();
    showMessage($("lib-message"), `Deleted “${title}”.`, "info");
    $("lib-search").focus();
  } catch (err) {
    showMessage($("lib-message"), `“${title}” was not deleted: ${err.message}`);
    button.focus();
  }
}

async function upload() {
  const input = $("files");
  const files = [...input.files];
  const results = $("upload-results");
  if (!files.length) {
    results.replaceChildren(el("li", { class: "error" }, "Choose one or more files first."));
    input.focus();
    return;
  }
  $("upload-button").disabled = true;
  results.replaceChildren();
  for (const file of files) {
    const line = el("li", {}, `${file.name}: uploading…`);
    results.append(line);
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const out = await (await request("v1/documents", { method: "POST", form })).json();
      line.replaceChildren(...uploaded(file.name, out));
      line.className = out.problems.length ? "warn" : "ok";
    } catch (err) {
      line.replaceChildren(el("strong", {}, `${file.name}: not added. `), document.createTextNode(err.message));
      line.className = "error";
    }
  }
  $("upload-button").disabled = false;
  input.value = "";
  all = null;
  offset = 0;
  load();
}

function uploaded(name, out) {
  const counts = [
    out.created.length && `${out.created.length} added`,
    out.updated.length && `${out.updated.length} updated`,
    out.unchanged.length && `${out.unchanged.length} unchanged`,
  ].filter(Boolean);
  const parts = [
    el("strong", {}, `${name}: `),
    document.createTextNode(`${counts.join(", ") || "nothing added"} (${out.chunks} chunk${out.chunks === 1 ? "" : "s"} written).`),
  ];
  if (out.problems.length) {
    parts.push(el("ul", {}, out.problems.map((p) => el("li", {}, `${p.source}: ${p.reason}`))));
  }
  return parts;
}
