import { randomUUID } from 'node:crypto';
import { LOCAL_CREDENTIALS, type LocalServer } from '../local/server';
import { Idempotency } from '../lambdas/domain/idempotency';
import { ItemClock } from '../lambdas/domain/item-clock';
import { messageItem } from '../lambdas/domain/items';
import { KeyRing } from '../lambdas/domain/keys';
import { documentClient } from '../lambdas/stores/clients';
import { DynamoContactStore } from '../lambdas/stores/dynamodb/contact-store';
import type { ChatDriver, Participant } from './chats';
import { type Percentiles, percentiles, round } from './stats';

export interface PushFigures {
  chats: number;
  /** Messages per second all chats together were paced to offer (see measurePush). */
  offeredPerSecond: number;
  /** The store's ceiling at this concurrency the pace was set against (SendMessage/s measured without sockets), if any. */
  ceilingPerSecond?: number;
  /** Messages per second that arrived. */
  messagesPerSecond: number;
  /** From the SendMessage call to the `aws/chat` frame at the other participant's socket. */
  sendToFrame: Percentiles;
  /** From SendMessage's acknowledgement to that frame: negative when the frame came first (the push is done before the answer). */
  ackToFrame: Percentiles;
  /** SendMessage's own round trip. */
  acknowledged: Percentiles;
  /** Calls of the server's DynamoDB client that took over SLOW_STORE_CALL_MS in the window: the store's stalls. */
  slowStoreCalls: number;
}

/** A store call this slow is a stall (a DynamoDB Local call takes 1 to 10 ms here). */
export const SLOW_STORE_CALL_MS = 50;

/** Counts the server's DynamoDB calls slower than SLOW_STORE_CALL_MS until `stop`. */
function countSlowStoreCalls(server: LocalServer): { stop(): number } {
  let slow = 0;
  const name = 'benchSlowStoreCalls';
  server.clients.db.middlewareStack.add(
    (next) => async (args) => {
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        if (performance.now() - started > SLOW_STORE_CALL_MS) slow++;
      }
    },
    { step: 'initialize', name },
  );
  return {
    stop: () => {
      server.clients.db.middlewareStack.remove(name);
      return slow;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A chat with its customer and agent connected, each with a subscribed socket; arrival times of the agent's frames by content. */
async function connectedChat(chats: ChatDriver) {
  const chat = await chats.start();
  const customer = await chats.connection(chat.participantToken, true);
  const agent = await chats.join(chat.contactId);
  const arrived = new Map<string, number>();
  agent.socket!.socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { topic?: string; content?: string };
    if (frame.topic === 'aws/chat') arrived.set((JSON.parse(frame.content!) as { Content?: string }).Content ?? '', performance.now());
  });
  return { chat, customer, agent, arrived };
}

/** The share of the store's measured ceiling the push section offers: below it, latency is latency, not a queue. */
export const PUSH_SHARE_OF_CEILING = 0.5;

/**
 * Push latency at `level` concurrent chats: each chat's customer sends, and the time to the frame at
 * its agent's socket is taken; a chat sends its next message a think time (uniform, mean `thinkMs`)
 * after the last one arrived, so an overloaded server slows the load rather than queueing it without
 * end. Given the ceiling measured at this concurrency (`ceilingPerSecond`), the think time is
 * lengthened so that all chats together offer at most PUSH_SHARE_OF_CEILING of it: past the ceiling the
 * figure would measure the store's queue. Runs `windowMs`, and on until `minSamples` messages have arrived.
 */
