import { DescribeContactCommand, StartChatContactCommand, StopContactCommand } from '@aws-sdk/client-connect';
import { GetTranscriptCommand } from '@aws-sdk/client-connectparticipant';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EVENT, eventItem } from '../../lambdas/domain/items';
import { Transcripts } from '../../lambdas/domain/transcripts';
import { DynamoContactStore } from '../../lambdas/stores/dynamodb/contact-store';
import { S3TranscriptFiles } from '../../lambdas/stores/s3/transcript-files';
import { INSTANCE, messages, say, startChat } from '../support/chat';
import { eventually, startTestServer, type TestServer } from '../support/local-server';
import { FrameClient, websocketConnection } from '../support/websocket';

/**
 * The sweep, on the local server's timer (every 100 ms here, 5 s by default; every minute on AWS): chats
 * nobody touches end on time, and archives a failure or a crash left unfinished are finished. The
 * server's clock runs `skew` ms ahead of the real one, so no test waits an hour.
 */
let t: TestServer;
let skew = 0;
const MINUTE = 60_000;

beforeAll(async () => {
  t = await startTestServer({ now: () => Date.now() + skew, sweepIntervalMs: 100 });
});
afterEach(() => {
  skew = 0;
});
afterAll(async () => {
  await t.stop();
});

