// The ask view: the question and its filters, the answer as the stream verifies it, stage progress,
// cancel, citations with previews, and the "why" panel (verdicts, support, dropped sentences, timings).

import { events, request } from "./api.js";
import { $, el, formatDate, hideTooltip, metaLine, showMessage, withPreview } from "./ui.js";

const VERDICTS = {
  supported: "verified",
  supported_elsewhere: "verified against another passage",
  unsupported: "not verified",
  disagreement: "sources disagree: each value checked in the sentence it cites",
};

const ABSTAIN_REASONS = {
  no_relevant_passages:
    "Nothing in the archive is close enough to this question, so no answer was drafted and no model was asked.",
  insufficient_support:
    "Passages were found, but no sentence of the drafted answer could be verified against them, so there is no answer rather than a guess.",
  no_articles_in_period: "No article in the archive was published in the period the question asks about.",
  outdated: "Only reports much older than the question answer this: the story has moved on since, or the question asks about now.",
};

const MARKERS = /\s*\[\d+\]/g;

let controller = null;
let streamed = []; // the passages of the running stream, numbered from 1
let answer = null; // the last final answer (AnswerOut)

/** The last answer's quotes in `articleId`, as [start, end] code-point ranges (for the article view). */
export function quotesIn(articleId) {
  return (answer?.sources || []).filter((s) => s.article_id === articleId).map((s) => [s.start, s.end]);
}

export function isAsking() {
  return controller !== null;
}

export function cancel() {
  if (controller) controller.abort();
}

export function setup() {
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    ask();
  });
  $("cancel-button").addEventListener("click", cancel);
}

function filters() {
  const out = {};
  const after = $("f-after").value;
  const before = $("f-before").value;
  const outlets = $("f-outlets")
    .value.split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  if (after) out.after = after;
  if (before) out.before = before;
  if (outlets.length) out.outlets = outlets;
  return out;
}

function setStage(stage) {
  const list = $("stages");
  list.hidden = stage === null;
  let reached = false;
  for (const item of list.children) {
    const current = item.dataset.stage === stage;
    item.classList.toggle("current", current);
    item.classList.toggle("done", !current && !reached && stage !== null);
    if (current) {
      item.setAttribute("aria-current", "step");
      reached = true;
    } else item.removeAttribute("aria-current");
  }
}

function setBusy(busy) {
  $("ask-button").disabled = busy;
  $("cancel-button").hidden = !busy;
  $("answer").setAttribute("aria-busy", String(busy));
}

async function ask() {
  const question = $("question").value.trim();
  const message = $("ask-message");
  if (!question) {
    showMessage(message, "Type a question first.");
    $("question").focus();
    return;
  }
  cancel();
  controller = new AbortController();
  const mine = controller;
  streamed = [];
  answer = null;
  showMessage(message, "");
  resetAnswer();
  setBusy(true);
  setStage("retrieve");
  $("progress").textContent = "Retrieving passages…";
  for (const name of ["ask-start", "first-sentence", "answer"]) performance.clearMarks(name);
  performance.mark("ask-start");
  const body = { question, stream: true, filters: filters() };
  if ($("f-asof").value) body.as_of = $("f-asof").value;
  try {
    const response = await request("v1/ask", {
      method: "POST",
      json: body,
      signal: mine.signal,
      accept: "text/event-stream",
    });
    for await (const { event, data } of events(response)) {
      if (event === "passages") onPassages(data.passages);
      else if (event === "sentence") onSentence(data);
      else if (event === "answer") onAnswer(data);
      else if (event === "error") throw Object.assign(new Error(data.error.message), { fromStream: true });
    }
    if (!answer) throw new Error("The answer stream ended early; the server may have stopped. Ask again.");
  } catch (err) {
    if (controller !== mine) return; // a newer question replaced this one
    setStage(null);
    if (err.name === "AbortError") {
      $("progress").textContent = "Cancelled. The server stops working on it too.";
    } else {
      $("progress").textContent = "";
      showMessage(message, err.fromStream ? `The answer failed: ${err.message}` : err.message);
    }
  } finally {
    if (controller === mine) {
      controller = null;
      setBusy(false);
    }
  }
}