export async function measurePush(
  server: LocalServer,
  chats: ChatDriver,
  level: number,
  options: { windowMs: number; minSamples: number; thinkMs: number; ceilingPerSecond?: number },
): Promise<PushFigures> {
  const offeredPerSecond = Math.min((level * 1000) / options.thinkMs, (options.ceilingPerSecond ?? Infinity) * PUSH_SHARE_OF_CEILING);
  const thinkMs = (level * 1000) / offeredPerSecond;
  const conversations = await Promise.all(Array.from({ length: level }, () => connectedChat(chats)));
  const sendToFrame: number[] = [];
  const ackToFrame: number[] = [];
  const acknowledged: number[] = [];
  const stalls = countSlowStoreCalls(server);
  const started = performance.now();
  const running = () => performance.now() - started < options.windowMs || sendToFrame.length < options.minSamples;
  await Promise.all(
    conversations.map(async ({ customer, agent, arrived }, c) => {
      // Spread the first messages over one think time, as chats that began at different moments.
      await sleep(Math.random() * thinkMs);
      for (let i = 0; running(); i++) {
        const content = `push ${level} ${c} ${i}`;
        const sent = performance.now();
        await chats.say(customer, content);
        const acked = performance.now();
        await agent.socket!.item((item) => item.Content === content, 10_000);
        const at = arrived.get(content)!;
        sendToFrame.push(at - sent);
        ackToFrame.push(at - acked);
        acknowledged.push(acked - sent);
        await sleep(Math.random() * 2 * thinkMs);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const slowStoreCalls = stalls.stop();
  await Promise.all(conversations.map(({ chat }) => chats.stop(chat.contactId)));
  await Promise.all(conversations.flatMap(({ customer, agent }) => [customer, agent]).map((p: Participant) => p.socket!.waitClosed(10_000)));
  return {
    chats: level,
    offeredPerSecond: round(offeredPerSecond),
    ...(options.ceilingPerSecond !== undefined && { ceilingPerSecond: round(options.ceilingPerSecond) }),
    messagesPerSecond: round(sendToFrame.length / seconds),
    sendToFrame: percentiles(sendToFrame),
    ackToFrame: percentiles(ackToFrame),
    acknowledged: percentiles(acknowledged),
    slowStoreCalls,
  };
}

/** A contact holds at most 1,000 items (MAX_ITEMS_PER_CONTACT): a sender moves to a fresh chat before that. */
const ITEMS_PER_CHAT = 900;

export interface Throughput {
  sendMessage: number;
  directWrites: number;
  ratio: number;
}

/**
 * SendMessage per second with `concurrency` chats sending at once (each its own chat, no sockets, as
 * before), beside the same transactions issued straight to DynamoDB Local from as many loops: the
 * contact store's own `appendItem` (the item clock's claim on the session, the item's conditional put
 * and the ClientToken's record, which the SDK sends with every SendMessage), without the HTTP adapter,
 * the token check, the session read and the fan-out query. Both run
 * `ms` each, twice, alternating, and the means are kept: the machine's other load falls on both alike.
 */
export async function measureThroughput(server: LocalServer, chats: ChatDriver, concurrency: number, ms: number): Promise<Throughput> {
  const db = documentClient({ region: server.config.region, dynamodbEndpoint: server.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
  const store = new DynamoContactStore(db, server.config.tableName);
  const idempotency = new Idempotency(store, new KeyRing(KeyRing.generate()));
  const viaApi = async () => {
    const senders = await Promise.all(
      Array.from({ length: concurrency }, async () => chats.connection((await chats.start()).participantToken, false)),
    );
    return rate(senders, ms, async (sender, chatsOf) => {
      let current = sender;
      for (let sent = 0; ; sent++) {
        if (sent && sent % ITEMS_PER_CHAT === 0) current = await chats.connection((await chats.start()).participantToken, false);
        if (!(await chatsOf(() => chats.say(current, 'load')))) return;
      }
    });
  };
  const direct = async () => {
    const starts = await Promise.all(Array.from({ length: concurrency }, () => chats.start()));
    return rate(starts, ms, async (start, chatsOf) => {
      let session = (await store.getSession(start.contactId))!;
      for (let sent = 0; ; sent++) {
        if (sent && sent % ITEMS_PER_CHAT === 0) session = (await store.getSession((await chats.start()).contactId))!;
        const clock = new ItemClock(session, Date.now());
        const item = messageItem(session.customer, 'text/plain', 'load', clock.next());
        const claim = clock.claim();
        const key = { operation: 'SendMessage', instanceId: session.instanceId, clientToken: `${session.customer.participantId}:${randomUUID()}` };
        const append = () =>
          idempotency.run(key, { contentType: 'text/plain', content: 'load' }, Date.now(), async (record) => {
            const response = { Id: item.Id, AbsoluteTime: item.AbsoluteTime };
            await store.appendItem({ contactId: session.latestContactId, item, clock: claim, idempotency: record?.(response) });
            return response;
          });
        if (!(await chatsOf(append))) return;
        session = { ...session, lastItemAt: claim.last, contactItems: claim.contactItems };
      }
    });
  };
  const api: number[] = [];
  const straight: number[] = [];
  for (let round = 0; round < 2; round++) {
    api.push(await viaApi());
    straight.push(await direct());
  }
  db.destroy();
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return { sendMessage: round(mean(api)), directWrites: round(mean(straight)), ratio: round(mean(api) / mean(straight)) };
}

/**
 * Writes per second of loops run together for `ms`: each loop calls `write` with a counter that
 * performs one write and says whether the time is still running.
 */
async function rate<T>(
  inputs: T[],
  ms: number,
  loop: (input: T, write: (one: () => Promise<unknown>) => Promise<boolean>) => Promise<void>,
): Promise<number> {
  let done = 0;
  const started = performance.now();
  const until = started + ms;
  await Promise.all(
    inputs.map((input) =>
      loop(input, async (one) => {
        if (performance.now() >= until) return false;
        await one();
        done++;
        return performance.now() < until;
      }),
    ),
  );
  return done / ((performance.now() - started) / 1000);
}
