/**
 * `npm run bench`: latency, store reads and throughput against the local server, push latency, the
 * units each operation uses of the billed services and what they cost on AWS, and each handler's
 * bundle size and cold initialisation. Prints tables and writes JSON and an SVG chart under bench/results/.
 * A benchmark, not a test: it asserts nothing, it measures. `--quick`: fewer samples; `--deep`: the long
 * line to 1,000 chats; `--cost`: only the push, throughput and cost sections (no paging, no bundles);
 * `--chart <run>.json`: only draws that run's chart again.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
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
import { SWEEP_SHARDS } from '../lambdas/stores/dynamodb/keys';
import { S3TranscriptFiles } from '../lambdas/stores/s3/transcript-files';
import { ChatDriver, PLAIN_SOCKETS } from './chats';
import { chatCost, dollars, LAMBDA_MEMORY_MB, type OperationUnits, PRICES, scaleModel, TYPICAL_CHAT, type Units } from './cost';
import { Meter } from './meter';
import { measurePush, measureThroughput, PUSH_SHARE_OF_CEILING, type PushFigures, SLOW_STORE_CALL_MS, type Throughput } from './push';
import { type Stats, round, stats } from './stats';
import { chartSvg } from './svg';
import { measureUnits } from './units';

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
const costOnly = process.argv.includes('--cost');
const CONCURRENCY = quick ? [1, 10] : [1, 10, 100];
/** The sweep is left to its own section: on AWS it runs once a minute whatever the traffic, and its reads would blur the per-operation units. */
const SWEEP_INTERVAL_MS = 3_600_000;
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
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function time<T>(run: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await run();
  return [ms(start), result];
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'persistent-chat-bench-'));
  let server = await startLocalServer({ port: 0, dataDir, logLevel: 'error', sweepIntervalMs: SWEEP_INTERVAL_MS });
  const port = Number(new URL(server.url).port);
  const { connect, participant } = apiClients(server.url);
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

  if (!costOnly) {
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
      server = await startLocalServer({ port, dataDir, logLevel: 'error', sweepIntervalMs: SWEEP_INTERVAL_MS });
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
  }

  // 3 and 4. SendMessage throughput beside the store's own, and push latency: against the table on disk (as
  // `npm start` keeps it), then in memory (as DynamoDB, which does not share the local disk's stalls).
  const onDisk = await measureDelivery(server, connect, participant);
  const memoryDataDir = mkdtempSync(join(tmpdir(), 'persistent-chat-bench-memory-'));
  const memoryServer = await startLocalServer({
    port: 0,
    dataDir: memoryDataDir,
    tableInMemory: true,
    logLevel: 'error',
    sweepIntervalMs: SWEEP_INTERVAL_MS,
  });
  const memoryClients = apiClients(memoryServer.url);
  const inMemory = await measureDelivery(memoryServer, memoryClients.connect, memoryClients.participant);
  memoryClients.connect.destroy();
  memoryClients.participant.destroy();
  await memoryServer.stop();
  rmSync(memoryDataDir, { recursive: true, force: true });
  results.throughput = { disk: onDisk.throughput, memory: inMemory.throughput };
  results.push = { disk: onDisk.push, memory: inMemory.push };

  // 5. Units per operation, and what they cost.
  const meter = new Meter(server, [connect, participant]);
  const measured = await measureUnits(server, meter, new ChatDriver(connect, participant, meter), quick ? 1 : 5);
  meter.destroy();
  results.units = measured;
  results.cost = costFigures(measured.operations, measured.dynamodbBytesPerChat);

  connect.destroy();
  participant.destroy();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });

  // 4. Handlers: bundle size and initialisation in a fresh process (the proxy for a Lambda cold start).
  if (!costOnly) results.handlers = await measureHandlers();
  report(results);
}

function apiClients(endpoint: string) {
  return {
    connect: new ConnectClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    participant: new ConnectParticipantClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  };
}

/** Where DynamoDB Local keeps the table for the delivery sections. */
type Store = 'disk' | 'memory';

/**
 * Sections 3 and 4 on one server. SendMessage throughput with 1, 10 and 100 chats sending at once, beside
 * DynamoDB Local's own rate for the same writes; then push latency, SendMessage to the frame at the other
 * participant's socket with the chats connected, each sending about once a second but all together at
 * most PUSH_SHARE_OF_CEILING of the ceiling just measured. First short rounds of each, discarded, warm
 * the JIT (node's and DynamoDB Local's) on the paths measured: without them the first level measured
 * pays for it (a first 100-chat push round here gave p99 64 to 70 ms, a second one 44 to 46).
 */
