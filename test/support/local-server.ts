import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectClient, type ConnectClientConfig } from '@aws-sdk/client-connect';
import { ConnectParticipantClient } from '@aws-sdk/client-connectparticipant';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { type LocalServer, type LocalServerOptions, startLocalServer } from '../../local/server';

/** A local server on a free port with a fresh data directory, driven through the real SDK clients. */
export interface TestServer {
  server: LocalServer;
  dataDir: string;
  connect: ConnectClient;
  participant: ConnectParticipantClient;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The two API clients alone: what helpers that only call the APIs need (the bench drives its own server). */
export type ApiClients = Pick<TestServer, 'connect' | 'participant'>;

export const connectClient = (endpoint: string, credentials = { accessKeyId: 'local', secretAccessKey: 'local' }, signingName?: string) =>
  // `signingName` is honoured by the SDK's SigV4 config though the client's type does not list it.
  new ConnectClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1, ...(signingName && { signingName }) } as ConnectClientConfig);

export const participantClient = (endpoint: string) =>
  new ConnectParticipantClient({
    endpoint,
    region: 'us-east-1',
    // The participant API authenticates by X-Amz-Bearer; the SDK insists on signing too.
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    maxAttempts: 1,
  });

export async function startTestServer(
  options: Pick<
    LocalServerOptions,
    'webDir' | 'now' | 'attachments' | 'attachmentCheck' | 'sweepIntervalMs' | 'websocket' | 'customerTokens' | 'logLevel' | 'routing'
  > = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'persistent-chat-test-'));
  const harness = {} as TestServer;
  const open = async () => {
    harness.server = await startLocalServer({ port: 0, dataDir, ...options, logLevel: options.logLevel ?? 'silent' });
    harness.connect = connectClient(harness.server.url);
    harness.participant = participantClient(harness.server.url);
  };
  const close = async () => {
    harness.connect.destroy();
    harness.participant.destroy();
    await harness.server.stop();
  };
  await open();
  Object.assign(harness, {
    dataDir,
    restart: async () => {
      await close();
      await open();
    },
    stop: async () => {
      await close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
  return harness;
}

/** The local server of one test file: started before its tests, stopped after them. */
export function serverForFile(): () => TestServer {
  let t: TestServer | undefined;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.stop();
  });
  return () => t!;
}

/** What an SDK call came to: its output, or the error's name, HTTP status and message, for one `toEqual`. */
export async function outcome<T>(call: Promise<T>): Promise<T | { name: string; status?: number; message: string }> {
  return call.catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => ({
    name: e.name,
    status: e.$metadata?.httpStatusCode,
    message: e.message,
  }));
}

/** Polls `check` until it returns something other than undefined, within `ms` (for what the server's sweep does on its timer). */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not so within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A POST to one of our signed (operator) routes, SigV4-signed with the local credentials as an SDK client signs. */
export async function signedPost(
  t: TestServer,
  path: string,
  body: unknown,
): Promise<{ status: number; errorType: string | null; body: Record<string, unknown> }> {
  const url = new URL(t.server.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    region: 'us-east-1',
    service: 'connect',
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'POST',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host, 'content-type': 'application/json' },
    body: text,
  });
  const { host: _host, ...headers } = (await signer.sign(request)).headers;
  const response = await fetch(`${t.server.url}${path}`, { method: 'POST', headers, body: text });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: (await response.json()) as Record<string, unknown> };
}
