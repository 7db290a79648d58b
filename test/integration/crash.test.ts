import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessDeniedException } from '@aws-sdk/client-connectparticipant';
import { type Connected, leave, messages, pageBack, say, startChat, transfer } from '../support/chat';
import { connectClient, participantClient, type TestServer } from '../support/local-server';

/**
 * Kills `npm start`'s server with SIGKILL in the middle of a burst of messages and contact ends,
 * starts it again on the same data, and checks nothing acknowledged was lost.
 */
const root = join(__dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'persistent-chat-crash-'));

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, '.build/local.cjs')], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
}

/** The harness shape the chat helpers take, on a server in another process. */
const harness = (url: string) => ({ connect: connectClient(url), participant: participantClient(url) }) as unknown as TestServer;

/** DynamoDB Local exits when its parent dies; wait for it before reusing the data directory. */
async function waitForChildrenGone(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const running = execFileSync('ps', ['-eo', 'args'])
      .toString()
      .split('\n')
      .some((line) => line.includes(dataDir));
    if (!running) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('DynamoDB Local outlived its parent');
}

interface Tracked {
  chat: Connected;
  acked: string[];
  endedContacts: string[];
  left: boolean;
}

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build:local'], { cwd: root, stdio: 'ignore' });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('keeps every acknowledged message and ended contact across a SIGKILL mid-burst', async () => {
  const first = await startServer();
  const t = harness(first.url);
  const tracked: Tracked[] = [];
  let killed = false;
  const chats = await Promise.all(Array.from({ length: 6 }, () => startChat(t)));
  const burst = async (chat: Connected, n: number) => {
    const entry: Tracked = { chat, acked: [], endedContacts: [], left: false };
    tracked.push(entry);
    let contactId = chat.contactId;
    for (let i = 0; !killed; i++) {
      try {
        const text = `chat${n} m${i}`;
        await say(t, chat, text);
        entry.acked.push(text);
        if (i % 4 === 3) {
          const next = await transfer(t, contactId, 'q');
          entry.endedContacts.push(contactId);
          contactId = next;
        }
        if (i === 13 && n % 2 === 0) {
          await leave(t, chat);
          entry.endedContacts.push(contactId);
          entry.left = true;
          return;
        }
      } catch {
        return; // the server is gone; whatever was not acknowledged may be lost
      }
    }
  };
  const running = Promise.all(chats.map(burst));
  // Kill mid-burst: once a dozen messages are in (however slow the machine is today), not after a fixed time.
  const acked = () => tracked.reduce((sum, entry) => sum + entry.acked.length, 0);
  for (const deadline = Date.now() + 20_000; acked() < 12 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
  killed = true;
  first.child.kill('SIGKILL');
  await running;
  await waitForChildrenGone();
  expect(acked()).toBeGreaterThan(6);

  const second = await startServer();
  try {
    // Every contact that ended before the kill has its transcript file, written at the latest on restart.
    const files = listFiles(join(dataDir, 's3')).join('\n');
    for (const entry of tracked) for (const contactId of entry.endedContacts) expect(files).toContain(`${contactId}_`);

    const u = harness(second.url);
    for (const entry of tracked) {
      // The customer leaves, ending whichever contact is active now (a transfer may have landed unacknowledged).
      // (It may have left already, in a request the kill cut off before its answer.)
      if (!entry.left) await leave(u, entry.chat).catch((error: unknown) => expect(error).toBeInstanceOf(AccessDeniedException));
      const resumed = await startChat(u, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: entry.chat.contactId } });
      const seen = messages((await pageBack(u, resumed, 3)).flat());
      for (const text of entry.acked) expect(seen).toContain(text);
      expect(new Set(seen).size).toBe(seen.length);
    }
  } finally {
    second.child.kill('SIGTERM');
    await waitForChildrenGone();
  }
}, 120_000);

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
