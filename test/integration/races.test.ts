import { DescribeContactCommand, TransferContactCommand } from '@aws-sdk/client-connect';
import { AccessDeniedException, GetTranscriptCommand, SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { INSTANCE, joinAgent, leave, messages, say, startChat } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

it('stores 50 concurrent messages on one chat exactly once, in one order every reader sees', async () => {
  const chat = await startChat(t);
  const texts = Array.from({ length: 50 }, (_, i) => `concurrent ${i}`);
  const sent = await Promise.all(
    texts.map((text, i) =>
      t.participant.send(
        new SendMessageCommand({ ConnectionToken: chat.connectionToken, ContentType: 'text/plain', Content: text, ClientToken: `c-${i}` }),
      ),
    ),
  );
  // A retry with the same ClientToken is the same message, not a second one.
  const retried = await t.participant.send(
    new SendMessageCommand({ ConnectionToken: chat.connectionToken, ContentType: 'text/plain', Content: texts[7], ClientToken: 'c-7' }),
  );
  expect(retried.Id).toBe(sent[7]!.Id);
  // Each ClientToken's record is one row in the chat's own partition (where erasure finds it), with no note beside it.
  const { Items: rows = [] } = await t.server.clients.db.send(
    new QueryCommand({
      TableName: t.server.config.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `CONTACT#${chat.contactId}` },
    }),
  );
  const sks = rows.map((row) => row.sk as string);
  expect(sks.filter((sk) => sk.startsWith('CLIENTTOKEN#SendMessage#'))).toHaveLength(50);
  expect(sks.filter((sk) => sk.startsWith('OWNS#CLIENTTOKEN#SendMessage#'))).toEqual([]);

  const read = async () =>
    (
      await t.participant.send(
        new GetTranscriptCommand({ ConnectionToken: chat.connectionToken, ScanDirection: 'FORWARD', SortOrder: 'ASCENDING', MaxResults: 100 }),
      )
    ).Transcript!.filter((item) => item.Type === 'MESSAGE');
  const first = await read();
  expect(first).toHaveLength(50);
  expect(new Set(messages(first))).toEqual(new Set(texts));
  expect(new Set(first.map((item) => item.Id))).toEqual(new Set(sent.map((s) => s.Id)));
  for (let i = 1; i < first.length; i++) expect(first[i - 1]!.AbsoluteTime! <= first[i]!.AbsoluteTime!).toBe(true);
  expect((await read()).map((item) => item.Id)).toEqual(first.map((item) => item.Id));
});

it('keeps the chat consistent when a transfer races the customer leaving', async () => {
  for (let round = 0; round < 8; round++) {
    const chat = await startChat(t);
    const [transferred, left] = await Promise.allSettled([
      t.connect.send(new TransferContactCommand({ InstanceId: INSTANCE, ContactId: chat.contactId, ContactFlowId: 'flow', QueueId: 'q' })),
      leave(t, chat),
    ]);
    // The customer asked to leave and was let go, whatever the transfer did.
    expect(left.status).toBe('fulfilled');
    const first = (await t.connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: chat.contactId }))).Contact!;
    expect(first.DisconnectTimestamp).toBeInstanceOf(Date);
    if (transferred.status === 'fulfilled') {
      const next = (await t.connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: transferred.value.ContactId }))).Contact!;
      expect(next.PreviousContactId).toBe(chat.contactId);
      expect(next.DisconnectTimestamp).toBeInstanceOf(Date);
    }
  }
});

it("an agent's messages racing a transfer stay on the agent's contact, never the one the transfer started", async () => {
  for (let round = 0; round < 8; round++) {
    const chat = await startChat(t);
    const agent = await joinAgent(t, chat.contactId, `agent-${round}`);
    const [transferred, ...sends] = await Promise.allSettled([
      t.connect.send(new TransferContactCommand({ InstanceId: INSTANCE, ContactId: chat.contactId, ContactFlowId: 'flow', QueueId: 'q' })),
      ...Array.from({ length: 6 }, (_, i) => say(t, agent, `agent ${round} says ${i}`)),
    ]);
    expect(transferred.status).toBe('fulfilled');
    // A message either made it onto the agent's contact before the transfer, or is refused: the agent left with it.
    for (const send of sends) if (send.status === 'rejected') expect(send.reason).toBeInstanceOf(AccessDeniedException);
    const byAgent = async (contactId: string) =>
      (
        await t.participant.send(new GetTranscriptCommand({ ConnectionToken: chat.connectionToken, ContactId: contactId, MaxResults: 100 }))
      ).Transcript!.filter((item) => item.ParticipantId === agent.participantId && item.Type === 'MESSAGE');
    const next = (transferred as PromiseFulfilledResult<{ ContactId?: string }>).value.ContactId!;
    expect(await byAgent(next)).toEqual([]);
    expect(await byAgent(chat.contactId)).toHaveLength(sends.filter((send) => send.status === 'fulfilled').length);
  }
});