function resetAnswer() {
  hideTooltip();
  $("answer").hidden = true;
  $("abstention").hidden = true;
  $("sentences").replaceChildren();
  $("sources").replaceChildren();
  $("answer-meta").textContent = "";
  $("why-body").replaceChildren();
  $("why").open = false;
}

function onPassages(passages) {
  streamed = passages;
  setStage("draft");
  const n = passages.length;
  $("progress").textContent = n
    ? `Found ${n} passage${n === 1 ? "" : "s"}. Drafting an answer and checking each sentence…`
    : "No passage found. Finishing…";
}

function onSentence(sentence) {
  if (!$("sentences").children.length) performance.mark("first-sentence");
  setStage("verify");
  $("answer").hidden = false;
  const citations = sentence.citations.map((n) => passageLink(streamed[n - 1], n)).filter(Boolean);
  $("sentences").append(sentenceItem(sentence, citations));
  const k = $("sentences").children.length;
  $("progress").textContent = `${k} sentence${k === 1 ? "" : "s"} verified; checking the rest…`;
}

function onAnswer(data) {
  performance.mark("answer");
  answer = data;
  setStage(null);
  resetAnswer();
  $("answer").hidden = false;
  const sources = new Map(data.sources.map((s) => [s.n, s]));
  if (data.answerable) {
    for (const sentence of data.sentences) {
      const links = sentence.citations.map((n) => sources.get(n) && sourceLink(sources.get(n)));
      $("sentences").append(sentenceItem(sentence, links.filter(Boolean)));
    }
  } else {
    $("abstention").hidden = false;
    $("abstention-text").textContent = data.answer;
    $("abstention-reason").textContent = abstainReason(data);
  }
  $("sources").replaceChildren(...data.sources.map(sourceItem));
  $("sources-title").hidden = !data.sources.length;
  const total = data.timings?.total;
  // An answer about a time, or from reports over a month old, begins "As of <day> (reports of <days>): "
  // (rag.pipeline.dated); the sentences below are shown without it, so it is said here.
  const dating = data.answerable ? /^As of [^:]*(?=: )/.exec(data.answer) : null;
  const asOf = dating ? `${dating[0]}. ` : data.as_of ? `Asked as of ${formatDate(data.as_of)}. ` : "";
  $("answer-meta").textContent = `${asOf}${data.answerable ? "Answered" : "No answer"}${total !== undefined ? ` in ${total} s` : ""}.`;
  $("progress").textContent = data.answerable
    ? `Answer ready: ${data.sentences.length} verified sentence${data.sentences.length === 1 ? "" : "s"}.`
    : "No answer: the reason is shown below.";
  $("why-body").replaceChildren(...whyPanel(data));
}

function abstainReason(data) {
  const plain = ABSTAIN_REASONS[data.abstain_reason] || `Reason: ${data.abstain_reason}.`;
  const dropped = data.dropped?.length
    ? ` ${data.dropped.length} drafted sentence${data.dropped.length === 1 ? " was" : "s were"} dropped: see “Why this answer”.`
    : "";
  const limited = Object.keys(filters()).length || $("f-asof").value ? " The dates or outlets you set limited the search." : "";
  return plain + dropped + limited;
}

function sentenceItem(sentence, citations) {
  const verdict = VERDICTS[sentence.verdict] || sentence.verdict;
  return el(
    "li",
    { class: `sentence verdict-${sentence.verdict}` },
    el("span", { class: "sentence-text" }, sentence.text.replace(MARKERS, "")),
    " ",
    el("span", { class: "citations" }, citations),
    " ",
    el("span", { class: "badge", title: `support ${sentence.support.toFixed(2)}` }, verdict),
  );
}

function articleHref(articleId, start, end) {
  return `#doc=${encodeURIComponent(articleId)}&chars=${start}-${end}`;
}

