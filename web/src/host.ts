/**
 * The customer token (docs/customer-identity.md): the host site's signed word for who its signed-in
 * customer is. It reaches the page in the address's fragment (`#customer-token=…`), which browsers never
 * send to a server nor put in a Referer, and is wiped from the address at once; or by `postMessage` from
 * the host's own origin, named in `<meta name="persistent-chat-host">` (nothing else may hand one over).
 * This tab keeps it in `sessionStorage` only, never in `localStorage`: on a shared device the next
 * person's visit must not open this customer's line.
 */
const KEPT = 'persistent-chat.customer-token';
const FRAGMENT = 'customer-token';
/** Ask the host for a fresh token this long before `exp`, so a call never carries one about to lapse. */
const REFRESH_BEFORE_MS = 60_000;
/** How long the host has to answer a request for a fresh token. */
const HOST_ANSWER_MS = 5000;

/** Messages between the page and its host (`postMessage`). */
export const HOST_MESSAGES = { request: 'persistent-chat.customer-token-request', token: 'persistent-chat.customer-token' } as const;

interface Kept {
  token: string;
  /** `exp`, epoch ms: read, not verified (the service verifies), only to know when to ask for a fresh one. */
  expiresAt: number;
  name?: string;
}

/** The claims the page shows or times by; undefined when the token does not even look like a JWT. */
function readClaims(token: string): Kept | undefined {
  try {
    const json = atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as { exp?: unknown; name?: unknown };
    if (typeof claims.exp !== 'number') return undefined;
    return { token, expiresAt: claims.exp * 1000, name: typeof claims.name === 'string' ? claims.name : undefined };
  } catch {
    return undefined;
  }
}

export class CustomerTokenSource {
  private readonly hostOrigin = document.querySelector<HTMLMetaElement>('meta[name="persistent-chat-host"]')?.content || undefined;
  /** The window that embeds (an iframe's parent) or opened this page: where fresh tokens are asked for. */
  private readonly hostWindow = window.parent !== window ? window.parent : (window.opener as Window | null);

  constructor() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    if (fragment.has(FRAGMENT)) {
      // An empty one is the host signing its customer out of this tab.
      this.keep(fragment.get(FRAGMENT) || undefined);
      history.replaceState(null, '', location.pathname + location.search);
    }
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const token = this.fromHost(event);
      if (token !== undefined) this.keep(token || undefined);
    });
  }

  /** Whether a customer is signed in on this tab (a token is kept, however near its expiry). */
  get signedIn(): boolean {
    return this.kept() !== undefined;
  }

  /** The name the host gave its customer (the token's `name`), for the welcome. */
  get name(): string | undefined {
    return this.kept()?.name;
  }

  /**
   * A token to send: the kept one while it is not near `exp`, else (or with `fresh`, after a 403) one the
   * host hands over on request. Undefined once there is none: the page goes on signed out.
   */
  async token({ fresh = false } = {}): Promise<string | undefined> {
    const kept = this.kept();
    if (kept && !fresh && kept.expiresAt - Date.now() > REFRESH_BEFORE_MS) return kept.token;
    const answered = await this.askHost();
    if (answered !== undefined) this.keep(answered || undefined);
    else if (fresh || (kept && kept.expiresAt <= Date.now())) this.keep(undefined);
    return this.kept()?.token;
  }

  private kept(): Kept | undefined {
    try {
      const kept = JSON.parse(sessionStorage.getItem(KEPT) ?? 'null') as Kept | null;
      return kept && kept.expiresAt > Date.now() ? kept : undefined;
    } catch {
      return undefined;
    }
  }

  private keep(token: string | undefined): void {
    const kept = token === undefined ? undefined : readClaims(token);
    if (kept) sessionStorage.setItem(KEPT, JSON.stringify(kept));
    else sessionStorage.removeItem(KEPT);
  }

  /** A token message from the host's own origin and window: the token ('' signs out), else undefined. */
  private fromHost(event: MessageEvent<unknown>): string | undefined {
    if (!this.hostOrigin || event.origin !== this.hostOrigin || event.source !== this.hostWindow) return undefined;
    const data = event.data as { type?: unknown; token?: unknown } | null;
    return data?.type === HOST_MESSAGES.token && typeof data.token === 'string' ? data.token : undefined;
  }

  /** Asks the host for a fresh token: what it answers within 5 s, or undefined (no host, or no answer). */
  private askHost(): Promise<string | undefined> {
    const { hostOrigin, hostWindow } = this;
    if (!hostOrigin || !hostWindow) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (token: string | undefined) => {
        clearTimeout(timer);
        window.removeEventListener('message', listen);
        resolve(token);
      };
      const listen = (event: MessageEvent<unknown>) => {
        const token = this.fromHost(event);
        if (token !== undefined) done(token);
      };
      const timer = setTimeout(() => done(undefined), HOST_ANSWER_MS);
      window.addEventListener('message', listen);
      hostWindow.postMessage({ type: HOST_MESSAGES.request }, hostOrigin);
    });
  }
}
