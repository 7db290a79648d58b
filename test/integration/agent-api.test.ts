import { DescribeContactCommand } from '@aws-sdk/client-connect';
import { CreateParticipantConnectionCommand, DisconnectParticipantCommand, SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import { SignJWT, generateKeyPair } from 'jose';
import { agentApi, signIn } from '../support/agents';
import { startTestServer, type TestServer } from '../support/local-server';
import { FrameClient } from '../support/websocket';

/** The agent API over HTTP, with tokens from the local OpenID Connect provider's sign-in. */
let t: TestServer;
let url: string;

beforeAll(async () => {
  t = await startTestServer({ routing: { agentChatLimit: 100 } });
  url = t.server.url;
});
afterAll(() => t.stop());

async function customer(name: string): Promise<{ ContactId: string; ParticipantToken: string }> {
  const response = await fetch(`${url}/widget/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ DisplayName: name }),
  });
  return (await response.json()) as { ContactId: string; ParticipantToken: string };
}

interface Waiting {
  Contacts: { ContactId: string; CustomerName: string; QueueId: string; ReservedForMe: boolean }[];
}

test('the agent routes take only access tokens of the local sign-in, as the Cognito authorizer does', async () => {
  const denied = { status: 401, body: expect.objectContaining({ __type: 'AccessDeniedException' }) };
  expect(await agentApi(url, undefined)('GET', 'waiting')).toEqual(denied);
  expect(await agentApi(url, 'not-a-token')('GET', 'waiting')).toEqual(denied);
  // Cognito's claims, signed by a key that is not the provider's.
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({
    username: 'mallory',
    'cognito:groups': ['support'],
    token_use: 'access',
    client_id: 'agent-desk',
    scope: 'openid',
  })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(`${url}/oidc`)
    .setExpirationTime('1h')
    .sign(privateKey);
  expect(await agentApi(url, forged)('GET', 'waiting')).toEqual(denied);
  const token = await signIn(url, 'ann', ['support', 'billing']);
  expect(await agentApi(url, token)('GET', 'waiting')).toEqual({ status: 200, body: { Contacts: expect.any(Array) } });
});

test('two agents see the waiting chat, both accept, one gets it; the winner chats, transfers to the other, who ends it', async () => {
  const ann = agentApi(url, await signIn(url, 'ann', ['support']));
  const bob = agentApi(url, await signIn(url, 'bob', ['support', 'billing']));
  const { ContactId } = await customer('Ada');
  for (const agent of [ann, bob]) {
    const { body } = await agent<Waiting>('GET', 'waiting');
    expect(body.Contacts.find((contact) => contact.ContactId === ContactId)).toMatchObject({ CustomerName: 'Ada', QueueId: 'support' });
  }
  const [fromAnn, fromBob] = await Promise.all([ann('POST', 'accept', { ContactId }), bob('POST', 'accept', { ContactId })]);
  expect([fromAnn.status, fromBob.status].sort()).toEqual([200, 409]);
  const [winner, loser] = fromAnn.status === 200 ? [ann, bob] : [bob, ann];
  const won = fromAnn.status === 200 ? fromAnn : fromBob;
  expect((fromAnn.status === 409 ? fromAnn : fromBob).body.__type).toBe('ConflictException');
  const token = (won.body as { ParticipantCredentials: { ParticipantToken: string } }).ParticipantCredentials.ParticipantToken;
  // The winner's participant is an agent like any CreateParticipant made: it sends with the participant API.
  const { ConnectionCredentials } = await t.participant.send(
    new CreateParticipantConnectionCommand({ ParticipantToken: token, Type: ['CONNECTION_CREDENTIALS'] }),
  );
  await t.participant.send(
    new SendMessageCommand({ ConnectionToken: ConnectionCredentials!.ConnectionToken!, ContentType: 'text/plain', Content: 'Hello Ada' }),
  );
  expect((await winner<{ Chats: { ContactId: string }[] }>('GET', 'chats')).body.Chats.map((chat) => chat.ContactId)).toContain(ContactId);
  expect((await loser('POST', 'end', { ContactId })).status).toBe(403);
  expect((await winner('POST', 'rejoin', { ContactId })).status).toBe(200);

  const loserName = winner === ann ? 'bob' : 'ann';
  const transferred = await winner<{ ContactId: string }>('POST', 'transfer', { ContactId, UserId: loserName });
  expect(transferred.status).toBe(200);
  const next = transferred.body.ContactId;
  const offered = (await loser<Waiting>('GET', 'waiting')).body.Contacts.find((contact) => contact.ContactId === next);
  expect(offered).toMatchObject({ ReservedForMe: true, CustomerName: 'Ada' });
  expect((await winner<Waiting>('GET', 'waiting')).body.Contacts.map((contact) => contact.ContactId)).not.toContain(next);
  expect((await loser('POST', 'accept', { ContactId: next })).status).toBe(200);
  expect((await loser('POST', 'end', { ContactId: next })).status).toBe(200);
  const { Contact } = await t.connect.send(new DescribeContactCommand({ InstanceId: 'local', ContactId: next }));
  expect(Contact?.DisconnectTimestamp).toBeInstanceOf(Date);
  expect(Contact?.AgentInfo?.Id).toBe(loserName);
});

test('of two agents accepting the same chat over HTTP exactly one gets it, every time (50 runs)', async () => {
  const agents = [agentApi(url, await signIn(url, 'cy', ['support'])), agentApi(url, await signIn(url, 'di', ['support']))];
  for (let run = 0; run < 50; run++) {
    const { ContactId } = await customer(`Racer ${run}`);
    const statuses = (await Promise.all(agents.map((agent) => agent('POST', 'accept', { ContactId })))).map((answer) => answer.status);
    expect(statuses.sort()).toEqual([200, 409]);
  }
}, 300_000); // 50 races on DynamoDB Local: its transactions are slow on a busy machine

test('the wrong queue, a bad request, an unknown contact: answered in the participant API shape', async () => {
  const eve = agentApi(url, await signIn(url, 'eve', ['billing']));
  const { ContactId } = await customer('Flo');
  expect(await eve('POST', 'accept', { ContactId })).toEqual({ status: 403, body: expect.objectContaining({ __type: 'AccessDeniedException' }) });
  expect(await eve('POST', 'accept', {})).toEqual({ status: 400, body: expect.objectContaining({ __type: 'ValidationException' }) });
  expect(await eve('POST', 'accept', { ContactId: 'no-such-contact' })).toEqual({
    status: 404,
    body: expect.objectContaining({ __type: 'ResourceNotFoundException' }),
  });
  expect((await eve('POST', 'sign-out')).status).toBe(200);
});

test("a desk's socket is told when a waiting list of its queues changes: a chat starts waiting, is accepted, ends while waiting", async () => {
  const ann = agentApi(url, await signIn(url, 'ann', ['support']));
  const bob = agentApi(url, await signIn(url, 'bob', ['billing']));
  const [annDesk, bobDesk] = await Promise.all(
    [ann, bob].map(async (agent) => {
      const { status, body } = await agent<{ Url: string; ConnectionExpiry: string }>('POST', 'connection');
      expect([status, body.ConnectionExpiry]).toEqual([200, expect.any(String)]);
      return FrameClient.open(body.Url);
    }),
  );
  const nudges = (desk: FrameClient) => desk.frames.filter((frame) => frame.topic === 'agent/waiting').length;
  const nudged = (desk: FrameClient, count: number) =>
    desk
      .next(() => nudges(desk) >= count, 2000)
      .then(() => expect(JSON.parse(desk.frames.at(-1)!.content as string)).toEqual({ QueueId: 'support' }));

  const first = await customer('Ada');
  await nudged(annDesk, 1);
  expect((await ann('POST', 'accept', { ContactId: first.ContactId })).status).toBe(200);
  await nudged(annDesk, 2);
  const second = await customer('Grace');
  await nudged(annDesk, 3);
  const connection = await t.participant.send(
    new CreateParticipantConnectionCommand({ ParticipantToken: second.ParticipantToken, Type: ['CONNECTION_CREDENTIALS'] }),
  );
  await t.participant.send(new DisconnectParticipantCommand({ ConnectionToken: connection.ConnectionCredentials!.ConnectionToken }));
  await nudged(annDesk, 4);
  // Bob's queues are not the widget's: nothing of these reached his desk.
  expect(nudges(bobDesk)).toBe(0);

  // A URL serves one connection, and only for its 100 seconds; an agent API token is no URL.
  const { body } = await ann<{ Url: string }>('POST', 'connection');
  (await FrameClient.open(body.Url)).socket.close();
  await expect(FrameClient.open(body.Url)).rejects.toThrow('refused: 403');
  for (const desk of [annDesk, bobDesk]) desk.socket.close();
});
