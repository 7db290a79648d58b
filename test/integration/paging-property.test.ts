import fc from 'fast-check';
import { StopContactCommand } from '@aws-sdk/client-connect';
import { GetTranscriptCommand, type Item } from '@aws-sdk/client-connectparticipant';
import { type Connected, INSTANCE, joinAgent, leave, pageBack, say, startChat, transfer } from '../support/chat';
import { forwardPoller } from '../support/transcript';
import { startTestServer, type TestServer } from '../support/local-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

/** One contact (segment) of a chat: whether an agent joins, and how many messages the customer and the agent send at once. */
const segment = fc.record({
  agent: fc.boolean(),
  customerSays: fc.integer({ min: 0, max: 3 }),
  agentSays: fc.integer({ min: 0, max: 3 }),
  // How the segment is transferred to the next one, if there is a next one.
  queue: fc.boolean(),
});

/** A chat: its segments, how it ends, and how the next chat continues it. */
const chat = fc.record({
  segments: fc.array(segment, { minLength: 1, maxLength: 3 }),
  endedBy: fc.constantFrom('customer' as const, 'StopContact' as const),
  continuedFrom: fc.oneof(fc.constant('ENTIRE_PAST_SESSION' as const), fc.nat({ max: 2 })),
});

const scripts = fc.record({
  past: fc.array(chat, { minLength: 0, maxLength: 3 }),
  current: fc.array(segment, { minLength: 1, maxLength: 2 }),
  maxResults: fc.integer({ min: 1, max: 100 }),
  sortOrder: fc.constantFrom('ASCENDING' as const, 'DESCENDING' as const),
});

type Segment = { agent: boolean; customerSays: number; agentSays: number; queue: boolean };

/**
 * Plays the segments of one chat through the API: each segment's messages are sent all at once by
 * the customer and its agent; a transfer ends every segment but the last. Returns the chat's
 * contacts, the agents of its newest segment, and, per segment, its messages (each a batch whose
 * order among itself is the service's to choose).
 */
async function play(tag: string, customer: Connected, segments: Segment[]) {
  const contacts = [customer.contactId];
  const batches: string[][] = [];
  const acknowledged: string[] = [];
  let agents: Connected[] = [];
  for (const [s, { agent, customerSays, agentSays, queue }] of segments.entries()) {
    if (s > 0) contacts.push(await transfer(t, contacts[s - 1]!, queue ? `queue-${s}` : undefined));
    agents = agent ? [await joinAgent(t, contacts[s]!, `${tag} agent ${s}`)] : [];
    const texts = [
      ...Array.from({ length: customerSays }, (_, m) => ({ who: customer, text: `${tag} s${s} customer ${m}` })),
      ...agents.flatMap((a) => Array.from({ length: agentSays }, (_, m) => ({ who: a, text: `${tag} s${s} agent ${m}` }))),
    ];
    acknowledged.push(...(await Promise.all(texts.map(({ who, text }) => say(t, who, text)))));
    batches.push(texts.map(({ text }) => text));
  }
  return { contacts, batches, agents, acknowledged };
}

/** Asserts that `messages` are the batches' messages, each batch whole, the batches in order. */
function expectBatches(messages: string[], batches: string[][]) {
  const batchOf = new Map(batches.flatMap((batch, b) => batch.map((text) => [text, b] as const)));
  expect([...messages].sort()).toEqual(batches.flat().sort());
  const order = messages.map((text) => batchOf.get(text)!);
  for (let i = 1; i < order.length; i++) expect(order[i - 1]! <= order[i]!).toBe(true);
}

const messageTexts = (items: Item[]) => items.filter((item) => item.Type === 'MESSAGE').map((item) => item.Content!);

/**
 * Random lines of chats through the real SDK: past chats of 1–3 segments with an agent or not,
 * customer and agent sending at once, transfers with and without a queue, ended by the customer or
 * by StopContact, continued by either rehydration type; then the current chat, with a FORWARD poller
 * running while everyone sends. CI runs a fixed seed; FC_SEED and FC_RUNS run others, and more.
 */
