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
import { StartChatContactCommand, StopContactCommand, TransferContactCommand } from '@aws-sdk/client-connect';
import { CreateParticipantConnectionCommand, GetTranscriptCommand, SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import { ConnectClient } from '@aws-sdk/client-connect';
import { ConnectParticipantClient } from '@aws-sdk/client-connectparticipant';
import { HANDLER_BUNDLING, handlerBuildOptions } from '../lib/handler-bundling';
import { startLocalServer, type LocalServer } from '../local/server';
import { countStoreReads } from '../test/support/transcript';
import { ROUTES, WEBSOCKET_ROUTES } from '../lambdas/routes';
import { DynamoContactStore } from '../lambdas/stores/dynamodb/contact-store';
import { S3TranscriptFiles } from '../lambdas/stores/s3/transcript-files';

const INSTANCE = 'bench';
const root = join(__dirname, '..');
const quick = process.argv.includes('--quick');
const DEPTHS = quick ? [1, 10] : [1, 10, 100, 1000];
/**
 * A line of 1,000 long chats is 100,000 messages sent one after another: most of an hour here. Its
 * five measured pages touch only the newest two chats, so by default the long line stops at depth 100
 * (the tiny line, whose pages span dozens of chats, goes to 1,000); `--deep` builds it to 1,000.
 */
const LONG_DEPTHS = process.argv.includes('--deep') ? DEPTHS : DEPTHS.filter((depth) => depth <= 100);
const SAMPLES = quick ? 10 : 40;

interface Stats {
  median: number;
  p95: number;
}
interface PageFigures {
  latency: Stats;
  items: number;
  full: boolean;
  /** Contacts (segments) the page's items come from. */
  contacts: number;
  readsCold: number;
  readsWarm: number;
}
interface PagingAtDepth {
  first: PageFigures;
  fifth?: PageFigures;
  naiveWholeLineMs: number;
  naiveStoreReads: number;
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

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'persistent-chat-bench-'));
  let server = await startLocalServer({ port: 0, dataDir, logLevel: 'error' });
  const port = Number(new URL(server.url).port);
  const connect = new ConnectClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const participant = new ConnectParticipantClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  let counter = countStoreReads(server);
  const results: Record<string, unknown> = {};

  const start = async (source?: string) => {
    const chat = await connect.send(
      new StartChatContactCommand({
        InstanceId: INSTANCE,
        ContactFlowId: 'flow',
        ParticipantDetails: { DisplayName: 'Bench' },
        PersistentChat: source ? { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: source } : undefined,
      }),
    );
    const { ConnectionCredentials } = await participant.send(
      new CreateParticipantConnectionCommand({ ParticipantToken: chat.ParticipantToken, Type: ['CONNECTION_CREDENTIALS'] }),
    );
    return { contactId: chat.ContactId!, token: ConnectionCredentials!.ConnectionToken! };
  };
  const say = (token: string, text: string) =>
    participant.send(new SendMessageCommand({ ConnectionToken: token, ContentType: 'text/plain', Content: text }));
  const stop = (contactId: string) => connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
  const read = (token: string, maxResults: number, nextToken?: string) =>
    participant.send(new GetTranscriptCommand({ ConnectionToken: token, MaxResults: maxResults, ScanDirection: 'BACKWARD', NextToken: nextToken }));

  // Warm the JIT (node's and DynamoDB Local's) first, so depth 1 is not measured cold against the rest.
  for (let i = 0; i < (quick ? 10 : 50); i++) {
    const chat = await start();
    await say(chat.token, 'warm-up');
    await read(chat.token, 10);
    await stop(chat.contactId);
  }

  // 1. Paging at depth, for two shapes of line: many tiny chats (a page of 100 spans dozens of contacts)
  // and long chats with transfers inside (a page spans one or two). Each depth reads from a new chat
  // continued from the line's newest past chat, then ended, so the next depth goes on with the same line.
  // A new container: same data, same port, nothing cached.
  const restart = async () => {
    await server.stop();
    server = await startLocalServer({ port, dataDir, logLevel: 'error' });
    counter = countStoreReads(server);
  };
  const shapes = {
    tiny: {
      maxResults: 100,
      depths: DEPTHS,
      build: async (previous?: string) => {
        const chat = await start(previous);
        await stop(chat.contactId);
        return chat.contactId;
      },
    },
    long: {
      maxResults: 10,
      depths: LONG_DEPTHS,
      build: async (previous?: string) => {
        const chat = await start(previous);
        let contactId = chat.contactId;
        for (let segment = 0; segment < 3; segment++) {
          if (segment > 0)
            contactId = (
              await connect.send(new TransferContactCommand({ InstanceId: INSTANCE, ContactId: contactId, ContactFlowId: 'flow', QueueId: 'q' }))
            ).ContactId!;
          for (let m = 0; m < 33; m++) await say(chat.token, `segment ${segment} message ${m}`);
        }
        await stop(contactId);
        return chat.contactId;
      },
    },
  };
  /** A page's items and its store reads from a new container (nothing cached) and warm. */
  const measureReads = async (token: string, maxResults: number, nextToken?: string): Promise<Omit<PageFigures, 'latency'>> => {
    await restart();
    const reads: number[] = [];
    let items: Awaited<ReturnType<typeof read>>['Transcript'] = [];
    for (let i = 0; i < 3; i++) {
      counter.take();
      items = (await read(token, maxResults, nextToken)).Transcript!;
      reads.push(counter.take());
    }
    return {
      items: items.length,
      full: items.length === maxResults,
      contacts: new Set(items.map((item) => item.ContactId ?? item.RelatedContactId)).size,
      readsCold: reads[0]!,
      readsWarm: reads[2]!,
    };
  };
  // Build each line depth by depth, measuring items and reads as each depth is reached; keep every
  // depth's reader and page tokens for the latencies.
  const pagesToTime: {
    shape: string;
    depth: number;
    page: 'first' | 'fifth';
    token: string;
    maxResults: number;
    nextToken?: string;
    samples: number[];
  }[] = [];
  const figures: Record<
    string,
    Record<number, { first: Omit<PageFigures, 'latency'>; fifth?: Omit<PageFigures, 'latency'>; naive: [number, number] }>
  > = {};
  const lines: Record<string, { newest?: string; chats: number }> = {};
  for (const [shape, { maxResults, depths, build }] of Object.entries(shapes)) {
    figures[shape] = {};
    const line: { newest?: string; chats: number } = { chats: 0 };
    lines[shape] = line;
    for (const depth of depths) {
      for (; line.chats < depth; line.chats++) line.newest = await build(line.newest);
      const reader = await start(line.newest);
      await say(reader.token, 'reading');
      const first = await measureReads(reader.token, maxResults);
      pagesToTime.push({ shape, depth, page: 'first', token: reader.token, maxResults, samples: [] });
      let token: string | undefined;
      for (let p = 0; p < 4 && (p === 0 || token); p++) token = (await read(reader.token, maxResults, token)).NextToken;
      const fifth = token ? await measureReads(reader.token, maxResults, token) : undefined;
      if (token) pagesToTime.push({ shape, depth, page: 'fifth', token: reader.token, maxResults, nextToken: token, samples: [] });
      figures[shape][depth] = { first, fifth, naive: await time(() => naivePage(server, reader.contactId, maxResults)) };
      // The reader's chat ends, so the next depth continues the line from it; its token still reads.
      await stop(reader.contactId);
      line.newest = reader.contactId;
      line.chats++;
      process.stderr.write(`paging ${shape} at depth ${depth} measured\n`);
    }
  }
  // Latency, warm: every depth's pages in turn, round after round, so that whatever else the machine
  // is doing falls on all depths alike and the ratios between depths hold.
  for (const page of pagesToTime) await read(page.token, page.maxResults, page.nextToken);
  for (let round = 0; round < SAMPLES; round++) {
    for (const page of pagesToTime) page.samples.push((await time(() => read(page.token, page.maxResults, page.nextToken)))[0]);
  }
  const paging: Record<string, Record<number, PagingAtDepth>> = {};
  for (const [shape, byDepth] of Object.entries(figures)) {
    paging[shape] = {};
    for (const [depth, { first, fifth, naive }] of Object.entries(byDepth)) {
      const latency = (which: 'first' | 'fifth') =>
        stats(pagesToTime.find((p) => p.shape === shape && p.depth === Number(depth) && p.page === which)!.samples);
      paging[shape][Number(depth)] = {
        first: { ...first, latency: latency('first') },
        fifth: fifth && { ...fifth, latency: latency('fifth') },
        naiveWholeLineMs: round(naive[0]),
        naiveStoreReads: naive[1],
      };
    }
  }
  results.paging = paging;

  // 2. Single operations.
  const plain: number[] = [];
  for (let i = 0; i < SAMPLES; i++)
    plain.push(
      (
        await time(() =>
          connect.send(new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'f', ParticipantDetails: { DisplayName: 'b' } })),
        )
      )[0],
    );
  const sources: string[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const chat = await start();
    await say(chat.token, 'source');
    await stop(chat.contactId);
    sources.push(chat.contactId);
  }
  const rehydrating: number[] = [];
  for (const source of sources) {
    rehydrating.push(
      (
        await time(() =>
          connect.send(
            new StartChatContactCommand({
              InstanceId: INSTANCE,
              ContactFlowId: 'f',
              ParticipantDetails: { DisplayName: 'b' },
              PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: source },
            }),
          ),
        )
      )[0],
    );
  }
  const talker = await start();
  const sending: number[] = [];
  for (let i = 0; i < SAMPLES; i++) sending.push((await time(() => say(talker.token, `m${i}`)))[0]);
  results.operations = {
    startChatContact: stats(plain),
    startChatContactWithRehydration: stats(rehydrating),
    sendMessage: stats(sending),
  };

  // Full paging of the whole line, from the newest reader back to the first chat.
  const fullReader = await start(lines.tiny!.newest);
  const [fullMs, pages] = await time(async () => {
    let count = 0;
    let token: string | undefined;
    do {
      token = (
        await participant.send(
          new GetTranscriptCommand({ ConnectionToken: fullReader.token, MaxResults: 100, ScanDirection: 'BACKWARD', NextToken: token }),
        )
      ).NextToken;
      count++;
    } while (token);
    return count;
  });
  results.fullPaging = { pastChats: lines.tiny!.chats, pages, totalMs: round(fullMs), msPerPage: round(fullMs / pages) };

  // 3. SendMessage throughput with concurrent chats.
  const throughput: Record<number, number> = {};
  for (const concurrency of quick ? [1, 10] : [1, 10, 100]) {
    const chats = await Promise.all(Array.from({ length: concurrency }, () => start()));
    let sent = 0;
    const until = Date.now() + (quick ? 1500 : 4000);
    const startedAt = process.hrtime.bigint();
    await Promise.all(
      chats.map(async (chat) => {
        while (Date.now() < until) {
          await say(chat.token, 'load');
          sent++;
        }
      }),
    );
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
async function naivePage(server: LocalServer, readerContactId: string, maxResults: number): Promise<number> {
  const store = new DynamoContactStore(server.clients.db, server.config.tableName);
  const files = new S3TranscriptFiles(server.clients.s3);
  let reads = 0;
  const items: { AbsoluteTime: string }[] = [];
  for (let id: string | undefined = readerContactId; id; ) {
    const contact = await store.getContact(id);
    reads++;
    if (!contact) break;
    items.push(
      ...(contact.transcriptKey
        ? ((await files.get(contact.transcriptKey))?.Transcript ?? [])
        : await store.queryItems(contact.contactId, { direction: 'FORWARD' }, 100_000)),
    );
    reads++;
    id = contact.previousContactId ?? contact.continuedFromContactId;
  }
  items.sort((a, b) => (a.AbsoluteTime < b.AbsoluteTime ? 1 : -1));
  void items.slice(0, maxResults);
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
      const [ms, heapUsed] = JSON.parse(
        execFileSync(process.execPath, ['-e', script], {
          env: {
            ...process.env,
            NODE_OPTIONS: HANDLER_BUNDLING.nodeOptions,
            AWS_REGION: 'us-east-1',
            TABLE_NAME: 't',
            TRANSCRIPT_BUCKET: 'b',
            SIGNING_KEY_FILE: '/dev/null',
          },
        }).toString(),
      ) as [number, number];
      init.push(ms);
      heap.push(heapUsed / 2 ** 20);
    }
    handlers[name] = {
      kb: round(statSync(outfile).size / 1024),
      initMs: stats(init).median,
      heapMB: stats(heap).median,
      largest: [...byPackage.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)} KB`),
    };
  }
  rmSync(out, { recursive: true, force: true });
  return handlers;
}

function report(results: Record<string, unknown>) {
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  const paging = results.paging as Record<string, Record<string, PagingAtDepth>>;
  console.log(`\nMachine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}\n`);
  for (const [shape, byDepth] of Object.entries(paging)) {
    const depths = Object.keys(byDepth);
    // Latency is compared at equal page fullness: against the smallest depth whose pages are full.
    const baseOf = (page: 'first' | 'fifth') => depths.map((d) => byDepth[d]![page]).find((p) => p?.full);
    const ratio = (p: PageFigures | undefined, base: PageFigures | undefined) =>
      p?.full && base ? round(p.latency.median / base.latency.median) : '-';
    const figures = (p: PageFigures | undefined) => (p ? `${p.items} items, ${p.contacts} contacts, ${p.readsCold}→${p.readsWarm} reads` : '-');
    console.log(`GetTranscript on a line of ${shape} chats (MaxResults ${shape === 'tiny' ? 100 : 10}), by depth (past chats)`);
    console.table(
      Object.fromEntries(
        depths.map((d) => {
          const p = byDepth[d]!;
          return [
            d,
            {
              'first page': figures(p.first),
              'first median ms': p.first.latency.median,
              'first vs base': ratio(p.first, baseOf('first')),
              '5th page': figures(p.fifth),
              '5th median ms': p.fifth?.latency.median ?? '-',
              '5th vs base': ratio(p.fifth, baseOf('fifth')),
              'reads ≤ contacts + 1': [p.first, p.fifth].every((q) => !q || q.readsCold <= q.contacts + 1),
              'naive / ours': round(p.naiveWholeLineMs / p.first.latency.median),
            },
          ];
        }),
      ),
    );
  }
  console.log('Operations (ms)');
  console.table(results.operations);
  console.log('Full paging of the line', results.fullPaging);
  console.log('SendMessage per second by concurrent chats', results.sendMessagePerSecond);
  console.log(
    `Handlers: minified bundle, module initialisation and the heap it leaves, in a fresh process of node ${machine.node} (the functions run on ${HANDLER_BUNDLING.target})`,
  );
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
