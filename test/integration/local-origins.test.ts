import { request } from 'node:http';
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

/** A raw request: fetch would not let the test choose the Host header. */
function send(path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; errorType: string | undefined; body: string }> {
  const url = new URL(path, t.server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () =>
        resolve({ status: res.statusCode!, errorType: res.headers['x-amzn-errortype'] as string | undefined, body: text }),
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

test.each(['evil.example', 'evil.example:80', '127.0.0.1.evil.example'])('refuses requests addressed to another name (%s), before any route', async (host) => {
  const answer = await send('/widget/chat', { host }, JSON.stringify({ DisplayName: 'Ada' }));
  expect([answer.status, answer.errorType]).toEqual([403, 'ForbiddenException']);
});

test('the agent routes answer the pages this server serves, and no other site', async () => {
  const { ContactId } = JSON.parse((await send('/widget/chat', { host: `127.0.0.1:${port()}` }, JSON.stringify({ DisplayName: 'Ada' }))).body) as { ContactId: string };
  const join = (origin?: string) => send('/local/agent/join', { host: `127.0.0.1:${port()}`, ...(origin && { origin }) }, JSON.stringify({ ContactId, DisplayName: 'Sam' }));

  const foreign = await join('https://evil.example');
  expect([foreign.status, foreign.errorType]).toEqual([403, 'ForbiddenException']);
  expect(foreign.body).not.toContain('ParticipantToken');
  expect((await join(`http://localhost:${port()}`)).status).toBe(403); // another origin, though the same machine
  expect(JSON.parse((await join(`http://127.0.0.1:${port()}`)).body)).toHaveProperty('ParticipantToken');
  expect(JSON.parse((await join()).body)).toHaveProperty('ParticipantToken'); // no Origin: not a browser's cross-site request
});
