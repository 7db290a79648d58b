import { DescribeContactCommand, InvalidRequestException, ResourceNotFoundException, StopContactCommand } from '@aws-sdk/client-connect';
import { AccessDeniedException, GetTranscriptCommand, type Item, SendMessageCommand, ValidationException } from '@aws-sdk/client-connectparticipant';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Connected, INSTANCE, joinAgent, leave, messages, pageBack, say, startChat, transfer } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';

let t: TestServer;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestServer();
  s3 = new S3Client({
    endpoint: t.server.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: t.server.s3Credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  s3.destroy();
  await t.stop();
});

/**
 * The seed's past chat: C1 with agent a1, transferred to C2 with agent a2, then a post-chat survey
 * segment C3 (TransferContact without a queue); the customer disconnects and the session ends.
 */
async function pastChat(tag: string) {
  const customer = await startChat(t, { InitialMessage: { ContentType: 'text/plain', Content: `${tag} hello` } });
  const c1 = customer.contactId;
  const a1 = await joinAgent(t, c1, 'a1');
  await say(t, a1, `${tag} c1 agent`);
  await say(t, customer, `${tag} c1 customer`);
  const c2 = await transfer(t, c1, 'queue-2');
  const a2 = await joinAgent(t, c2, 'a2');
  await say(t, a2, `${tag} c2 agent`);
  await say(t, customer, `${tag} c2 customer`);
  const c3 = await transfer(t, c2);
  await say(t, customer, `${tag} c3 survey answer`);
  await leave(t, customer);
  return { c1, c2, c3, customer, a1, a2 };
}

const describeContact = async (contactId: string) =>
  (await t.connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: contactId }))).Contact!;

function expectEachOnceInOrder(pages: Item[][]) {
  const items = pages.flat();
  expect(new Set(items.map((item) => item.Id)).size).toBe(items.length);
  for (let i = 1; i < items.length; i++) expect(items[i - 1]!.AbsoluteTime! >= items[i]!.AbsoluteTime!).toBe(true);
  return items;
}

