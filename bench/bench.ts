/**
 * `npm run bench`: latency, store reads and throughput against the local server, and each handler's
 * bundle size and cold initialisation. Prints a table and writes JSON under bench/results/.
 * A benchmark, not a test: it asserts nothing, it measures.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { StartChatContactCommand, StopContactCommand } from '@aws-sdk/client-connect';
import { CreateParticipantConnectionCommand, GetTranscriptCommand, SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import { ConnectClient } from '@aws-sdk/client-connect';
import { ConnectParticipantClient } from '@aws-sdk/client-connectparticipant';
import { HANDLER_BUNDLING, handlerBuildOptions } from '../lib/handler-bundling';
import { startLocalServer, type LocalServer } from '../lambdas/local/server';
import { ROUTES, WEBSOCKET_ROUTES } from '../lambdas/routes';
import { DynamoContactStore } from '../lambdas/stores/dynamodb/contact-store';
import { S3TranscriptFiles } from '../lambdas/stores/s3/transcript-files';

const INSTANCE = 'bench';
const root = join(__dirname, '..');
const quick = process.argv.includes('--quick');
const DEPTHS = quick ? [1, 10] : [1, 10, 100, 1000];
const SAMPLES = quick ? 10 : 40;

interface Stats {
  median: number;
  p95: number;
}
const stats = (values: number[]): Stats => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { median: round(at(0.5)), p95: round(at(0.95)) };
};
const round = (n: number) => Math.round(n * 100) / 100;
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function time<T>(run: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await run();
  return [ms(start), result];
}

/** Counts the store reads the server makes: DynamoDB reads by an SDK middleware on its client, S3 GETs by wrapping its object client. */
function countStoreReads(server: LocalServer) {
  let reads = 0;
  const readCommands = new Set(['GetCommand', 'GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
  const counter = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
    if (readCommands.has(context.commandName ?? '')) reads++;
    return next(args);
  };
  server.clients.db.middlewareStack.add(counter as never, { step: 'initialize', name: 'benchReadCounter' });
  const objects = server.clients.s3;
  const get = objects.get.bind(objects);
  objects.get = (key) => {
    reads++;
    return get(key);
  };
  return { take: () => { const n = reads; reads = 0; return n; } };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'persistent-chat-bench-'));
  const server = await startLocalServer({ port: 0, dataDir, logLevel: 'error' });
  const connect = new ConnectClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const participant = new ConnectParticipantClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const counter = countStoreReads(server);
  const results: Record<string, unknown> = {};

  const start = async (source?: string) => {
    const chat = await connect.send(new StartChatContactCommand({
      InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Bench' },
      PersistentChat: source ? { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: source } : undefined,
    }));
    const { ConnectionCredentials } = await participant.send(new CreateParticipantConnectionCommand({ ParticipantToken: chat.ParticipantToken, Type: ['CONNECTION_CREDENTIALS'] }));
    return { contactId: chat.ContactId!, token: ConnectionCredentials!.ConnectionToken! };
  };
  const say = (token: string, text: string) => participant.send(new SendMessageCommand({ ConnectionToken: token, ContentType: 'text/plain', Content: text }));
  const stop = (contactId: string) => connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
  const page = (token: string, nextToken?: string) =>
    participant.send(new GetTranscriptCommand({ ConnectionToken: token, MaxResults: 10, ScanDirection: 'BACKWARD', NextToken: nextToken }));

  // Warm the JIT (node's and DynamoDB Local's) first, so depth 1 is not measured cold against the rest.
  for (let i = 0; i < (quick ? 10 : 50); i++) {
    const chat = await start();
    await say(chat.token, 'warm-up');
    await page(chat.token);
    await stop(chat.contactId);
  }

  // 1. Paging at depth: a line of `depth` past chats, each with a few messages, read from a new chat.
  const paging: Record<number, unknown> = {};
  let previous: string | undefined;
  let built = 0;
  for (const depth of DEPTHS) {
    for (; built < depth; built++) {
      const chat = await start(previous);
      for (let m = 0; m < 4; m++) await say(chat.token, `chat ${built} message ${m}`);
      await stop(chat.contactId);
      previous = chat.contactId;
    }
    // Each depth reads from its own new chat, continued from the newest past chat, then ended, so the next depth can continue the line.
    const reader = await start(previous);
    await say(reader.token, 'reading');
    const first: number[] = [];
    const firstReads: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      counter.take();
      first.push((await time(() => page(reader.token)))[0]);
      firstReads.push(counter.take());
    }
    let token: string | undefined;
    for (let p = 0; p < 4; p++) token = (await page(reader.token, token)).NextToken;
    const fifth: number[] = [];
    const fifthReads: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      counter.take();
      fifth.push((await time(() => page(reader.token, token)))[0]);
      fifthReads.push(counter.take());
    }
    const naive = await time(() => naivePage(server, reader.contactId));
    paging[depth] = {
      firstPage: stats(first),
      fifthPage: stats(fifth),
      storeReadsFirstPage: { cold: firstReads[0], warm: stats(firstReads.slice(1)).median },
      storeReadsFifthPage: { cold: fifthReads[0], warm: stats(fifthReads.slice(1)).median },
      naiveWholeLineMs: round(naive[0]),
      naiveStoreReads: naive[1],
    };
    await stop(reader.contactId);
    previous = reader.contactId;
    built++;
    process.stderr.write(`paging at depth ${depth} measured\n`);
  }
  results.paging = paging;

  // 2. Single operations.
  const plain: number[] = [];
  for (let i = 0; i < SAMPLES; i++) plain.push((await time(() => connect.send(new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'f', ParticipantDetails: { DisplayName: 'b' } }))))[0]);
  const sources: string[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const chat = await start();
    await say(chat.token, 'source');
    await stop(chat.contactId);
    sources.push(chat.contactId);
  }
  const rehydrating: number[] = [];
  for (const source of sources) {
    rehydrating.push((await time(() => connect.send(new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'f', ParticipantDetails: { DisplayName: 'b' }, PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: source } }))))[0]);
  }
  const talker = await start();
  const sending: number[] = [];
  for (let i = 0; i < SAMPLES; i++) sending.push((await time(() => say(talker.token, `m${i}`)))[0]);
  const longLine = DEPTHS.includes(100) ? 100 : DEPTHS[DEPTHS.length - 1]!;
  results.operations = {
    startChatContact: stats(plain),
    startChatContactWithRehydration: stats(rehydrating),
    sendMessage: stats(sending),
  };

  // Full paging of the whole line, from the newest reader back to the first chat.
  const fullReader = await start(previous);
  const [fullMs, pages] = await time(async () => {
    let count = 0;
    let token: string | undefined;
    do {
      token = (await participant.send(new GetTranscriptCommand({ ConnectionToken: fullReader.token, MaxResults: 100, ScanDirection: 'BACKWARD', NextToken: token }))).NextToken;
      count++;
    } while (token);
    return count;
  });
  results.fullPaging = { pastChats: built, pages, totalMs: round(fullMs), msPerPage: round(fullMs / pages) };
  void longLine;

  // 3. SendMessage throughput with concurrent chats.
  const throughput: Record<number, number> = {};
  for (const concurrency of quick ? [1, 10] : [1, 10, 100]) {
    const chats = await Promise.all(Array.from({ length: concurrency }, () => start()));
    let sent = 0;
    const until = Date.now() + (quick ? 1500 : 4000);
    const startedAt = process.hrtime.bigint();
    await Promise.all(chats.map(async (chat) => {
      while (Date.now() < until) {
        await say(chat.token, 'load');
        sent++;
      }
    }));
    throughput[concurrency] = round(sent / (ms(startedAt) / 1000));
  }
  results.sendMessagePerSecond = throughput;

  connect.destroy();
  participant.destroy();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });

  // 4. Handlers: bundle size and initialisation in a fresh process (the proxy for a Lambda cold start).
  results.handlers = await measureHandlers();
  report(results);
}

