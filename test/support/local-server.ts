import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectClient, type ConnectClientConfig } from '@aws-sdk/client-connect';
import { ConnectParticipantClient } from '@aws-sdk/client-connectparticipant';
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
  options: Pick<LocalServerOptions, 'webDir' | 'now' | 'attachments' | 'attachmentCheck' | 'sweepIntervalMs' | 'routing'> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'persistent-chat-test-'));
  const harness = {} as TestServer;
  const open = async () => {
    harness.server = await startLocalServer({ port: 0, dataDir, logLevel: 'silent', ...options });
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