async function measureDelivery(server: LocalServer, connect: ConnectClient, participant: ConnectParticipantClient) {
  const chats = new ChatDriver(connect, participant, PLAIN_SOCKETS);
  await measureThroughput(server, chats, 1, quick ? 500 : 2000);
  await measurePush(server, chats, 100, { windowMs: quick ? 1000 : 10_000, minSamples: 0, thinkMs: 1000 });
  const throughput: Record<number, Throughput> = {};
  for (const concurrency of CONCURRENCY) throughput[concurrency] = await measureThroughput(server, chats, concurrency, quick ? 1500 : 4000);
  const push: Record<number, PushFigures> = {};
  for (const level of CONCURRENCY) {
    const ceilingPerSecond = Math.min(throughput[level]!.sendMessage, throughput[level]!.directWrites);
    const options = { windowMs: quick ? 3000 : 20_000, minSamples: quick ? 20 : 100, thinkMs: 1000, ceilingPerSecond };
    push[level] = await measurePush(server, chats, level, options);
    process.stderr.write(`push latency at ${level} chats measured\n`);
  }
  return { throughput, push };
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
  const paging = (results.paging ?? {}) as Record<string, Record<string, PagingAtDepth>>;
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
  if (results.operations) {
    console.log('Operations (ms)');
    console.table(results.operations);
    console.log('Full paging of the line', results.fullPaging);
  }
  const push = results.push as Record<Store, Record<string, PushFigures>>;
  console.log(
    `Push latency (ms): SendMessage to the aws/chat frame at the other participant's socket; each chat sends about once a second, all together at most ${PUSH_SHARE_OF_CEILING} of the SendMessage ceiling measured below; DynamoDB Local's table on disk, then in memory (goal: p99 ≤ 50 ms at 100 chats)`,
  );
  console.table(
    Object.fromEntries(
      Object.entries(push).flatMap(([store, levels]) =>
        Object.entries(levels).map(([chats, p]) => [
          `${store}, ${chats} chats`,
          {
            'ceiling/s': p.ceilingPerSecond,
            'offered/s': p.offeredPerSecond,
            'arrived/s': p.messagesPerSecond,
            samples: p.sendToFrame.n,
            'send→frame p50': p.sendToFrame.p50,
            p95: p.sendToFrame.p95,
            p99: p.sendToFrame.p99,
            'ack→frame p99': p.ackToFrame.p99,
            [`store calls > ${SLOW_STORE_CALL_MS} ms`]: p.slowStoreCalls,
          },
        ]),
      ),
    ),
  );
  console.log('SendMessage per second by concurrent chats, beside the same writes issued straight to DynamoDB Local (goal: ratio ≥ 0.7)');
  const throughput = results.throughput as Record<Store, Record<string, Throughput>>;
  console.table(
    Object.fromEntries(
      Object.entries(throughput).flatMap(([store, levels]) => Object.entries(levels).map(([chats, t]) => [`${store}, ${chats} chats`, t])),
    ),
  );
  const cost = results.cost as ReturnType<typeof costFigures>;
  console.log(
    `Units per operation (means; Lambda ms: the round trip here, an upper bound), and dollars per 1,000 on AWS (us-east-1, ${LAMBDA_MEMORY_MB} MB arm64)`,
  );
  console.table(cost.perOperation);
  console.log(
    `1,000 messages: $${cost.per1000Messages.aws.toFixed(4)} on AWS (goal ≤ $0.04), $${cost.per1000Messages.connect.toFixed(2)} on Amazon Connect (${round(cost.per1000Messages.connect / cost.per1000Messages.aws)}×)`,
  );
  console.log(`1,000 typical chats (${JSON.stringify(TYPICAL_CHAT)}, one transfer, one continuation):`);
  console.table(cost.per1000Chats);
  console.log(`At 1M concurrent chats and 10,000 messages/s: AWS's default quotas (ratio > 1: raise it, or spread the key)`);
  console.table(cost.scale.checks.map((check) => ({ ...check, needed: round(check.needed), ratio: round(check.ratio) })));
  const { perMessage, ...monthly } = cost.scale.monthly;
  console.log(`Per month at that load ($; $${(perMessage * 1000).toFixed(4)} per 1,000 messages, heartbeats and all)`, roundAll(monthly, 0));
  if (results.handlers) {
    console.log(
      `Handlers: minified bundle, module initialisation and the heap it leaves, in a fresh process of node ${machine.node} (the functions run on ${HANDLER_BUNDLING.target})`,
    );
    console.table(results.handlers);
  }
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${stamp}.json`), JSON.stringify({ machine, ...results }, null, 2));
  writeFileSync(join(dir, `${stamp}.svg`), chart(paging, push, caption(machine, stamp)));
  console.log(`\nwritten to ${join(dir, stamp)}.json and .svg`);
}

type Machine = { cpu?: string; cores: number; node: string };
const caption = (machine: Machine, stamp: string) => `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${stamp}`;

/** `--chart <run>.json`: draws a run's chart again from its figures, beside it (after a change to the chart alone). */
function redrawChart(file: string) {
  const { machine, paging = {}, push } = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file.replace(/\.json$/, '.svg'), chart(paging, push, caption(machine, basename(file, '.json'))));
}

const roundAll = (figures: object, digits = 2) =>
  Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, Number((value as number).toFixed(digits))]));

/** Page latency against line depth, and push latency percentiles against concurrent chats. */
function chart(paging: Record<string, Record<string, PagingAtDepth>>, push: Record<Store, Record<string, PushFigures>>, caption: string): string {
  const byDepth = (shape: string, page: 'first' | 'fifth') =>
    Object.entries(paging[shape] ?? {}).flatMap(([depth, p]) => (p[page] ? [[Number(depth), p[page].latency.median] as const] : []));
  const pushSeries = (store: Store, q: 'p50' | 'p95' | 'p99') => ({
    name: `${q}, table ${store === 'disk' ? 'on disk' : 'in memory'}`,
    points: Object.entries(push[store]).map(([chats, p]) => [Number(chats), p.sendToFrame[q]] as const),
  });
  return chartSvg(
    [
      {
        title: 'GetTranscript page latency by line depth',
        xLabel: 'past chats in the line',
        yLabel: 'median ms',
        logX: true,
        series: [
          { name: 'tiny chats, 1st page', points: byDepth('tiny', 'first') },
          { name: 'tiny chats, 5th page', points: byDepth('tiny', 'fifth') },
          { name: 'long chats, 1st page', points: byDepth('long', 'first') },
          { name: 'long chats, 5th page', points: byDepth('long', 'fifth') },
        ],
      },
      {
        title: 'Push latency by concurrent chats',
        xLabel: `concurrent chats (at most ${PUSH_SHARE_OF_CEILING} of the store's ceiling)`,
        yLabel: 'ms (log scale)',
        logX: true,
        logY: true,
        series: [pushSeries('memory', 'p50'), pushSeries('memory', 'p99'), pushSeries('disk', 'p50'), pushSeries('disk', 'p99')],
        goal: { y: 50, label: 'goal: p99 ≤ 50 ms' },
      },
    ],
    caption,
  );
}

