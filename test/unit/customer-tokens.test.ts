import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { CLOCK_SKEW_SECONDS, type CustomerTokenSettings, CustomerTokens } from '../../lambdas/http/customer-tokens';
import { DomainError } from '../../lambdas/domain/errors';

const SECRET = 'a-secret-the-host-and-the-service-share-0123456789';
const now = () => Math.floor(Date.now() / 1000);

const hs256 = (claims: JWTPayload, secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** What verifying came to: the claim, or the failure's kind. */
async function verdict(tokens: CustomerTokens, token: string) {
  try {
    return await tokens.verify(token);
  } catch (error) {
    if (error instanceof DomainError) return error.kind;
    throw error;
  }
}

describe('HS256 with a shared secret', () => {
  const tokens = new CustomerTokens({ secret: SECRET, issuer: 'https://shop.example', audience: 'persistent-chat' });
  const good = { sub: 'customer-42', name: 'Ada', iss: 'https://shop.example', aud: 'persistent-chat', exp: now() + 300 };

  test('a genuine token names its customer and display name', async () => {
    expect(await verdict(tokens, await hs256(good))).toEqual({ customerId: 'customer-42', name: 'Ada' });
    const { name: _name, ...nameless } = good;
    expect(await verdict(tokens, await hs256(nameless))).toEqual({ customerId: 'customer-42', name: undefined });
  });

  test.each([
    ['signed with another secret', () => hs256(good, 'another-secret-of-the-same-kind-0123456789')],
    ['expired', () => hs256({ ...good, exp: now() - CLOCK_SKEW_SECONDS - 5 })],
    ['of another issuer', () => hs256({ ...good, iss: 'https://evil.example' })],
    ['for another audience', () => hs256({ ...good, aud: 'someone-else' })],
    ['without sub', () => hs256({ ...good, sub: undefined })],
    ['without exp', () => hs256({ ...good, exp: undefined })],
    ['with a sub longer than 256 characters', () => hs256({ ...good, sub: 'x'.repeat(257) })],
    ['unsigned (alg: none)', async () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(good)}.`],
    [
      'altered after signing',
      async () => {
        const [header, , signature] = (await hs256(good)).split('.');
        return `${header}.${base64url({ ...good, sub: 'someone-else' })}.${signature}`;
      },
    ],
  ])('a token %s is refused (403)', async (_, make) => {
    expect(await verdict(tokens, await make())).toBe('AccessDenied');
  });

  test('a token expired within the allowed clock skew is taken', async () => {
    expect(await verdict(tokens, await hs256({ ...good, exp: now() - CLOCK_SKEW_SECONDS + 10 }))).toMatchObject({ customerId: 'customer-42' });
  });

  test('an RS256 token is refused where only HS256 is configured', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT(good).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    expect(await verdict(tokens, token)).toBe('AccessDenied');
  });

  test.each([
    ['plain text', 'not a token'],
    ['two segments', 'a.b'],
    ['too long', 'x'.repeat(9000)],
    ['not base64url', '!!.??.##'],
    ['a header that is not JSON', `${Buffer.from('not json').toString('base64url')}.e30.`],
  ])('a string that is not a JWS is malformed (400): %s', async (_, token) => {
    expect(await verdict(tokens, token)).toBe('InvalidParameter');
  });
});

test('with nothing configured, every customer token is refused', async () => {
  const tokens = new CustomerTokens({});
  expect(tokens.enabled).toBe(false);
  expect(await verdict(tokens, await hs256({ sub: 'a', exp: now() + 60 }))).toBe('AccessDenied');
});

describe('RS256 and ES256 against the host JWKS', () => {
  let server: Server;
  let settings: CustomerTokenSettings;
  const keys: Record<string, CryptoKey> = {};

  beforeAll(async () => {
    const jwks: object[] = [];
    for (const alg of ['RS256', 'ES256']) {
      const pair = await generateKeyPair(alg);
      keys[alg] = pair.privateKey;
      jwks.push({ ...(await exportJWK(pair.publicKey)), kid: alg, alg, use: 'sig' });
    }
    server = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwks })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    settings = { jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` };
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const signed = (alg: string, key: CryptoKey, claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid: alg }).setExpirationTime('5m').sign(key);

  test.each(['RS256', 'ES256'])('%s with a key of the JWKS is taken', async (alg) => {
    expect(await verdict(new CustomerTokens(settings), await signed(alg, keys[alg]!, { sub: `c-${alg}` }))).toEqual({
      customerId: `c-${alg}`,
      name: undefined,
    });
  });

  test('a key not in the JWKS, and HS256 where only the JWKS is configured, are refused', async () => {
    const tokens = new CustomerTokens(settings);
    const { privateKey } = await generateKeyPair('ES256');
    expect(await verdict(tokens, await signed('ES256', privateKey, { sub: 'c' }))).toBe('AccessDenied');
    expect(await verdict(tokens, await hs256({ sub: 'c', exp: now() + 60 }))).toBe('AccessDenied');
  });

  test('with both configured, each algorithm finds its own key', async () => {
    const tokens = new CustomerTokens({ ...settings, secret: SECRET });
    expect(await verdict(tokens, await hs256({ sub: 'h', exp: now() + 60 }))).toMatchObject({ customerId: 'h' });
    expect(await verdict(tokens, await signed('ES256', keys.ES256!, { sub: 'e' }))).toMatchObject({ customerId: 'e' });
  });
});
