import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startTestServer, type TestServer } from '../support/local-server';

/**
 * A frontend's dev server on another origin (`npm run dev` of a React or Vite app on localhost) calls
 * `npm start` as it would call the deployed stack. Its calls carry JSON and the SDK's headers, so
 * Chromium preflights each one and fails it ("Failed to fetch") unless the preflight allows it; the page
 * must then read the answers, errors and their `x-amzn-ErrorType` included.
 */
let api: TestServer;
let frontend: Server;
let browser: Browser;
jest.setTimeout(60_000);

beforeAll(async () => {
  frontend = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>frontend</title>'));
  await new Promise<void>((resolve) => frontend.listen(0, '127.0.0.1', resolve));
  [api, browser] = await Promise.all([startTestServer(), launchChromium()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await new Promise((resolve) => frontend?.close(resolve));
});

/** The headers the participant SDK sends with every call (it signs, and adds its own). */
const SDK_HEADERS = {
  'content-type': 'application/json',
  'x-amz-user-agent': 'aws-sdk-js/3',
  'amz-sdk-invocation-id': '00000000-0000-4000-8000-000000000000',
  'amz-sdk-request': 'attempt=1; max=3',
  'x-amz-date': '20260101T000000Z',
  'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
  authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=0',
};

test('a page on http://localhost:<port> starts a chat, connects, and reads a refusal', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://localhost:${(frontend.address() as AddressInfo).port}/`);
  const answers = await page.evaluate(
    async ({ base, headers }) => {
      const call = async (path: string, body: object, bearer?: string) => {
        const response = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { ...headers, ...(bearer && { 'x-amz-bearer': bearer }) },
          body: JSON.stringify(body),
        });
        return {
          status: response.status,
          errorType: response.headers.get('x-amzn-ErrorType'),
          body: (await response.json()) as Record<string, unknown>,
        };
      };
      const chat = await call('/widget/chat', { DisplayName: 'Ada' });
      const connection = await call('/participant/connection', { Type: ['CONNECTION_CREDENTIALS'] }, chat.body.ParticipantToken as string);
      const token = (connection.body.ConnectionCredentials as { ConnectionToken: string }).ConnectionToken;
      const sent = await call('/participant/message', { ContentType: 'text/plain', Content: 'hello from another origin' }, token);
      const refused = await call('/participant/transcript', {}, 'not-a-token');
      return [chat, connection, sent, refused].map(({ status, errorType }) => [status, errorType]);
    },
    { base: api.server.url, headers: SDK_HEADERS },
  );
  expect(answers).toEqual([
    [200, null],
    [200, null],
    [200, null],
    [403, 'AccessDeniedException'],
  ]);
  await context.close();
});