/** The naive reader: loads every contact of the line and all their items, then cuts one page. */
async function naivePage(server: LocalServer, readerContactId: string): Promise<number> {
  const store = new DynamoContactStore(server.clients.db, server.config.tableName);
  const files = new S3TranscriptFiles(server.clients.s3);
  let reads = 0;
  const items: { AbsoluteTime: string }[] = [];
  for (let id: string | undefined = readerContactId; id; ) {
    const contact = await store.getContact(id);
    reads++;
    if (!contact) break;
    items.push(...(contact.transcriptKey
      ? ((await files.get(contact.transcriptKey))?.Transcript ?? [])
      : await store.queryItems(contact.contactId, { direction: 'FORWARD' }, 100_000)));
    reads++;
    id = contact.previousContactId ?? contact.continuedFromContactId;
  }
  items.sort((a, b) => (a.AbsoluteTime < b.AbsoluteTime ? 1 : -1));
  void items.slice(0, 10);
  return reads;
}

async function measureHandlers() {
  const out = mkdtempSync(join(tmpdir(), 'persistent-chat-bundles-'));
  const handlers: Record<string, unknown> = {};
  // Every function the stack deploys: the REST routes' and the WebSocket API's (several route keys share one).
  for (const name of new Set([...ROUTES, ...WEBSOCKET_ROUTES].map((spec) => spec.handler))) {
    const outfile = join(out, `${name}.js`);
    // As the stack bundles them, and initialised with the Node options the functions run with.
    const result = await build({ ...handlerBuildOptions(root, name, outfile), metafile: true });
    const byPackage = new Map<string, number>();
    const bundle = Object.entries(result.metafile!.outputs).find(([file]) => file.endsWith(`${name}.js`))![1]; // not the .map
    for (const [path, input] of Object.entries(bundle.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? '(project)';
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
    }
    const init: number[] = [];
    const heap: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Time to load the module, and the heap it leaves in use after a collection (what stays for the container's
      // life). The collector is reached only after the timing: starting node with --expose-gc slows loading by a third.
      const gc = `require('v8').setFlagsFromString('--expose-gc');require('vm').runInNewContext('gc')()`;
      const script = `const s=process.hrtime.bigint();require(${JSON.stringify(outfile)});const ms=Number(process.hrtime.bigint()-s)/1e6;${gc};process.stdout.write(JSON.stringify([ms,process.memoryUsage().heapUsed]))`;
      const [ms, heapUsed] = JSON.parse(execFileSync(process.execPath, ['-e', script], {
        env: { ...process.env, NODE_OPTIONS: HANDLER_BUNDLING.nodeOptions, AWS_REGION: 'us-east-1', TABLE_NAME: 't', TRANSCRIPT_BUCKET: 'b', SIGNING_KEY_FILE: '/dev/null' },
      }).toString()) as [number, number];
      init.push(ms);
      heap.push(heapUsed / 2 ** 20);
    }
    handlers[name] = {
      kb: round(statSync(outfile).size / 1024),
      initMs: stats(init).median,
      heapMB: stats(heap).median,
      largest: [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)} KB`),
    };
  }
  rmSync(out, { recursive: true, force: true });
  return handlers;
}

function report(results: Record<string, unknown>) {
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  const paging = results.paging as Record<string, { firstPage: Stats; fifthPage: Stats; storeReadsFirstPage: { cold: number; warm: number }; storeReadsFifthPage: { cold: number; warm: number }; naiveWholeLineMs: number }>;
  const depths = Object.keys(paging);
  const base = paging[depths[0]!]!;
  console.log(`\nMachine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}\n`);
  console.log('GetTranscript (MaxResults 10) by depth of the line (past chats)');
  console.table(Object.fromEntries(depths.map((d) => {
    const p = paging[d]!;
    return [d, {
      'first page median ms': p.firstPage.median, 'first p95': p.firstPage.p95,
      '5th page median ms': p.fifthPage.median, '5th p95': p.fifthPage.p95,
      'vs depth 1 (first)': round(p.firstPage.median / base.firstPage.median),
      'vs depth 1 (5th)': round(p.fifthPage.median / base.fifthPage.median),
      'reads/page cold→warm (first)': `${p.storeReadsFirstPage.cold}→${p.storeReadsFirstPage.warm}`,
      'reads/page cold→warm (5th)': `${p.storeReadsFifthPage.cold}→${p.storeReadsFifthPage.warm}`,
      'naive whole-line ms': p.naiveWholeLineMs,
      'naive / ours': round(p.naiveWholeLineMs / p.fifthPage.median),
    }];
  })));
  console.log('Operations (ms)');
  console.table(results.operations);
  console.log('Full paging of the line', results.fullPaging);
  console.log('SendMessage per second by concurrent chats', results.sendMessagePerSecond);
  console.log(`Handlers: minified bundle, module initialisation and the heap it leaves, in a fresh process of node ${machine.node} (the functions run on ${HANDLER_BUNDLING.target})`);
  console.table(results.handlers);
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ machine, ...results }, null, 2));
  console.log(`\nwritten to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