describe('persistent chat, as the seed describes it', () => {
  it('use case 1: FROM_SEGMENT on C2 shows C2 and C1, drops the survey C3', async () => {
    const past = await pastChat('uc1');
    const chat = await startChat(t, { PersistentChat: { RehydrationType: 'FROM_SEGMENT', SourceContactId: past.c2 } });
    expect(chat.continuedFrom).toBe(past.c2);
    expect((await describeContact(chat.contactId)).RelatedContactId).toBe(past.c2);

    const first = await t.participant.send(new GetTranscriptCommand({ ConnectionToken: chat.connectionToken }));
    expect(first.InitialContactId).toBe(chat.contactId);
    expect(first.NextToken).toBeDefined();

    const pages = await pageBack(t, chat, 2);
    const items = expectEachOnceInOrder(pages);
    expect(messages(items)).toEqual(['uc1 c2 customer', 'uc1 c2 agent', 'uc1 c1 customer', 'uc1 c1 agent', 'uc1 hello']);
    const past_ = items.filter((item) => item.RelatedContactId);
    expect(new Set(past_.map((item) => item.RelatedContactId))).toEqual(new Set([past.c1, past.c2]));
    for (const item of items.filter((i) => !i.RelatedContactId)) expect(item.ContactId).toBe(chat.contactId);
    expect(items.some((item) => item.ContentType === 'application/vnd.amazonaws.connect.event.chat.rehydrated')).toBe(true);
  });

  it('use case 2: ENTIRE_PAST_SESSION on C1 continues from C3 and shows all three', async () => {
    const past = await pastChat('uc2');
    const chat = await startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: past.c1 } });
    expect(chat.continuedFrom).toBe(past.c3);
    expect((await describeContact(chat.contactId)).RelatedContactId).toBe(past.c3);
    await say(t, chat, 'uc2 back again');

    const items = expectEachOnceInOrder(await pageBack(t, chat, 3, { SortOrder: 'DESCENDING' }));
    expect(messages(items)).toEqual([
      'uc2 back again',
      'uc2 c3 survey answer',
      'uc2 c2 customer',
      'uc2 c2 agent',
      'uc2 c1 customer',
      'uc2 c1 agent',
      'uc2 hello',
    ]);
    const contactsSeen = [...new Set(items.map((item) => item.RelatedContactId ?? item.ContactId))];
    expect(contactsSeen).toEqual([chat.contactId, past.c3, past.c2, past.c1]);
    const events = items.filter((item) => item.Type === 'EVENT').map((item) => item.ContentType);
    expect(events).toEqual(
      expect.arrayContaining([
        'application/vnd.amazonaws.connect.event.chat.ended',
        'application/vnd.amazonaws.connect.event.participant.left',
        'application/vnd.amazonaws.connect.event.participant.joined',
        'application/vnd.amazonaws.connect.event.transfer.succeeded',
      ]),
    );
  });

  it('sorts pages ASCENDING on request while still paging backward', async () => {
    const past = await pastChat('asc');
    const chat = await startChat(t, { PersistentChat: { RehydrationType: 'FROM_SEGMENT', SourceContactId: past.c1 } });
    const pages = await pageBack(t, chat, 4, { SortOrder: 'ASCENDING' });
    for (const page of pages) for (let i = 1; i < page.length; i++) expect(page[i - 1]!.AbsoluteTime! <= page[i]!.AbsoluteTime!).toBe(true);
    expect(messages(pages.reverse().flat())).toEqual(['asc hello', 'asc c1 agent', 'asc c1 customer']);
  });

  it('links cumulatively: a chat continued from a continued chat sees the whole line back', async () => {
    const past = await pastChat('cum');
    const second = await startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: past.c1 } });
    await say(t, second, 'cum second visit');
    await leave(t, second);
    const third = await startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: second.contactId } });
    expect(third.continuedFrom).toBe(second.contactId);
    const items = expectEachOnceInOrder(await pageBack(t, third, 5));
    expect(messages(items)).toEqual([
      'cum second visit',
      'cum c3 survey answer',
      'cum c2 customer',
      'cum c2 agent',
      'cum c1 customer',
      'cum c1 agent',
      'cum hello',
    ]);
  });

  it('rehydrates the moment the past chat has ended, and not before', async () => {
    const live = await startChat(t);
    await expect(
      startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: live.contactId } }),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    await say(t, live, 'just now');
    await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: live.contactId }));
    const chat = await startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: live.contactId } });
    expect(messages((await pageBack(t, chat, 10)).flat())).toEqual(['just now']);
  });

  it('refuses every source Amazon Connect refuses', async () => {
    const past = await pastChat('refuse');
    const start = (type: 'FROM_SEGMENT' | 'ENTIRE_PAST_SESSION', source: string, extra = {}) =>
      startChat(t, { PersistentChat: { RehydrationType: type, SourceContactId: source }, ...extra });
    await expect(start('FROM_SEGMENT', 'no-such-contact')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(start('ENTIRE_PAST_SESSION', past.c2)).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(start('FROM_SEGMENT', past.c2, { RelatedContactId: past.c1 })).rejects.toBeInstanceOf(InvalidRequestException);
    await start('FROM_SEGMENT', past.c2);
    await expect(start('FROM_SEGMENT', past.c2)).rejects.toThrow(/already been used/);
    // The rule is about the SourceContactId given: C1 still seeds one chat.
    const fromC1 = await start('ENTIRE_PAST_SESSION', past.c1);
    expect(fromC1.continuedFrom).toBe(past.c3);
  });

  it('lets exactly one of several racing rehydrations of one source win', async () => {
    const past = await pastChat('race');
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: past.c1 } })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InvalidRequestException);
  });

  it('refuses altered, foreign and wrong-direction NextTokens, and StartPosition or ContactId on past items', async () => {
    const past = await pastChat('tokens');
    const chat = await startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: past.c1 } });
    const other = await startChat(t);
    const first = await t.participant.send(new GetTranscriptCommand({ ConnectionToken: chat.connectionToken, MaxResults: 2 }));
    const token = first.NextToken!;
    expect(token.length).toBeLessThanOrEqual(1000);
    const get = (who: Connected, input: object) => t.participant.send(new GetTranscriptCommand({ ConnectionToken: who.connectionToken, ...input }));

    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    await expect(get(chat, { NextToken: flipped, ScanDirection: 'BACKWARD' })).rejects.toBeInstanceOf(ValidationException);
    await expect(get(chat, { NextToken: token.slice(0, -3), ScanDirection: 'BACKWARD' })).rejects.toBeInstanceOf(ValidationException);
    await expect(get(chat, { NextToken: 'garbage', ScanDirection: 'BACKWARD' })).rejects.toBeInstanceOf(ValidationException);
    await expect(get(other, { NextToken: token, ScanDirection: 'BACKWARD' })).rejects.toBeInstanceOf(AccessDeniedException);
    await expect(get(chat, { NextToken: token, ScanDirection: 'FORWARD' })).rejects.toBeInstanceOf(ValidationException);
    await expect(get(chat, { ContactId: past.c2 })).rejects.toBeInstanceOf(ValidationException);
    const pastItem = (await pageBack(t, chat, 100)).flat().find((item) => item.RelatedContactId)!;
    await expect(get(chat, { StartPosition: { Id: pastItem.Id } })).rejects.toBeInstanceOf(ValidationException);
    await expect(get(chat, { StartPosition: { AbsoluteTime: pastItem.AbsoluteTime } })).rejects.toBeInstanceOf(ValidationException);
    // The untouched token still works.
    expect((await get(chat, { NextToken: token, ScanDirection: 'BACKWARD' })).Transcript!.length).toBeGreaterThan(0);
  });

  it('serves StartPosition, the ContactId filter and FORWARD scans on the current chat', async () => {
    const customer = await startChat(t);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await say(t, customer, `m${i}`));
    const c2 = await transfer(t, customer.contactId, 'q');
    for (let i = 5; i < 8; i++) ids.push(await say(t, customer, `m${i}`));
    const get = (input: object) => t.participant.send(new GetTranscriptCommand({ ConnectionToken: customer.connectionToken, ...input }));

    const forward = await get({ StartPosition: { Id: ids[2] }, MaxResults: 3, SortOrder: 'ASCENDING' });
    expect(messages(forward.Transcript!)).toEqual(['m2', 'm3', 'm4']);
    const rest = await get({ NextToken: forward.NextToken, ScanDirection: 'FORWARD', SortOrder: 'ASCENDING', MaxResults: 100 });
    expect(messages(rest.Transcript!)).toEqual(['m5', 'm6', 'm7']);
    expect(rest.NextToken).toBeUndefined();

    const onlyFirst = await get({ ContactId: customer.contactId, MaxResults: 100 });
    expect(messages(onlyFirst.Transcript!)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    for (const item of onlyFirst.Transcript!) expect(item.ContactId).toBe(customer.contactId);
    const onlySecond = await get({ ContactId: c2, MaxResults: 100, SortOrder: 'ASCENDING' });
    expect(messages(onlySecond.Transcript!)).toEqual(['m5', 'm6', 'm7']);

    const newest = await get({ StartPosition: { MostRecent: 0 }, ScanDirection: 'BACKWARD', MaxResults: 2 });
    expect(messages(newest.Transcript!)).toEqual(['m7', 'm6']);
    const all = await get({ ScanDirection: 'FORWARD', MaxResults: 100, SortOrder: 'ASCENDING' });
    expect(messages(all.Transcript!)).toEqual(ids.map((_, i) => `m${i}`));
    // chatjs always sends an empty StartPosition: it names no position, so the newest come first, as without one.
    expect(messages((await get({ StartPosition: {}, MaxResults: 1 })).Transcript!)).toEqual(['m7']);
    // MaxResults 0 reads as the default: a page that returned nothing would hand back a NextToken that never moves.
    const [zero, ten] = [await get({ MaxResults: 0 }), await get({ MaxResults: 10 })];
    expect(zero.Transcript!.map((item) => item.Id)).toEqual(ten.Transcript!.map((item) => item.Id));
    expect(zero.Transcript).toHaveLength(10);
    expect(Boolean(zero.NextToken)).toBe(Boolean(ten.NextToken));
  });

  it('writes each ended contact transcript to the bucket in Amazon Connect format, and reads Connect-exported files back', async () => {
    const past = await pastChat('file');
    const c1 = await describeContact(past.c1);
    const start = c1.InitiationTimestamp!.toISOString();
    const day = start.slice(0, 10).replaceAll('-', '/');
    const key = `connect/${INSTANCE}/ChatTranscripts/${day}/${past.c1}_${start.slice(0, 10).replaceAll('-', '')}T${start.slice(11, 16)}_UTC.json`;
    const object = await s3.send(new GetObjectCommand({ Bucket: t.server.config.transcriptBucket, Key: key }));
    const file = JSON.parse(await object.Body!.transformToString());
    expect(file).toMatchObject({ Version: '2019-08-26', InstanceId: INSTANCE, InitialContactId: past.c1, ContactId: past.c1 });
    expect(file.Participants).toEqual(
      expect.arrayContaining([{ ParticipantId: past.customer.participantId }, { ParticipantId: past.a1.participantId }]),
    );
    expect(messages(file.Transcript)).toEqual(['file hello', 'file c1 agent', 'file c1 customer']);

    // A transcript Amazon Connect itself exported: its documented shape, items out of order, no ContactId.
    const exported = {
      Version: '2019-08-26',
      AWSAccountId: '123456789012',
      InstanceId: INSTANCE,
      InitialContactId: past.c1,
      ContactId: past.c1,
      Participants: [{ ParticipantId: 'p-customer' }, { ParticipantId: 'p-agent' }],
      Transcript: [
        {
          AbsoluteTime: '2024-01-01T10:00:05.000Z',
          Content: 'exported reply',
          ContentType: 'text/plain',
          Id: 'e-2',
          Type: 'MESSAGE',
          ParticipantId: 'p-agent',
          DisplayName: 'Agent',
          ParticipantRole: 'AGENT',
        },
        {
          AbsoluteTime: '2024-01-01T10:00:00.000Z',
          ContentType: 'application/vnd.amazonaws.connect.event.participant.joined',
          Id: 'e-0',
          Type: 'EVENT',
          ParticipantId: 'p-customer',
          DisplayName: 'Customer',
          ParticipantRole: 'CUSTOMER',
        },
        {
          AbsoluteTime: '2024-01-01T10:00:01.000Z',
          Content: 'exported question',
          ContentType: 'text/plain',
          Id: 'e-1',
          Type: 'MESSAGE',
          ParticipantId: 'p-customer',
          DisplayName: 'Customer',
          ParticipantRole: 'CUSTOMER',
        },
      ],
    };
    await s3.send(new PutObjectCommand({ Bucket: t.server.config.transcriptBucket, Key: key, Body: JSON.stringify(exported) }));
    const chat = await startChat(t, { PersistentChat: { RehydrationType: 'FROM_SEGMENT', SourceContactId: past.c1 } });
    const items = (await pageBack(t, chat, 2)).flat();
    expect(messages(items)).toEqual(['exported reply', 'exported question']);
    expect(items.find((item) => item.Id === 'e-1')).toMatchObject({
      RelatedContactId: past.c1,
      DisplayName: 'Customer',
      ParticipantRole: 'CUSTOMER',
    });
  });

  it('refuses a disconnected participant with 403, and sending to an ended chat', async () => {
    const chat = await startChat(t);
    const agent = await joinAgent(t, chat.contactId, 'agent');
    await leave(t, agent);
    await expect(say(t, agent, 'still here?')).rejects.toBeInstanceOf(AccessDeniedException);
    await say(t, chat, 'anyone?');
    await leave(t, chat);
    const error = await say(t, chat, 'hello?').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect((error as AccessDeniedException).$metadata.httpStatusCode).toBe(403);
    await expect(t.participant.send(new GetTranscriptCommand({ ConnectionToken: chat.connectionToken }))).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
    await expect(
      t.participant.send(new SendMessageCommand({ ConnectionToken: 'forged', ContentType: 'text/plain', Content: 'x' })),
    ).rejects.toBeInstanceOf(AccessDeniedException);
  });

  it('checks message content types and sizes as Amazon Connect limits them', async () => {
    const chat = await startChat(t, { SupportedMessagingContentTypes: ['text/plain', 'text/markdown'] });
    const send = (ContentType: string, Content: string) =>
      t.participant.send(new SendMessageCommand({ ConnectionToken: chat.connectionToken, ContentType, Content }));
    await send('text/markdown', '**bold**');
    await expect(send('text/plain', 'x'.repeat(1025))).rejects.toBeInstanceOf(ValidationException);
    await expect(send('application/json', '{}')).rejects.toBeInstanceOf(ValidationException);
    await expect(send('image/png', 'x')).rejects.toBeInstanceOf(ValidationException);
    await send('text/plain', 'x'.repeat(1024));
  });
});
