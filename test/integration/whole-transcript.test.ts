import { CreateParticipantCommand } from '@aws-sdk/client-connect';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  CreateParticipantConnectionCommand,
  GetTranscriptCommand,
  type GetTranscriptCommandInput,
  type Item,
} from '@aws-sdk/client-connectparticipant';
import { type Connected, INSTANCE, joinAgent, leave, messages, pageBack, say, startChat, transfer } from '../support/chat';
import { countStoreReads, forwardPoller } from '../support/transcript';
import { startTestServer, type TestServer } from '../support/local-server';

// Lines of dozens of chats, bursts and restarts: minutes on a busy 2-core machine, not seconds.
jest.setTimeout(120_000);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

const read = async (who: Connected, input: Partial<GetTranscriptCommandInput>) =>
  t.participant.send(new GetTranscriptCommand({ ConnectionToken: who.connectionToken, ...input }));

/** The chat: m1, agent A1 answers, m2, a transfer to a queue, agent A2 joins and says b1. */
async function transferredChat() {
  const customer = await startChat(t);
  const a1 = await joinAgent(t, customer.contactId, 'A1');
  await say(t, customer, 'm1');
  await say(t, a1, 'a1');
  await say(t, customer, 'm2');
  const second = await transfer(t, customer.contactId, 'queue-2');
  const a2 = await joinAgent(t, second, 'A2');
  await say(t, a2, 'b1');
  return { customer, a2, contacts: [customer.contactId, second] };
}

describe('a chat after a transfer', () => {
  it('reads whole in one page of 100, for the new agent and the customer alike', async () => {
    const { customer, a2, contacts } = await transferredChat();
    for (const reader of [a2, customer]) {
      const page = await read(reader, { MaxResults: 100, ScanDirection: 'BACKWARD' });
      expect(page.NextToken).toBeUndefined();
      expect(messages(page.Transcript!).reverse()).toEqual(['m1', 'a1', 'm2', 'b1']);
      // Items of both contacts, each labelled with its own contact.
      expect(new Set(page.Transcript!.map((item) => item.ContactId))).toEqual(new Set(contacts));
      expect(page.Transcript!.every((item) => item.RelatedContactId === undefined)).toBe(true);
    }
  });

  it('fills pages of 15 across the transfer: every page but the last is full, no item twice or missing', async () => {
    const { customer, a2 } = await transferredChat();
    // More items than one page: ten more messages on the new contact.
    for (let i = 0; i < 10; i++) await say(t, i % 2 ? a2 : customer, `more ${i}`);
    const all = (await read(customer, { MaxResults: 100 })).Transcript!;
    expect(all.length).toBeGreaterThan(15);
    for (const reader of [a2, customer]) {
      const pages = await pageBack(t, reader, 15);
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(15);
      expect(pages.flat().map((item) => item.Id)).toEqual(all.map((item) => item.Id));
    }
  });

  it("pages back from StartPosition.Id of the oldest item held, across every transfer, as Amazon's widget loads earlier messages", async () => {
    const customer = await startChat(t);
    let contactId = customer.contactId;
    for (let segment = 0; segment < 4; segment++) {
      if (segment > 0) contactId = await transfer(t, contactId, segment % 2 ? `q${segment}` : undefined);
      await say(t, customer, `segment ${segment}`);
    }
    // The newest contact now holds exactly the first page: transfer succeeded and two messages.
    await say(t, customer, 'segment 3 again');
    const all = (await pageBack(t, customer, 100)).flat().reverse();
    expect(messages(all)).toEqual(['segment 0', 'segment 1', 'segment 2', 'segment 3', 'segment 3 again']);
    let held = (await read(customer, { MaxResults: 3, SortOrder: 'ASCENDING' })).Transcript!;
    await t.restart(); // a new container: nothing cached
    for (let round = 0; round < 20 && held.length < all.length; round++) {
      const page = await read(customer, { MaxResults: 3, ScanDirection: 'BACKWARD', SortOrder: 'ASCENDING', StartPosition: { Id: held[0]!.Id } });
      // The position's own item comes again (it is inclusive); everything before it is new.
      expect(page.Transcript!.at(-1)!.Id).toBe(held[0]!.Id);
      expect(page.Transcript!.length).toBe(Math.min(3, all.findIndex((item) => item.Id === held[0]!.Id) + 1));
      held = [...page.Transcript!.slice(0, -1), ...held];
    }
    expect(held.map((item) => item.Id)).toEqual(all.map((item) => item.Id));
  });

  it('finds StartPosition, MostRecent and ContactId in any contact of the current chat', async () => {
    const { customer, contacts } = await transferredChat();
    const all = (await read(customer, { MaxResults: 100, SortOrder: 'ASCENDING' })).Transcript!;
    const m1 = all.find((item) => item.Content === 'm1')!;
    const fromM1 = await read(customer, { StartPosition: { Id: m1.Id }, MaxResults: 100, SortOrder: 'ASCENDING' });
    expect(fromM1.Transcript!.map((item) => item.Id)).toEqual(all.slice(all.indexOf(m1)).map((item) => item.Id));
    const fromTime = await read(customer, { StartPosition: { AbsoluteTime: m1.AbsoluteTime }, MaxResults: 100, SortOrder: 'ASCENDING' });
    expect(fromTime.Transcript![0]!.Id).toBe(m1.Id);
    const recent = await read(customer, { StartPosition: { MostRecent: all.length - 1 }, MaxResults: 100, SortOrder: 'ASCENDING' });
    expect(recent.Transcript!.map((item) => item.Id)).toEqual(all.map((item) => item.Id));
    const first = await read(customer, { ContactId: contacts[0], MaxResults: 100, SortOrder: 'ASCENDING' });
    expect(first.Transcript!.map((item) => item.Id)).toEqual(all.filter((item) => item.ContactId === contacts[0]).map((item) => item.Id));
  });
});