function preview(item, quote) {
  const lines = [["tip-quote", `“${quote.length > 320 ? `${quote.slice(0, 320)}…` : quote}”`]];
  lines.push(["tip-title", item.title || item.article_id]);
  const meta = metaLine(item);
  if (meta) lines.push(["tip-meta", meta]);
  return lines;
}

/** A citation of a final answer: [n], to the quote at its offsets in the article. */
function sourceLink(source) {
  const link = el(
    "a",
    {
      class: "cite",
      href: articleHref(source.article_id, source.start, source.end),
      "aria-label": `Source ${source.n}: ${source.title || source.article_id}`,
    },
    `[${source.n}]`,
  );
  withPreview(link, () => preview(source, source.quote));
  return link;
}

/** A citation while the stream runs: the passage the sentence cites (sources are numbered at the end). */
function passageLink(passage, n) {
  if (!passage) return null;
  const link = el(
    "a",
    {
      class: "cite passage",
      href: articleHref(passage.article_id, passage.start, passage.end),
      "aria-label": `Passage ${n}: ${passage.title || passage.article_id}`,
    },
    `p${n}`,
  );
  withPreview(link, () => preview(passage, passage.text));
  return link;
}

function sourceItem(source) {
  return el(
    "li",
    { class: "source" },
    el("a", { href: articleHref(source.article_id, source.start, source.end) }, source.title || source.article_id),
    el("span", { class: "meta" }, metaLine(source)),
    el("blockquote", {}, source.quote),
  );
}

function whyPanel(data) {
  const parts = [];
  if (data.sentences.length) {
    parts.push(el("h3", {}, "Sentences kept"));
    parts.push(el("ul", { class: "why-list" }, data.sentences.map(checkedItem)));
  }
  parts.push(el("h3", {}, "Sentences dropped"));
  const none = data.sentences.length ? "None: every drafted sentence was kept." : "None: no sentence was drafted.";
  parts.push(data.dropped?.length ? el("ul", { class: "why-list" }, data.dropped.map(checkedItem)) : el("p", {}, none));
  parts.push(el("h3", {}, "Timings"));
  const timings = Object.entries(data.timings || {}).map(([stage, s]) => `${stage} ${s} s`);
  parts.push(el("p", {}, timings.join(" · ") || "none reported"));
  const first = performance.getEntriesByName("first-sentence")[0];
  const done = performance.getEntriesByName("answer")[0];
  const start = performance.getEntriesByName("ask-start")[0];
  if (start && done) {
    const seen = first ? `first verified sentence shown after ${((first.startTime - start.startTime) / 1000).toFixed(3)} s, ` : "";
    parts.push(el("p", {}, `In this browser: ${seen}answer after ${((done.startTime - start.startTime) / 1000).toFixed(3)} s.`));
  }
  const usage = data.usage || {};
  const facts = [
    usage.generator && `generator ${usage.generator}`,
    usage.judge_calls !== undefined && `judge calls ${usage.judge_calls}`,
    usage.passages !== undefined && `passages read ${usage.passages}`,
    data.as_of && `as of ${data.as_of}`,
  ].filter(Boolean);
  if (facts.length) parts.push(el("p", {}, facts.join(" · ")));
  for (const note of [].concat(usage.notes || [])) parts.push(el("p", { class: "help" }, String(note)));
  if (usage.draft) {
    parts.push(el("h3", {}, "The draft before checking"));
    parts.push(el("blockquote", {}, String(usage.draft)));
  }
  return parts;
}

function checkedItem(sentence) {
  const verdict = VERDICTS[sentence.verdict] || sentence.verdict;
  const reasons = sentence.reasons?.length ? ` Reasons: ${sentence.reasons.join("; ")}.` : "";
  return el(
    "li",
    {},
    el("span", {}, sentence.text),
    el("span", { class: "meta" }, ` ${verdict}, support ${sentence.support.toFixed(2)}.${reasons}`),
  );
}
