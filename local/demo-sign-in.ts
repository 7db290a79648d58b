import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import { LIMITS } from '../lambdas/domain/limits';
import { readBody } from './api-gateway';
import { securityHeaders } from './static-files';

/**
 * `npm start` with CUSTOMER_TOKEN_SECRET set: a stand-in for a host site's sign-in, so a person can try
 * "sign in as Ada on two browsers". It mints the customer token a host's backend would (HS256 with the
 * shared secret, jose) and opens the chat page with it in the fragment, as docs/customer-identity.md
 * tells a host to. Local only: never in ROUTES, never deployed, and it answers only forms posted from the
 * pages of this server (the loopback host check comes first, in server.ts).
 */
export const DEMO_SIGN_IN_PATH = '/demo/sign-in';

/** As a host would sign them: minutes. The demo has no host to refresh it; sign in again after. */
const DEMO_TOKEN_LIFETIME = '15m';

const FORM = (problem = '') => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Demo sign-in</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <main class="app">
    <header class="bar"><h1>Demo sign-in</h1></header>
    ${problem && `<p class="error" role="alert">${problem}</p>`}
    <section class="welcome" aria-labelledby="title">
      <h2 id="title">Sign in as a customer of the host site</h2>
      <p class="hint">Local demo only: this stands in for your site's own sign-in. Sign in with the same customer id in two browsers, and both open the same conversation.</p>
      <form method="post" action="${DEMO_SIGN_IN_PATH}">
        <label for="name">Name</label>
        <input id="name" name="name" autocomplete="name" required maxlength="${LIMITS.DisplayName.max}">
        <label for="customer-id">Customer id</label>
        <input id="customer-id" name="customerId" required maxlength="${LIMITS.CustomerTokenSubject.max}">
        <div class="actions"><button type="submit">Sign in</button></div>
      </form>
    </section>
  </main>
</body>
</html>`;

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    ...securityHeaders(undefined),
    // Without a referrer a browser posts the form with `Origin: null`: same-origin keeps its origin for the check below.
    'Referrer-Policy': 'same-origin',
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** GET: the form. POST (from this server's own page): a customer token for that name and id, and off to the chat page with it. */
export async function demoSignIn(req: IncomingMessage, res: ServerResponse, secret: string): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') return answer(res, 200, FORM());
  if (req.method !== 'POST') return answer(res, 405, FORM('Use the form.'));
  // A page elsewhere could post this form too (forms are not bound by CORS): only our own may.
  if (req.headers.origin !== `http://${req.headers.host}`) return answer(res, 403, FORM('Sign in from this page.'));
  const body = await readBody(req, 4096);
  const form = new URLSearchParams(body === 'too-large' || body === 'not-utf8' ? '' : body);
  const name = form.get('name')?.trim() ?? '';
  const customerId = form.get('customerId')?.trim() ?? '';
  const fits = (value: string, { min, max }: { min: number; max: number }) => value.length >= min && value.length <= max;
  if (!fits(name, LIMITS.DisplayName) || !fits(customerId, LIMITS.CustomerTokenSubject)) {
    return answer(res, 400, FORM('Enter a name and a customer id.'));
  }
  const token = await new SignJWT({ name })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(customerId)
    .setIssuedAt()
    .setExpirationTime(DEMO_TOKEN_LIFETIME)
    .sign(new TextEncoder().encode(secret));
  // In the fragment: never sent to a server, never in a Referer; the page wipes it from the address.
  res.writeHead(303, { ...securityHeaders(undefined), Location: `/#customer-token=${token}`, 'Content-Length': '0' });
  res.end();
}
