import { randomBytes } from 'node:crypto';
import type { ParsedRequest, SimulatorAnswer } from './simulator-http';

/*
 * The clickable payment windows the simulators serve over HTTP (GET shows the window, POST with `simAction` is the
 * buyer's click). Shared here so every window escapes, validates and answers the same way: plain server-rendered HTML,
 * nothing fetched from elsewhere, every echoed value HTML-escaped, redirect targets http(s) only, and a bad parameter a
 * 400 page naming it. Each gateway's window module keeps its own parameters and what a click does.
 */

/** The three things a buyer can do in a window: the button values of `simAction`. */
export type WindowAction = 'approve' | 'decline' | 'abandon';

const ACTIONS: readonly WindowAction[] = ['approve', 'decline', 'abandon'];

/** A window parameter that is missing or malformed: answered 400 with a page naming `field`. */
export class WindowParamError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'WindowParamError';
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** `url` with `params` appended to its query (its own query is kept, as a browser redirect keeps it). */
export function appendQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
  return target.toString();
}

/**
 * The parameters of one window request: the query string, plus the form fields of a POST (the window's own buttons
 * post back the query they were shown with; KISPG's shop form posts its fields).
 */
export class WindowParams {
  private constructor(private readonly values: Readonly<Record<string, string>>) {}

  static of(request: ParsedRequest): WindowParams {
    const values: Record<string, string> = { ...request.query };
    const isForm = (request.headers['content-type'] ?? '')
      .toLowerCase()
      .startsWith('application/x-www-form-urlencoded');
    // Some simulators parse forms, others leave the raw text: read the raw body either way.
    if (request.method === 'POST' && isForm) {
      for (const [name, value] of new URLSearchParams(request.rawBody)) values[name] = value;
    }
    return new WindowParams(values);
  }

  /** Every parameter except the button, as received. */
  fields(): Record<string, string> {
    const { simAction: _button, ...rest } = this.values;
    return rest;
  }

  /** A required text parameter of at most `maxLength` characters, without control characters. */
  text(name: string, maxLength: number): string {
    const value = this.optionalText(name, maxLength);
    if (value === undefined) throw new WindowParamError(name, 'is required');
    return value;
  }

  optionalText(name: string, maxLength: number): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === '') return undefined;
    if (value.length > maxLength) throw new WindowParamError(name, `must be at most ${maxLength} characters`);
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new WindowParamError(name, 'must not contain control characters');
    return value;
  }

  /** A positive integer amount in KRW, as digits. */
  amount(name: string): number {
    const value = this.text(name, 15);
    if (!/^[1-9][0-9]{0,14}$/.test(value) || !Number.isSafeInteger(Number(value)))
      throw new WindowParamError(name, 'must be a positive integer (KRW)');
    return Number(value);
  }

  optionalAmount(name: string): number | undefined {
    return this.values[name] === undefined || this.values[name] === '' ? undefined : this.amount(name);
  }

  /** An absolute http(s) URL: anything else (javascript:, data:, relative) could run or land somewhere unintended. */
  url(name: string): string {
    const value = this.text(name, 2048);
    return checkedUrl(value, name);
  }

  optionalUrl(name: string): string | undefined {
    const value = this.optionalText(name, 2048);
    return value === undefined ? undefined : checkedUrl(value, name);
  }

  /** The button clicked, or undefined when the window is only being shown. */
  action(): WindowAction | undefined {
    const value = this.values.simAction;
    if (value === undefined) return undefined;
    if (!(ACTIONS as readonly string[]).includes(value))
      throw new WindowParamError('simAction', 'must be approve, decline or abandon');
    return value as WindowAction;
  }
}