describe('a FORWARD reader polling while everyone sends', () => {
  it('sees every acknowledged item exactly once, in the order the service returns it, agents joining included', async () => {
    const customer = await startChat(t);
    const agent = await joinAgent(t, customer.contactId, 'Agent');
    const pollers = [forwardPoller(t, customer), forwardPoller(t, agent)];
    const polling = pollers.map((poller) => poller.run());
    const joins: Promise<unknown>[] = [];
    const sends = Array.from({ length: 90 }, (_, i) => {
      if (i % 30 === 10) {
        joins.push(
          t.connect
            .send(
              new CreateParticipantCommand({
                InstanceId: INSTANCE,
                ContactId: customer.contactId,
                ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: `late ${i}` },
              }),
            )
            .then(({ ParticipantCredentials }) =>
              t.participant.send(
                new CreateParticipantConnectionCommand({
                  ParticipantToken: ParticipantCredentials!.ParticipantToken,
                  Type: ['CONNECTION_CREDENTIALS'],
                }),
              ),
            ),
        );
      }
      return say(t, i % 2 ? agent : customer, `burst ${i}`);
    });
    const acknowledged = await Promise.all(sends);
    await Promise.all(joins);
    const all = (await read(customer, { MaxResults: 100, SortOrder: 'ASCENDING', ScanDirection: 'FORWARD' })).Transcript!;
    // Everything the chat holds, the three late joins among it, reached each poller once, in the chat's order.
    expect(all.filter((item) => item.DisplayName?.startsWith('late ')).length).toBe(3);
    for (const poller of pollers) expect((await poller.stop()).map((item) => item.Id)).toEqual(all.map((item) => item.Id));
    await Promise.all(polling);
    expect(new Set(acknowledged).size).toBe(90);
    for (const id of acknowledged) expect(all.some((item) => item.Id === id)).toBe(true);
    // Times never go backwards in that order, so chatjs (which sorts by time) shows the same.
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.AbsoluteTime! < all[i]!.AbsoluteTime!).toBe(true);
  });
});

