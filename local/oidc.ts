import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK, jwtVerify } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { type AgentClaims, AGENT_SCOPE } from '../lambdas/http/agent';

/**
 * The local sign-in: a real OpenID Connect provider (oidc-provider) in the local server's process, at
 * `/oidc`, standing in for the Cognito user pool of a deployment. Its sign-in page asks only for a
 * username and queues; its access tokens are JWTs with the claims Cognito puts in its own (`username`,
 * `cognito:groups`, `token_use`, `client_id`, `scope`), and the local server checks them on the agent
 * routes as API Gateway's Cognito authorizer does on AWS: signature, issuer, expiry, scope. Anyone who
 * can reach 127.0.0.1 can sign in as anyone: it is a local demo, like the rest of `npm start`.
 *
 * How a token is revoked: it expires after an hour (no refresh tokens); the signing key lives in the
 * data directory, and deleting `oidc-keys.json` (then restarting) revokes every token at once.
 */
export const OIDC_PATH = '/oidc';
/** The agent desk's client: public (no secret), authorization code with PKCE, as the stack's user pool client. */
export const DESK_CLIENT_ID = 'agent-desk';
/** The agent API, as the resource its access tokens are for. */
const AGENT_API_RESOURCE = 'urn:persistent-chat:agent-api';
const ACCESS_TOKEN_TTL_SECONDS = 3600;
const MAX_FORM_BYTES = 4096;
const MAX_QUEUES = 25;

export interface LocalOidc {
  issuer: string;
  /** Serves `/oidc/*` (the provider and its sign-in page); false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The claims of a valid access token, or why it is refused. */
  verify(token: string): Promise<AgentClaims | { refused: string }>;
}

/** Who signs in: the account id carries the username and queues, so the provider keeps no accounts. */
interface Account {
  username: string;
  queues: string[];
}
const accountId = (account: Account) => Buffer.from(JSON.stringify(account)).toString('base64url');
const accountOf = (id: string): Account => JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as Account;

/** The signing key, made once per data directory (readable by this user only) so tokens outlive a restart. */
async function signingKey(file: string): Promise<JWK> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as JWK;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  writeFileSync(file, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
  return jwk;
}

export async function startLocalOidc(options: { origin: string; keyFile: string; redirectUris: string[] }): Promise<LocalOidc> {
  const issuer = `${options.origin}${OIDC_PATH}`;
  const key = await signingKey(options.keyFile);
  const claimsOf = (account: Account) => ({ username: account.username, 'cognito:groups': account.queues });
  const configuration: Configuration = {
    clients: [
      {
        client_id: DESK_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.redirectUris,
      },
    ],
    jwks: { keys: [key] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub', 'username', 'cognito:groups'] },
    scopes: ['openid'],
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...claimsOf(accountOf(id)) }) }),
    extraTokenClaims: (_ctx, token) =>
      token.kind === 'AccessToken' && token.accountId ? { ...claimsOf(accountOf(token.accountId)), token_use: 'access' } : undefined,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AGENT_API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: AGENT_SCOPE, accessTokenFormat: 'jwt', accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS }),
      },
    },
    // A first-party desk: no consent screen; signing in grants it the agent API.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return provider.Grant.find(grantId);
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid');
      grant.addResourceScope(AGENT_API_RESOURCE, AGENT_SCOPE);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `${OIDC_PATH}/interaction/${interaction.uid}` },
    ttl: { AccessToken: ACCESS_TOKEN_TTL_SECONDS, IdToken: ACCESS_TOKEN_TTL_SECONDS, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600 },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<p role="alert">${escapeHtml(String(out.error_description ?? out.error))}</p>`);
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();
  const publicKeys: JSONWebKeySet = { keys: [{ kty: key.kty!, n: key.n, e: key.e, kid: key.kid, alg: key.alg, use: key.use }] };
  const keySet = createLocalJWKSet(publicKeys);

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, submitted: boolean): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (!submitted) {
      send(res, 200, signInPage(uid));
      return;
    }
    const form = new URLSearchParams(await readForm(req));
    const username = (form.get('username') ?? '').trim();
    const queues = [
      ...new Set(
        (form.get('queues') ?? '')
          .split(',')
          .map((queue) => queue.trim())
          .filter(Boolean),
      ),
    ];
    const problem = !/^[\w.@+-]{1,128}$/.test(username)
      ? 'Enter a username: letters, digits and . _ @ + - only.'
      : queues.length > MAX_QUEUES || queues.some((queue) => queue.length > 128)
        ? `Name at most ${MAX_QUEUES} queues.`
        : undefined;
    if (problem) {
      send(res, 400, signInPage(uid, problem, username, form.get('queues') ?? ''));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: accountId({ username, queues }) } }, { mergeWithLastSubmission: false });
  }

  return {
    issuer,
    async handle(req, res) {
      const url = new URL(req.url ?? '/', options.origin);
      if (url.pathname !== OIDC_PATH && !url.pathname.startsWith(`${OIDC_PATH}/`)) return false;
      const signIn = /^\/oidc\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
      try {
        if (signIn && (req.method === 'GET' || req.method === 'POST')) {
          await interaction(req, res, signIn[1]!, req.method === 'POST' && signIn[2] !== undefined);
          return true;
        }
      } catch {
        send(res, 400, page('Sign in', '<p role="alert">This sign-in has expired. Go back to the agent desk and sign in again.</p>'));
        return true;
      }
      // Mounted under /oidc: the provider sees its own paths, as under Express's app.use.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
      req.url = (req.url ?? '/').slice(OIDC_PATH.length) || '/';
      await new Promise<void>((resolve) => {
        res.once('finish', resolve);
        res.once('close', resolve);
        callback(req, res);
      });
      return true;
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, keySet, { issuer, algorithms: ['RS256'] });
        const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
        if (payload.token_use !== 'access' || payload.client_id !== DESK_CLIENT_ID || !scopes.includes(AGENT_SCOPE)) {
          return { refused: 'not an access token of the agent desk' };
        }
        return payload as AgentClaims;
      } catch (error) {
        return { refused: (error as Error).message };
      }
    },
  };
}

function readForm(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_FORM_BYTES) req.destroy(new Error('form too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  });
  res.end(html);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><link rel="stylesheet" href="/style.css"></head><body><main class="app"><header class="bar"><h1>${title} <small>local</small></h1></header>${body}</main></body></html>`;
}

/** The local provider's only screen: who you are, and your queues (Cognito's groups on AWS). */
function signInPage(uid: string, problem?: string, username = '', queues = 'support'): string {
  return page(
    'Agent sign-in',
    `<section class="welcome">${problem ? `<p class="error" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="${OIDC_PATH}/interaction/${uid}/login">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required maxlength="128" value="${escapeHtml(username)}" autofocus>
<label for="queues">Queues</label><input id="queues" name="queues" maxlength="2000" value="${escapeHtml(queues)}" aria-describedby="queues-hint">
<p id="queues-hint" class="hint">Comma-separated, for example: support, billing</p>
<div class="actions"><button type="submit">Sign in</button></div>
</form></section>`,
  );
}