const store = () => new DynamoContactStore(t.server.clients.db, t.server.config.tableName);
const tableItems = async (contactId: string) =>
  (
    await t.server.clients.db.send(
      new QueryCommand({
        TableName: t.server.config.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :item)',
        ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}`, ':item': 'ITEM#' },
      }),
    )
  ).Items ?? [];
const describe_ = (contactId: string) => t.connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));

/** Ends the chat in the store only, as a process that died right after the end's transaction leaves it: no file, items in the table. */
async function endedByACrash(contactId: string): Promise<void> {
  const session = (await store().getSession(contactId))!;
  const at = Math.max(Date.now() + skew, session.lastItemAt! + 1);
  await store().endSession({
    contactId,
    clock: { initialContactId: contactId, first: at, last: at, contactItems: (session.contactItems ?? 0) + 1 },
    now: at,
    customer: session.customer,
    participants: [],
    items: [eventItem(EVENT.chatEnded, at)],
  });
}

test('a chat nobody touches ends by itself past its duration: everyone told, transcript archived, sockets closed', async () => {
  const started = await t.connect.send(
    new StartChatContactCommand({
      InstanceId: INSTANCE,
      ContactFlowId: 'flow',
      ParticipantDetails: { DisplayName: 'Ann' },
      ChatDurationInMinutes: 60,
    }),
  );
  const contactId = started.ContactId!;
  // The customer's tab is open half an hour in (a connection lives an hour), then nobody does anything.
  skew = 30 * MINUTE;
  const { url, connectionToken } = await websocketConnection(t, started.ParticipantToken!);
  await say(t, { contactId, participantId: started.ParticipantId!, connectionToken }, 'anyone there?');
  const socket = await FrameClient.open(url);
  socket.send({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } });
  await socket.next((frame) => frame.topic === 'aws/subscribe');

  await new Promise((resolve) => setTimeout(resolve, 300)); // a few sweeps: nothing is due yet
  expect((await describe_(contactId)).Contact?.DisconnectTimestamp).toBeUndefined();

  skew = 61 * MINUTE;
  const ended = await socket.item((item) => item.ContentType === EVENT.chatEnded, 10_000);
  expect(ended).toMatchObject({ ContactId: contactId, InitialContactId: contactId });
  await socket.waitClosed();
  const contact = (await describe_(contactId)).Contact!;
  expect(contact.DisconnectReason).toBe('EXPIRED');
  expect(contact.DisconnectTimestamp!.getTime()).toBeGreaterThanOrEqual(Date.now() + 60 * MINUTE - 10_000);

  // Archived as by StopContact: the file is written, the table holds no items, and the transcript reads from the file.
  const record = await eventually(async () => {
    const found = await store().getContact(contactId);
    return found?.transcriptKey ? found : undefined;
  });
  expect(await t.server.clients.s3.get(record.transcriptKey!)).toContain('anyone there?');
  skew = 63 * MINUTE; // the items stay in the table a grace after the file (REQUEST_GRACE_MS)
  await eventually(async () => ((await tableItems(contactId)).length === 0 ? true : undefined));
  const { Transcript } = await t.participant.send(
    new GetTranscriptCommand({ ConnectionToken: connectionToken, ScanDirection: 'BACKWARD', MaxResults: 100 }),
  );
  expect(messages(Transcript!)).toEqual(['anyone there?']);
  expect(Transcript!.map((item) => item.ContentType)).toContain(EVENT.chatEnded);
  expect(await store().dueChats(Number.MAX_SAFE_INTEGER, 1000)).not.toContain(contactId);
});

test('a contact left ended but unarchived (a failed write, a crash) is archived by the sweep a minute later', async () => {
  const customer = await startChat(t);
  await say(t, customer, 'said before the crash');
  await endedByACrash(customer.contactId);
  expect(await store().unfinishedArchives(Number.MAX_SAFE_INTEGER, 1000)).toContain(customer.contactId);

  // A request may still be archiving it for a minute: the sweep leaves it alone that long.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect((await store().getContact(customer.contactId))?.transcriptKey).toBeUndefined();
  // Readers read it from the table meanwhile.
  const { Transcript } = await t.participant.send(new GetTranscriptCommand({ ConnectionToken: customer.connectionToken, ScanDirection: 'BACKWARD' }));
  expect(messages(Transcript!)).toEqual(['said before the crash']);

  skew = 2 * MINUTE;
  const record = await eventually(async () => {
    const found = await store().getContact(customer.contactId);
    return found?.transcriptKey ? found : undefined;
  });
  expect(await t.server.clients.s3.get(record.transcriptKey!)).toContain('said before the crash');
  skew = 4 * MINUTE; // a grace after the file
  await eventually(async () => ((await tableItems(customer.contactId)).length === 0 ? true : undefined));
  await eventually(async () => (!(await store().unfinishedArchives(Number.MAX_SAFE_INTEGER, 1000)).includes(customer.contactId) ? true : undefined));
});

test('items left in the table after the file became durable are deleted by the sweep, the file kept', async () => {
  const customer = await startChat(t);
  await say(t, customer, 'in the file');
  await endedByACrash(customer.contactId);
  // The process died after writing the file and marking the contact, before deleting the items.
  const contact = (await store().getContact(customer.contactId))!;
  const transcripts = new Transcripts({
    store: store(),
    files: new S3TranscriptFiles(t.server.clients.s3),
    accountId: '0',
    prefix: 'connect',
    warn: () => {},
  });
  const key = transcripts.key(contact);
  const file = {
    Version: '2019-08-26',
    AWSAccountId: '0',
    InstanceId: INSTANCE,
    InitialContactId: customer.contactId,
    ContactId: customer.contactId,
    Participants: [],
    Transcript: [],
  };
  await new S3TranscriptFiles(t.server.clients.s3).put(key, file);
  await store().markArchived(customer.contactId, key, Date.now());
  expect((await tableItems(customer.contactId)).length).toBeGreaterThan(0);

  skew = 2 * MINUTE;
  await eventually(async () => ((await tableItems(customer.contactId)).length === 0 ? true : undefined));
  expect(JSON.parse((await t.server.clients.s3.get(key))!)).toEqual(file);
  await eventually(async () => (!(await store().unfinishedArchives(Number.MAX_SAFE_INTEGER, 1000)).includes(customer.contactId) ? true : undefined));
});

test('an archived contact keeps its items in the table through the grace, for readers that began before; the sweep deletes them after', async () => {
  const customer = await startChat(t);
  await say(t, customer, 'first');
  await say(t, customer, 'last');
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: customer.contactId }));
  const record = (await store().getContact(customer.contactId))!;
  expect(record.transcriptKey).toBeDefined(); // StopContact wrote the file

  const read = async () => {
    const { connectionToken } = customer;
    const backward = await t.participant.send(
      new GetTranscriptCommand({ ConnectionToken: connectionToken, ScanDirection: 'BACKWARD', SortOrder: 'ASCENDING' }),
    );
    // FORWARD from a time: the chat's newest contact, read past its end.
    const forward = await t.participant.send(
      new GetTranscriptCommand({
        ConnectionToken: connectionToken,
        ScanDirection: 'FORWARD',
        SortOrder: 'ASCENDING',
        StartPosition: { AbsoluteTime: new Date(record.initiationTimestamp).toISOString() },
      }),
    );
    return [messages(backward.Transcript!), messages(forward.Transcript!)];
  };
  await new Promise((resolve) => setTimeout(resolve, 300)); // a few sweeps
  const held = (await tableItems(customer.contactId)).length;
  expect(held).toBeGreaterThan(3);
  expect(await read()).toEqual([
    ['first', 'last'],
    ['first', 'last'],
  ]);

  skew = MINUTE - 5_000;
  await new Promise((resolve) => setTimeout(resolve, 300)); // still within the grace
  expect((await tableItems(customer.contactId)).length).toBe(held);

  skew = MINUTE + 5_000;
  await eventually(async () => ((await tableItems(customer.contactId)).length === 0 ? true : undefined));
  await eventually(async () => (!(await store().unfinishedArchives(Number.MAX_SAFE_INTEGER, 1000)).includes(customer.contactId) ? true : undefined));
  expect(await read()).toEqual([
    ['first', 'last'],
    ['first', 'last'],
  ]);
});