describe('a line of many short chats', () => {
  it('fills each page of 100 across past chats at one store read per contact, from cold caches', async () => {
    let previous: string | undefined;
    const expected: string[] = [];
    for (let chat = 0; chat < 40; chat++) {
      const customer = await startChat(t, previous ? { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: previous } } : {});
      await say(t, customer, `chat ${chat}`);
      expected.push(`chat ${chat}`);
      await leave(t, customer);
      previous = customer.contactId;
    }
    const reader = await startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: previous! } });
    await t.restart(); // new containers: nothing cached
    const reads = countStoreReads(t.server);
    const pages: Item[][] = [];
    let nextToken: string | undefined;
    do {
      reads.take();
      const page = await read(reader, { MaxResults: 100, NextToken: nextToken });
      const spanned = new Set(page.Transcript!.map((item) => item.ContactId ?? item.RelatedContactId)).size;
      // The session, then one read for each contact the page spans.
      expect(reads.take()).toBeLessThanOrEqual(spanned + 1);
      pages.push(page.Transcript!);
      nextToken = page.NextToken;
    } while (nextToken);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(100);
    expect(messages(pages.flat()).reverse()).toEqual(expected);
  });
});

describe('data stored before contacts named their neighbours', () => {
  it('reads the same line, and the chat goes on, once records, sessions and files lose what this version adds', async () => {
    const first = await startChat(t);
    await say(t, first, 'old 1');
    const second = await transfer(t, first.contactId, 'q');
    await say(t, first, 'old 2');
    await leave(t, first);
    const current = await startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: first.contactId } });
    await say(t, current, 'old 3');
    const before = (await pageBack(t, current, 100)).flat();

    // As the previous version stored them: no refs on contacts, no item clock on sessions, no ContactLine in files.
    const { db, s3 } = t.server.clients;
    const TableName = t.server.config.tableName;
    for (const contactId of [first.contactId, second, current.contactId]) {
      const Key = { pk: `CONTACT#${contactId}`, sk: 'CONTACT' };
      const { Attributes } = await db.send(
        new UpdateCommand({ TableName, Key, UpdateExpression: 'REMOVE linePrevious, lineNext', ReturnValues: 'ALL_NEW' }),
      );
      const key = Attributes!.transcriptKey as string | undefined;
      if (key) {
        const { ContactLine, ...file } = JSON.parse((await s3.get(key))!) as Record<string, unknown>;
        expect(ContactLine).toBeDefined();
        await s3.put(key, JSON.stringify(file), 'application/json');
      }
    }
    for (const initialContactId of [first.contactId, current.contactId]) {
      await db.send(
        new UpdateCommand({ TableName, Key: { pk: `CONTACT#${initialContactId}`, sk: 'SESSION' }, UpdateExpression: 'REMOVE lastItemAt' }),
      );
    }
    await t.restart();

    for (const maxResults of [1, 2, 3, 100])
      expect((await pageBack(t, current, maxResults)).flat().map((item) => item.Id)).toEqual(before.map((item) => item.Id));
    await say(t, current, 'new 1');
    const after = (await pageBack(t, current, 2)).flat();
    expect(messages(after).reverse()).toEqual(['old 1', 'old 2', 'old 3', 'new 1']);
    const fromOld = await read(current, { StartPosition: { Id: before[0]!.Id }, MaxResults: 100, SortOrder: 'ASCENDING' });
    expect(messages(fromOld.Transcript!)).toEqual(['old 3', 'new 1']);
  });
});

describe('what a poll costs', () => {
  it("reads FORWARD from the newest item with the session and one Query of the active contact's items", async () => {
    const customer = await startChat(t);
    const newest = await say(t, customer, 'hello');
    const reads = countStoreReads(t.server);
    const page = await read(customer, { ScanDirection: 'FORWARD', StartPosition: { Id: newest }, MaxResults: 100 });
    expect(page.Transcript!.map((item) => item.Id)).toEqual([newest]);
    // The session; then the item looked up on the active contact, with the items after it in the same Query.
    expect(reads.take()).toBe(2);
  });
});