function checkedUrl(value: string, name: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new WindowParamError(name, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new WindowParamError(name, 'must be an http(s) URL');
  return parsed.toString();
}

/** What a window shows: who asks, for what, and the hidden fields the buttons post back. */
export interface WindowPageInput {
  /** e.g. 'Toss Payments'. */
  gateway: string;
  details: ReadonlyArray<readonly [label: string, value: string]>;
  /** Path (and query) the buttons POST to. */
  postTo: string;
  hidden?: Record<string, string>;
  /** One line under the buttons: what the buttons do for this gateway. */
  note?: string;
}

/**
 * Every page forbids scripts except its own (by nonce) and any fetch; forms may post to http(s) merchants only.
 * A page with an auto-submitting form gets a nonce; the others run no script at all.
 */
function headers(nonce?: string): Record<string, string> {
  const script = nonce ? `'nonce-${nonce}'` : "'none'";
  return {
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src ${script}; form-action 'self' http: https:; base-uri 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f3f4f6;margin:0;padding:40px}
main{max-width:420px;margin:auto;background:#fff;border-radius:12px;padding:24px;box-shadow:0 2px 8px #0002}
h1{font-size:18px;margin:0 0 4px}.sim{color:#b45309;font-size:12px;margin:0 0 16px}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;margin:0 0 20px}dt{color:#6b7280}dd{margin:0;word-break:break-all}
.buttons{display:flex;gap:8px}button{flex:1;padding:10px;border-radius:8px;border:1px solid #d1d5db;font-size:15px;cursor:pointer}
button[value=approve]{background:#2563eb;color:#fff;border-color:#2563eb}p.note{color:#6b7280;font-size:12px}`;

function page(title: string, body: string, nonce?: string, script = ''): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head>
<body><main>
${body}
</main>${nonce ? `<script nonce="${nonce}">${script}</script>` : ''}</body>
</html>`;
}

function html(status: number, body: string, nonce?: string): SimulatorAnswer {
  return { status, body, contentType: 'text/html; charset=utf-8', headers: headers(nonce) };
}

function hiddenInputs(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

/** The window itself: the order, and Approve / Decline / Abandon posting back to `postTo`. */
export function windowPage(input: WindowPageInput): SimulatorAnswer {
  const rows = input.details
    .map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('\n');
  const body = `<h1>${escapeHtml(input.gateway)} payment window</h1>
<p class="sim">Simulator: no money moves.</p>
<dl>
${rows}
</dl>
<form method="post" action="${escapeHtml(input.postTo)}">
${hiddenInputs(input.hidden ?? {})}
<div class="buttons">
<button type="submit" name="simAction" value="approve">Approve</button>
<button type="submit" name="simAction" value="decline">Decline</button>
<button type="submit" name="simAction" value="abandon">Abandon</button>
</div>
</form>
${input.note ? `<p class="note">${escapeHtml(input.note)}</p>` : ''}`;
  return html(200, page(`${input.gateway} payment window`, body));
}

/**
 * The page a redirect-form gateway answers the click with: a form POSTing `fields` to the merchant's returnUrl,
 * submitted at once (a button without script).
 */
export function autoPostPage(gateway: string, actionUrl: string, fields: Record<string, string>): SimulatorAnswer {
  const nonce = randomBytes(16).toString('base64');
  const body = `<h1>${escapeHtml(gateway)}</h1>
<p>Returning to the shop…</p>
<form method="post" action="${escapeHtml(actionUrl)}" accept-charset="utf-8">
${hiddenInputs(fields)}
<noscript><button type="submit">Continue</button></noscript>
</form>`;
  return html(200, page(gateway, body, nonce, 'document.forms[0].submit();'), nonce);
}

/** 303: the browser GETs `location` next, whichever method brought it here. */
export function redirectAnswer(location: string): SimulatorAnswer {
  return { status: 303, body: '', headers: { ...headers(), location } };
}

/** A plain result page (no return URL to go to, or a refusal). */
export function messagePage(status: number, title: string, message: string): SimulatorAnswer {
  return html(status, page(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`));
}

/**
 * Runs one window request: `show` for GET (and a POST without a button: a shop form arriving), `act` for a click.
 * A WindowParamError, or a plain Error the in-process helpers throw for input they refuse (an unknown key, a used
 * orderId), is a 400 page with its message; anything else is a simulator bug, shown as a 500 and logged.
 */
export function serveWindow(
  request: ParsedRequest,
  owner: string,
  handlers: {
    show: (params: WindowParams) => SimulatorAnswer;
    act: (action: WindowAction, params: WindowParams) => SimulatorAnswer;
  },
): SimulatorAnswer {
  if (request.method !== 'GET' && request.method !== 'POST')
    return messagePage(405, 'Method not allowed', `${request.method} is not allowed here: use GET or POST`);
  try {
    const params = WindowParams.of(request);
    const action = request.method === 'POST' ? params.action() : undefined;
    return action === undefined ? handlers.show(params) : handlers.act(action, params);
  } catch (error) {
    if (error instanceof WindowParamError || (error instanceof Error && error.constructor === Error))
      return messagePage(400, 'Bad request', error.message);
    console.error(`${owner}: unexpected error in the payment window`, request.method, request.path, error);
    return messagePage(500, 'Internal error', 'The simulated window failed; see the test output.');
  }
}
