import fc from 'fast-check';
import { GetTranscriptCommand } from '@aws-sdk/client-connectparticipant';
import { type Connected, leave, messages, pageBack, say, startChat, transfer } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

/** A past visit: messages per contact (segment), and how the next visit continues from it. */
interface Visit {
  segments: number[]; // message count of each contact
  continuedBy: { type: 'ENTIRE_PAST_SESSION' } | { type: 'FROM_SEGMENT'; segment: number };
}

const visit = fc.record({
  segments: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
  fromSegment: fc.nat(),
  entire: fc.boolean(),
});

const histories = fc.record({
  visits: fc.array(visit, { minLength: 0, maxLength: 3 }),
  current: fc.integer({ min: 0, max: 3 }),
  maxResults: fc.integer({ min: 1, max: 7 }),
  sortOrder: fc.constantFrom('ASCENDING' as const, 'DESCENDING' as const),
});

/**
 * Builds the history through the real API and returns the messages the last chat must see, oldest
 * first, by the rules of persistent chat: FROM_SEGMENT keeps a visit's contacts up to the source,
 * ENTIRE_PAST_SESSION keeps them all, and every visit carries the line it continued.
 */
async function build(tag: string, visits: Visit[], current: number): Promise<{ reader: Connected; expected: string[] }> {
  let line: string[] = [];
  let source: { type: 'ENTIRE_PAST_SESSION' | 'FROM_SEGMENT'; contactId: string } | undefined;
  const start = () => startChat(t, source && { PersistentChat: { RehydrationType: source.type, SourceContactId: source.contactId } });
  for (const [v, { segments, continuedBy }] of visits.entries()) {
    const customer = await start();
    const contacts = [customer.contactId];
    const perSegment: string[][] = [];
    for (const [s, count] of segments.entries()) {
      if (s > 0) contacts.push(await transfer(t, contacts[s - 1]!, `q${s}`));
      const sent: string[] = [];
      for (let m = 0; m < count; m++) {
        const text = `${tag} v${v} s${s} m${m}`;
        await say(t, customer, text);
        sent.push(text);
      }
      perSegment.push(sent);
    }
    await leave(t, customer);
    const upTo = continuedBy.type === 'FROM_SEGMENT' ? continuedBy.segment : segments.length - 1;
    line = [...line, ...perSegment.slice(0, upTo + 1).flat()];
    source = continuedBy.type === 'FROM_SEGMENT' ? { type: 'FROM_SEGMENT', contactId: contacts[upTo]! } : { type: 'ENTIRE_PAST_SESSION', contactId: customer.contactId };
  }
  const reader = await start();
  for (let m = 0; m < current; m++) {
    const text = `${tag} now m${m}`;
    await say(t, reader, text);
    line.push(text);
  }
  return { reader, expected: line };
}

it('pages every item of any history exactly once and in order, for any page size and sort order', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(histories, async ({ visits, current, maxResults, sortOrder }) => {
      const tag = `run${run++}`;
      const shaped: Visit[] = visits.map(({ segments, fromSegment, entire }) => ({
        segments,
        continuedBy: entire ? { type: 'ENTIRE_PAST_SESSION' } : { type: 'FROM_SEGMENT', segment: fromSegment % segments.length },
      }));
      const { reader, expected } = await build(tag, shaped, current);
      const pages = await pageBack(t, reader, maxResults, { SortOrder: sortOrder });
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(maxResults);
      // Pages come newest first; each page is sorted as asked.
      const newestFirst = pages.flatMap((page) => (sortOrder === 'ASCENDING' ? [...page].reverse() : page));
      expect(new Set(newestFirst.map((item) => item.Id)).size).toBe(newestFirst.length);
      for (let i = 1; i < newestFirst.length; i++) expect(newestFirst[i - 1]!.AbsoluteTime! >= newestFirst[i]!.AbsoluteTime!).toBe(true);
      expect(messages(newestFirst).reverse()).toEqual(expected);
      // The first call has a NextToken exactly when it did not return everything (it may stop early at a contact boundary).
      const first = await t.participant.send(new GetTranscriptCommand({ ConnectionToken: reader.connectionToken, MaxResults: maxResults }));
      expect(first.NextToken !== undefined).toBe(first.Transcript!.length < newestFirst.length);
    }),
    { numRuns: 12, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31), verbose: 1 },
  );
}, 240_000);