it('pages every item of any line exactly once, pages full, and a FORWARD poller misses nothing', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(scripts, async ({ past, current, maxResults, sortOrder }) => {
      const tag = `run${run++}`;
      let line: string[][] = [];
      let source: { RehydrationType: 'ENTIRE_PAST_SESSION' | 'FROM_SEGMENT'; SourceContactId: string } | undefined;
      for (const [v, { segments, endedBy, continuedFrom }] of past.entries()) {
        const customer = await startChat(t, source && { PersistentChat: source });
        const played = await play(`${tag} v${v}`, customer, segments);
        if (endedBy === 'customer') await leave(t, customer);
        else await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: played.contacts.at(-1)! }));
        // FROM_SEGMENT keeps the chat's segments up to the source; ENTIRE_PAST_SESSION keeps them all.
        const upTo = continuedFrom === 'ENTIRE_PAST_SESSION' ? segments.length - 1 : continuedFrom % segments.length;
        line = [...line, ...played.batches.slice(0, upTo + 1)];
        source =
          continuedFrom === 'ENTIRE_PAST_SESSION'
            ? { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: customer.contactId }
            : { RehydrationType: 'FROM_SEGMENT', SourceContactId: played.contacts[upTo]! };
      }

      const customer = await startChat(t, source && { PersistentChat: source });
      const poller = forwardPoller(t, customer);
      const polling = poller.run();
      const played = await play(`${tag} now`, customer, current);
      line = [...line, ...played.batches];

      // FORWARD: every item of the current chat reached the poller once, in order; every acknowledged message among them.
      const seen = await poller.stop();
      await polling;
      const forward: Item[] = [];
      let nextToken: string | undefined;
      do {
        const page = await t.participant.send(
          new GetTranscriptCommand({
            ConnectionToken: customer.connectionToken,
            ScanDirection: 'FORWARD',
            SortOrder: 'ASCENDING',
            MaxResults: 100,
            NextToken: nextToken,
          }),
        );
        forward.push(...page.Transcript!);
        nextToken = page.NextToken;
      } while (nextToken);
      expect(seen.map((item) => item.Id)).toEqual(forward.map((item) => item.Id));
      for (const id of played.acknowledged) expect(seen.some((item) => item.Id === id)).toBe(true);
      expectBatches(messageTexts(forward), played.batches);

      // BACKWARD, for every participant of the newest chat: the whole line, every page but the last full.
      const everything = (await pageBack(t, customer, 100)).flat();
      for (const reader of [customer, ...played.agents]) {
        const pages = await pageBack(t, reader, maxResults, { SortOrder: sortOrder });
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(maxResults);
        expect(pages.at(-1)!.length).toBeGreaterThan(0);
        // Pages come newest first; each page is sorted as asked.
        const newestFirst = pages.flatMap((page) => (sortOrder === 'ASCENDING' ? [...page].reverse() : page));
        for (let i = 1; i < newestFirst.length; i++) expect(newestFirst[i - 1]!.AbsoluteTime! >= newestFirst[i]!.AbsoluteTime!).toBe(true);
        expect(newestFirst.map((item) => item.Id)).toEqual(everything.map((item) => item.Id));
        expectBatches(messageTexts(newestFirst).reverse(), line);
      }
      // The current chat's items carry their ContactId, past ones their RelatedContactId.
      for (const item of everything) {
        const own = played.contacts.includes(item.ContactId ?? item.RelatedContactId!);
        expect(own ? item.ContactId : item.RelatedContactId).toBeDefined();
        expect(own ? item.RelatedContactId : item.ContactId).toBeUndefined();
      }
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 8), seed: Number(process.env.FC_SEED ?? 20261201), verbose: 1 },
  );
}, 600_000);