/** The units in dollars: per operation, per 1,000 messages and typical chats beside Amazon Connect, and at internet scale. */
function costFigures(operations: OperationUnits, dynamodbBytesPerChat: number) {
  const perOperation = Object.fromEntries(
    Object.entries(operations).map(([name, units]: [string, Units]) => [
      name,
      { ...roundAll(units), '$ per 1,000': round(dollars(units).total * 1000 * 1e4) / 1e4 },
    ]),
  );
  const message = operations['SendMessage, 2 recipients'];
  const per1000Messages = { aws: dollars(message).total * 1000, connect: PRICES.connectMessage * 1000 };
  const chat = chatCost(operations, TYPICAL_CHAT, dynamodbBytesPerChat);
  const per1000Chats = {
    ...roundAll(Object.fromEntries(Object.entries(chat).map(([key, value]) => [key, value * 1000])), 4),
    connect: PRICES.connectMessage * TYPICAL_CHAT.messages * 1000,
  };
  const scale = scaleModel(
    operations,
    { concurrentChats: 1_000_000, messagesPerSecond: 10_000, shape: TYPICAL_CHAT, sweepShards: SWEEP_SHARDS },
    dynamodbBytesPerChat,
  );
  return { perOperation, per1000Messages, per1000Chats, scale };
}

const redraw = process.argv.indexOf('--chart');
(redraw >= 0 ? Promise.resolve(redrawChart(process.argv[redraw + 1]!)) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
