// The page: three views chosen by the address's fragment (#ask, #library, #doc=ID&chars=S-E), the keys
// that work everywhere (Esc, /), and the API key prompt.

import { getJSON, onKeyNeeded } from "./api.js";
import { showArticle, parseChars } from "./article.js";
import * as ask from "./ask.js";
import * as library from "./library.js";
import { $, askForKey, el, hideTooltip, updateKeyButton } from "./ui.js";

const VIEWS = ["view-ask", "view-article", "view-library"];
let lastLink = null; // the link that opened an article, focused again on the way back

function showView(id) {
  for (const view of VIEWS) $(view).hidden = view !== id;
  for (const [link, view] of [["nav-ask", "view-ask"], ["nav-library", "view-library"]]) {
    if (view === id) $(link).setAttribute("aria-current", "page");
    else $(link).removeAttribute("aria-current");
  }
  hideTooltip();
}

/** Show the view the fragment names; other fragments (#main, the skip link) leave the view as it is. */
function route(initial = false) {
  const hash = location.hash.slice(1);
  const params = new URLSearchParams(hash);
  if (params.has("doc")) {
    showView("view-article");
    document.title = "Article · rag-news";
    showArticle(params.get("doc"), parseChars(params.get("chars")));
  } else if (hash === "library") {
    showView("view-library");
    document.title = "Library · rag-news";
    library.show();
    if (!initial) $("library-title").focus();
  } else if (hash === "" || hash === "ask") {
    showView("view-ask");
    document.title = "rag-news: ask the archive";
    if (lastLink?.isConnected) {
      lastLink.focus();
      lastLink = null;
    } else if (!initial) $("question").focus();
  }
}

/** A browser sent here from /v1/documents/{id}#chars=S-E arrives as /?doc=ID#chars=S-E. */
function adoptRedirect() {
  const doc = new URLSearchParams(location.search).get("doc");
  if (!doc) return;
  const chars = new URLSearchParams(location.hash.slice(1)).get("chars");
  const hash = `#doc=${encodeURIComponent(doc)}${chars ? `&chars=${chars}` : ""}`;
  history.replaceState(null, "", `${location.pathname}${hash}`);
}

function keys(event) {
  if (event.defaultPrevented || document.querySelector("dialog[open]")) return;
  if (event.key === "Escape") {
    if (hideTooltip()) return;
    if (ask.isAsking()) {
      event.preventDefault();
      ask.cancel();
    }
  } else if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const target = event.target;
    if (target.closest?.("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    if (!$("view-library").hidden) $("lib-search").focus();
    else {
      location.hash = "ask";
      $("question").focus();
    }
  }
}

async function fillOutlets() {
  if ($("outlet-list").children.length) return;
  try {
    const page = await getJSON("v1/documents?limit=500");
    const outlets = [...new Set(page.documents.map((d) => d.outlet).filter(Boolean))].sort();
    $("outlet-list").replaceChildren(...outlets.map((o) => el("option", { value: o })));
  } catch {
    // The list only helps typing; the outlet field works without it.
  }
}

function start() {
  onKeyNeeded((error) => askForKey(error.message));
  updateKeyButton();
  $("key-button").addEventListener("click", () => askForKey("Enter an API key for this server, or forget the one kept."));
  ask.setup();
  library.setup();
  $("filters").addEventListener("toggle", () => $("filters").open && fillOutlets());
  document.addEventListener("keydown", keys);
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a.cite, .sources a");
    if (link) lastLink = link;
  });
  window.addEventListener("hashchange", () => route());
  adoptRedirect();
  route(true);
  document.documentElement.dataset.ready = "true";
  performance.mark("page-ready");
}

start();
