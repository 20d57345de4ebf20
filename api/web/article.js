// The article view: the full body from GET /v1/documents/{id}, the cited quote highlighted at exactly
// its [start, end) offsets and scrolled into view, the answer's other quotes in the article fainter.
// Permalink: #doc=ID&chars=START-END (offsets in characters, as the API counts them).

import { getJSON } from "./api.js";
import { quotesIn } from "./ask.js";
import { $, codePointIndex, codePointLength, el, metaLine, showMessage } from "./ui.js";

/** `chars=S-E` as [S, E], or null when absent or malformed. */
export function parseChars(value) {
  const m = /^(\d+)-(\d+)$/.exec(value || "");
  if (!m) return null;
  const range = [Number(m[1]), Number(m[2])];
  return range[0] < range[1] ? range : null;
}

let shown = 0; // the latest request wins when links are followed quickly

/** Show article `id`, highlighting `chars` ([start, end] in code points) when given. */
export async function showArticle(id, chars) {
  const ticket = ++shown;
  const message = $("doc-message");
  const doc = $("doc");
  showMessage(message, "Loading the article…", "info");
  doc.hidden = true;
  let article;
  try {
    article = await getJSON(`v1/documents/${encodeURIComponent(id)}`);
  } catch (err) {
    if (ticket === shown) showMessage(message, err.message);
    return;
  }
  if (ticket !== shown) return;
  showMessage(message, "");
  render(article, chars);
  doc.hidden = false;
  const mark = $("cited");
  if (mark) {
    mark.scrollIntoView({ block: "center" });
    mark.focus({ preventScroll: true });
  } else {
    window.scrollTo(0, 0);
    $("doc-title").focus();
  }
}

function render(article, chars) {
  $("doc-title").textContent = article.title || article.id;
  const metaBox = $("doc-meta");
  metaBox.replaceChildren(document.createTextNode(metaLine(article)));
  if (/^https?:\/\//i.test(article.url || "")) {
    if (metaBox.textContent) metaBox.append(document.createTextNode(" · "));
    metaBox.append(el("a", { href: article.url, rel: "noopener noreferrer" }, "the original article"));
  } else if (article.source) {
    if (metaBox.textContent) metaBox.append(document.createTextNode(" · "));
    metaBox.append(document.createTextNode(`read from ${article.source}`));
  }
  const body = article.body;
  const length = codePointLength(body);
  const others = quotesIn(article.id).filter((r) => !chars || r[0] !== chars[0] || r[1] !== chars[1]);
  const info = $("doc-quote");
  let primary = null;
  if (chars && chars[1] <= length) {
    primary = chars;
    const permalink = `${location.pathname}#doc=${encodeURIComponent(article.id)}&chars=${chars[0]}-${chars[1]}`;
    info.replaceChildren(
      document.createTextNode(`The highlighted quote is characters ${chars[0]}–${chars[1]} of the article. `),
      el("a", { href: permalink, id: "permalink" }, "Permalink"),
    );
  } else if (chars) {
    info.replaceChildren(
      document.createTextNode(
        `The link asks for characters ${chars[0]}–${chars[1]}, but the article has ${length}: it may have changed since. Nothing is highlighted.`,
      ),
    );
  } else info.replaceChildren();
  if (others.length) info.append(document.createTextNode(" Other quotes of the answer from this article are shaded lighter."));
  const index = codePointIndex(body);
  const toUnits = ([s, e]) => [index(s), index(e)];
  renderBody($("doc-body"), body, primary && toUnits(primary), others.filter((r) => r[1] <= length).map(toUnits));
}

/**
 * Fill `container` with `body` as text nodes: `primary` ([start, end) in UTF-16 units) in one <mark id="cited">
 * whose text is exactly body.slice(start, end); the `others` ranges in fainter marks, nested where they overlap.
 */
export function renderBody(container, body, primary, others) {
  container.replaceChildren();
  const ranges = mergeRanges(others);
  const appendRange = (parent, from, to) => {
    let at = from;
    for (const [s, e] of ranges) {
      const a = Math.max(s, from);
      const b = Math.min(e, to);
      if (a >= b) continue;
      if (a > at) parent.append(document.createTextNode(body.slice(at, a)));
      const faint = document.createElement("mark");
      faint.className = "other";
      faint.append(document.createTextNode(body.slice(a, b)));
      parent.append(faint);
      at = b;
    }
    if (at < to) parent.append(document.createTextNode(body.slice(at, to)));
  };
  if (!primary) {
    appendRange(container, 0, body.length);
    return;
  }
  const [start, end] = primary;
  appendRange(container, 0, start);
  const mark = document.createElement("mark");
  mark.className = "cited";
  mark.id = "cited";
  mark.tabIndex = -1;
  appendRange(mark, start, end);
  container.append(mark);
  appendRange(container, end, body.length);
}

function mergeRanges(ranges) {
  const sorted = ranges.filter(([s, e]) => s < e).sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const [s, e] of sorted) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}
