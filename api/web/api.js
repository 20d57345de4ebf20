// The page's one way to the server: requests with the API key, errors turned into readable messages,
// and the server-sent events of POST /v1/ask read from a fetch stream (EventSource cannot POST).

const KEY_STORE = "rag-news.key";

/** The key for this browser tab (sessionStorage: gone when the tab closes). */
export function apiKey() {
  return sessionStorage.getItem(KEY_STORE) || "";
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
}

/** An answer the API refused, with a message a person can act on. */
export class ApiError extends Error {
  constructor(status, type, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.retryAfter = retryAfter;
  }
}

/** What to say for a refused request: the server's own message, put in words for the status. */
export function readable(status, type, serverMessage, retryAfter, hadKey) {
  const said = serverMessage ? ` (${serverMessage})` : "";
  switch (status) {
    case 0:
      return "The server cannot be reached. Is rag serve still running?";
    case 401:
      return hadKey ? `The API key was refused${said}.` : `This server needs an API key${said}.`;
    case 403:
      return `This needs an admin key${said}.`;
    case 404:
      return `Not found${said}.`;
    case 413:
      return `Too large for the server${said}.`;
    case 415:
      return `The server does not accept this kind of request${said}.`;
    case 422:
      return `The server could not use this request${said}.`;
    case 502:
      return `The generator server could not be reached or failed${said}.`;
    case 503: {
      const wait = retryAfter ? ` Try again in ${retryAfter} second${retryAfter === 1 ? "" : "s"}.` : " Try again later.";
      return type === "overloaded"
        ? `The server is busy answering other questions${said}.${wait}`
        : `The server is not available right now${said}.${wait}`;
    }
    default:
      return status >= 500 ? `The server failed${said}.` : `The request failed with status ${status}${said}.`;
  }
}

async function errorFrom(response, hadKey) {
  let type = "error";
  let message = "";
  try {
    const body = await response.json();
    type = body?.error?.type || type;
    message = body?.error?.message || "";
  } catch {
    message = response.statusText;
  }
  const header = response.headers.get("Retry-After");
  const retryAfter = header && /^\d+$/.test(header) ? Number(header) : null;
  return new ApiError(response.status, type, readable(response.status, type, message, retryAfter, hadKey), retryAfter);
}

// Set by the page: asked for a key when the API answers 401 (or 403 for an admin route); resolves to
// true when the person entered one, so the request is sent again.
let keyPrompt = async () => false;

export function onKeyNeeded(prompt) {
  keyPrompt = prompt;
}

/**
 * Send a request; resolve to the Response when it succeeded, else throw ApiError (AbortError when aborted).
 * `json` is sent as JSON, `form` as multipart; on 401/403 the key prompt is shown and the request sent again.
 */
export async function request(path, { method = "GET", json, form, signal, accept = "application/json" } = {}) {
  for (let attempt = 0; ; attempt++) {
    const key = apiKey();
    const headers = { Accept: accept };
    if (key) headers.Authorization = `Bearer ${key}`;
    let body;
    if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form;
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body, signal, cache: "no-store" });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(0, "network", readable(0));
    }
    if (response.ok) return response;
    const error = await errorFrom(response, Boolean(key));
    if ((response.status === 401 || response.status === 403) && attempt < 3 && !signal?.aborted) {
      if (await keyPrompt(error)) continue;
      error.message += " Enter a key with the API key button at the top of the page.";
    }
    throw error;
  }
}

export async function getJSON(path, options) {
  return (await request(path, options)).json();
}

/** The events of a server-sent event stream, as {event, data} with data parsed from JSON. */
export async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
        const parsed = parseEvent(block);
        if (parsed) yield parsed;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  return { event, data: JSON.parse(data.join("\n")) };
}
