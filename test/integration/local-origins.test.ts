import { type IncomingHttpHeaders, request } from 'node:http';
import { CORS_ALLOW_HEADERS } from '../../lambdas/http/cors';
import { startTestServer, type TestServer } from '../support/local-server';

/**
 * The local server on a developer's machine, against web pages the developer visits: a page that
 * rebinds its own DNS name to 127.0.0.1 must get nothing, and no other site may act through the agent
 * desk's credential-free routes.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

interface Answer {
  status: number;
  errorType: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw request: fetch would not let the test choose the Host header. */
function send(path: string, headers: Record<string, string>, body = '', method = body ? 'POST' : 'GET', server = t): Promise<Answer> {
  const url = new URL(path, server.server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (chunk: string) => (text += chunk))
        .on('end', () =>
          resolve({ status: res.statusCode!, errorType: res.headers['x-amzn-errortype'] as string | undefined, headers: res.headers, body: text }),
        );
    });
    req.on('error', reject).end(body);
  });
}

const port = () => new URL(t.server.url).port;

test.each(['127.0.0.1', 'localhost'])('answers requests addressed to %s', async (name) => {
  const answer = await send('/widget/chat', { host: `${name}:${port()}` }, JSON.stringify({ DisplayName: 'Ada' }));
  expect(answer.status).toBe(200);
});

test.each(['evil.example', 'evil.example:80', '127.0.0.1.evil.example'])(
  'refuses requests addressed to another name (%s), before any route',
  async (host) => {
    const answer = await send('/widget/chat', { host }, JSON.stringify({ DisplayName: 'Ada' }));
    expect([answer.status, answer.errorType]).toEqual([403, 'ForbiddenException']);
  },
);

describe('CORS: a frontend dev server on another origin calls the API as it would the stack', () => {
  const host = () => ({ host: `127.0.0.1:${port()}` });
  /** What a browser sends before the participant SDK's first call from another origin. */
  const preflight = (path: string, origin: string, method = 'POST', server = t) =>
    send(
      path,
      { ...host(), origin, 'access-control-request-method': method, 'access-control-request-headers': CORS_ALLOW_HEADERS.join(',') },
      '',
      'OPTIONS',
      server,
    );

  test.each([
    ['POST', '/participant/message', 'http://localhost:3000'],
    ['POST', '/participant/transcript', 'http://localhost:5173'],
    ['POST', '/widget/chat', 'http://localhost:5173'],
    ['PUT', '/contact/chat', 'http://localhost:3000'],
    ['GET', '/contacts/instance/contact-id', 'http://localhost:3000'],
    ['GET', '/agent-api/waiting', 'http://localhost:5173'],
  ])('answers the preflight of %s %s from %s', async (method, path, origin) => {
    const answer = await preflight(path, origin, method);
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['access-control-allow-methods']!.split(',')).toContain(method);
    expect(answer.headers['access-control-allow-headers']!.split(',')).toEqual(expect.arrayContaining(CORS_ALLOW_HEADERS));
    expect(answer.headers['access-control-max-age']).toBe('3600');
  });

  test("puts the CORS headers on the adapter's own refusals too, so the page can read the error", async () => {
    const origin = { ...host(), origin: 'http://localhost:3000' };
    const answers = [
      await send('/contact/chat', origin, '{}', 'PUT'), // not signed
      await send('/participant/nowhere', origin, '{}'),
      await send('/participant/message', origin, '{}', 'PUT'),
      await send('/widget/chat', origin, '{}'), // the handler's own refusal
    ];
    expect(answers.map((a) => [a.status, a.errorType, a.headers['access-control-allow-origin'], a.headers['access-control-expose-headers']])).toEqual(
      [
        [403, 'AccessDeniedException', '*', 'x-amzn-RequestId,x-amzn-ErrorType'],
        [404, 'UnknownOperationException', '*', 'x-amzn-RequestId,x-amzn-ErrorType'],
        [405, 'MethodNotAllowedException', '*', 'x-amzn-RequestId,x-amzn-ErrorType'],
        [400, 'ValidationException', '*', 'x-amzn-RequestId,x-amzn-ErrorType'],
      ],
    );
  });

  test('keeps the Host check before CORS', async () => {
    const answer = await send(
      '/participant/message',
      { host: 'evil.example', origin: 'http://evil.example', 'access-control-request-method': 'POST' },
      '',
      'OPTIONS',
    );
    expect([answer.status, answer.errorType, answer.headers['access-control-allow-origin']]).toEqual([403, 'ForbiddenException', undefined]);
  });

  test('allows only the origins CORS_ALLOW_ORIGINS lists, when it lists some', async () => {
    const before = process.env.CORS_ALLOW_ORIGINS;
    process.env.CORS_ALLOW_ORIGINS = 'http://localhost:5173, https://shop.example';
    const listed = await startTestServer();
    try {
      const allowed = await preflight('/participant/message', 'http://localhost:5173', 'POST', listed);
      expect([allowed.status, allowed.headers['access-control-allow-origin'], allowed.headers.vary]).toEqual([
        204,
        'http://localhost:5173',
        'Origin',
      ]);
      const other = await preflight('/participant/message', 'http://localhost:3000', 'POST', listed);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const call = await send(
        '/widget/chat',
        { host: new URL(listed.server.url).host, origin: 'https://shop.example' },
        JSON.stringify({ DisplayName: 'Ada' }),
        'POST',
        listed,
      );
      expect([call.status, call.headers['access-control-allow-origin']]).toEqual([200, 'https://shop.example']);
    } finally {
      if (before === undefined) delete process.env.CORS_ALLOW_ORIGINS;
      else process.env.CORS_ALLOW_ORIGINS = before;
      await listed.stop();
    }
  });
});
