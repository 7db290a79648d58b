import { createHash, randomBytes } from 'node:crypto';

/**
 * An agent signing in through the local OpenID Connect provider as the desk does (authorization code
 * with PKCE, the sign-in form's "Username" and "Queues"), without a browser; and the agent API, called
 * with the access token it gets.
 */
export async function signIn(baseUrl: string, username: string, queues: readonly string[]): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = `${baseUrl}/agent`;
  const cookies = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(new URL(url, baseUrl), { ...init, redirect: 'manual', headers: { ...(init.headers as object), cookie } });
    for (const set of response.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  };
  const authorize = new URLSearchParams({
    client_id: 'agent-desk',
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  });
  const interaction = (await go(`/oidc/auth?${authorize}`)).headers.get('location')!;
  const form = await go(interaction);
  if (!(await form.text()).includes('Sign in')) throw new Error('no sign-in page');
  let response = await go(`${interaction}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, queues: queues.join(', ') }),
  });
  let location = response.headers.get('location');
  while (location && !location.startsWith(redirectUri)) {
    response = await go(location);
    location = response.headers.get('location');
  }
  const code = location && new URL(location).searchParams.get('code');
  if (!code) throw new Error(`sign-in ended without a code (${response.status})`);
  const token = await fetch(`${baseUrl}/oidc/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: 'agent-desk',
      code_verifier: verifier,
    }),
  });
  const { access_token: accessToken } = (await token.json()) as { access_token: string };
  return accessToken;
}

export interface AgentApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** The agent API with one agent's access token. */
export function agentApi(baseUrl: string, token: string | undefined) {
  return async <T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: object): Promise<AgentApiAnswer<T>> => {
    const response = await fetch(`${baseUrl}/agent-api/${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: body && JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
}
