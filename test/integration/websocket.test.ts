import { QUOTAS } from '../../lambdas/domain/limits';
import { CreateParticipantCommand, StartChatContactCommand, StopContactCommand } from '@aws-sdk/client-connect';
import { DisconnectParticipantCommand, SendEventCommand, SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import fc from 'fast-check';
import { FRAME_WINDOW_MS } from '../../lambdas/domain/websockets';
import { INSTANCE, transfer } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';
import { FrameClient, websocketConnection } from '../support/websocket';

const EVENT = 'application/vnd.amazonaws.connect.event.';
let t: TestServer;
/** The service's clock runs `skew` ms ahead of the real one: URLs expire without a 100-second sleep. */
let skew = 0;
const sockets: FrameClient[] = [];

beforeAll(async () => {
  t = await startTestServer({ now: () => Date.now() + skew });
});
afterEach(() => {
  skew = 0;
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await t.stop();
});

async function open(url: string): Promise<FrameClient> {
  const socket = await FrameClient.open(url);
  sockets.push(socket);
  return socket;
}

/** A chat with a customer and an agent, each with a CONNECTION_CREDENTIALS token and an open, subscribed socket. */
async function chatWithSockets() {
  const started = await t.connect.send(
    new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Ann' } }),
  );
  const agentJoined = await t.connect.send(
    new CreateParticipantCommand({
      InstanceId: INSTANCE,
      ContactId: started.ContactId!,
      ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Bob' },
    }),
  );
  const customerConnection = await websocketConnection(t, started.ParticipantToken!);
  const agentConnection = await websocketConnection(t, agentJoined.ParticipantCredentials!.ParticipantToken!);
  const customer = {
    ...customerConnection,
    id: started.ParticipantId!,
    participantToken: started.ParticipantToken!,
    socket: await open(customerConnection.url),
  };
  const agent = { ...agentConnection, id: agentJoined.ParticipantId!, socket: await open(agentConnection.url) };
  for (const { socket } of [customer, agent]) {
    socket.send({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } });
    await socket.next((frame) => frame.topic === 'aws/subscribe');
  }
  return { contactId: started.ContactId!, customer, agent };
}

const say = (connectionToken: string, text: string) =>
  t.participant.send(new SendMessageCommand({ ConnectionToken: connectionToken, ContentType: 'text/plain', Content: text }));

describe('real-time delivery over WebSocket (chatjs frame protocol)', () => {
  it('CreateParticipantConnection returns a ws://127.0.0.1 URL on the server port, to be used within 100 seconds', async () => {
    const started = await t.connect.send(
      new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Ann' } }),
    );
    const before = Date.now();
    const { url, expiry, connectionToken } = await websocketConnection(t, started.ParticipantToken!);
    expect(url.startsWith(`${t.server.url.replace('http://', 'ws://')}/websocket?token=`)).toBe(true);
    expect(expiry).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const lifetime = Date.parse(expiry) - before;
    expect(lifetime).toBeGreaterThan(95_000);
    expect(lifetime).toBeLessThanOrEqual(101_000);
    expect(connectionToken.length).toBeGreaterThan(20);
  });

  it('answers subscribe, heartbeat and ping as chatjs expects, and refuses other topics', async () => {
    const { customer } = await chatWithSockets();
    const socket = customer.socket;
    expect(await socket.next((frame) => frame.topic === 'aws/subscribe')).toEqual({
      topic: 'aws/subscribe',
      content: { status: 'success', topics: ['aws/chat'] },
    });
    socket.send({ topic: 'aws/heartbeat' });
    expect(await socket.next((frame) => frame.topic === 'aws/heartbeat')).toEqual({ topic: 'aws/heartbeat' });
    socket.send({ topic: 'aws/ping' });
    expect(await socket.next((frame) => frame.topic === 'aws/ping')).toEqual({ topic: 'aws/ping', statusCode: 200 });
    socket.send({ topic: 'aws/subscribe', content: { topics: ['aws/other'] } });
    expect(await socket.next((frame) => frame.topic === 'aws/subscribe' && (frame.content as { status: string }).status === 'failure')).toBeTruthy();
    socket.send({ topic: 'aws/unknown' });
    expect(await socket.next((frame) => frame.message !== undefined)).toMatchObject({ message: 'Forbidden' });
  });

  it("pushes an agent's message to every participant, the sender included, within a second", async () => {
    const { contactId, customer, agent } = await chatWithSockets();
    const sent = await say(agent.connectionToken, 'hello from the agent');
    for (const { socket } of [customer, agent]) {
      const frame = await socket.next((f) => f.topic === 'aws/chat' && (JSON.parse(f.content as string) as { Id: string }).Id === sent.Id, 1000);
      expect(frame.contentType).toBe('application/json');
      expect(JSON.parse(frame.content as string)).toEqual({
        Id: sent.Id,
        AbsoluteTime: sent.AbsoluteTime,
        Type: 'MESSAGE',
        ContentType: 'text/plain',
        Content: 'hello from the agent',
        ParticipantId: agent.id,
        DisplayName: 'Bob',
        ParticipantRole: 'AGENT',
        InitialContactId: contactId,
        ContactId: contactId,
      });
    }
  });

  it('pushes typing and read receipts', async () => {
    const { customer, agent } = await chatWithSockets();
    await t.participant.send(new SendEventCommand({ ConnectionToken: customer.connectionToken, ContentType: `${EVENT}typing` }));
    const typing = await agent.socket.item((item) => item.ContentType === `${EVENT}typing`);
    expect(typing).toMatchObject({ Type: 'EVENT', ParticipantId: customer.id, ParticipantRole: 'CUSTOMER' });
    await customer.socket.item((item) => item.ContentType === `${EVENT}typing`);

    const sent = await say(agent.connectionToken, 'did you read this?');
    await t.participant.send(
      new SendEventCommand({
        ConnectionToken: customer.connectionToken,
        ContentType: `${EVENT}message.read`,
        Content: JSON.stringify({ messageId: sent.Id }),
      }),
    );
    const receipt = await agent.socket.item((item) => item.Type === 'MESSAGEMETADATA');
    expect(receipt.MessageMetadata).toEqual({
      MessageId: sent.Id,
      Receipts: [{ RecipientParticipantId: customer.id, ReadTimestamp: expect.any(String) }],
    });
  });

  it('pushes joined, left, transfer and chat ended events, and closes the sockets of those who are gone', async () => {
    const { contactId, customer, agent } = await chatWithSockets();
    const second = await t.connect.send(
      new CreateParticipantCommand({
        InstanceId: INSTANCE,
        ContactId: contactId,
        ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Cy' },
      }),
    );
    expect(
      await customer.socket.item((item) => item.ContentType === `${EVENT}participant.joined` && item.ParticipantId === second.ParticipantId),
    ).toBeTruthy();

    const next = await transfer(t, contactId, 'queue-2');
    expect(await customer.socket.item((item) => item.ContentType === `${EVENT}participant.left` && item.ParticipantId === agent.id)).toMatchObject({
      ContactId: contactId,
    });
    expect(await customer.socket.item((item) => item.ContentType === `${EVENT}transfer.succeeded`)).toMatchObject({
      ContactId: next,
      InitialContactId: contactId,
    });
    await agent.socket.item((item) => item.ContentType === `${EVENT}transfer.succeeded`);
    await agent.socket.waitClosed();

    await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: next }));
    expect(await customer.socket.item((item) => item.ContentType === `${EVENT}chat.ended`)).toMatchObject({
      ContactId: next,
      ParticipantRole: 'SYSTEM',
    });
    await customer.socket.waitClosed();
  });

  it('a participant who disconnects gets no more frames; the others hear that it left', async () => {
    const { customer, agent } = await chatWithSockets();
    await t.participant.send(new DisconnectParticipantCommand({ ConnectionToken: agent.connectionToken }));
    await customer.socket.item((item) => item.ContentType === `${EVENT}participant.left` && item.ParticipantId === agent.id);
    await agent.socket.waitClosed();
    const seen = agent.socket.frames.length;
    const later = await say(customer.connectionToken, 'anyone there?');
    await customer.socket.item((item) => item.Id === later.Id);
    expect(agent.socket.frames.length).toBe(seen);
  });

  it('refuses a URL used before, an expired URL and a forged one', async () => {
    const started = await t.connect.send(
      new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Ann' } }),
    );
    const first = await websocketConnection(t, started.ParticipantToken!);
    await open(first.url);
    await expect(FrameClient.open(first.url)).rejects.toThrow('refused: 403');

    const second = await websocketConnection(t, started.ParticipantToken!);
    skew = 101_000;
    await expect(FrameClient.open(second.url)).rejects.toThrow('refused: 403');
    skew = 0;
    // The refused attempt used nothing up: the URL would still work while it is fresh.
    await open(second.url);

    const third = await websocketConnection(t, started.ParticipantToken!);
    await expect(FrameClient.open(third.url.replace(/token=./, 'token=x'))).rejects.toThrow('refused: 403');
    await expect(FrameClient.open(third.url.replace('/websocket', '/elsewhere'))).rejects.toThrow('refused: 404');
  });

  it('a connection lives an hour: then its deep heartbeat fails and the next push closes it', async () => {
    const { customer, agent } = await chatWithSockets();
    skew = 61 * 60_000;
    customer.socket.send({ topic: 'aws/ping' });
    expect(await customer.socket.next((frame) => frame.topic === 'aws/ping')).toMatchObject({ statusCode: 410 });
    const sent = await say(agent.connectionToken, 'an hour later');
    await customer.socket.waitClosed();
    expect(customer.socket.items().some((item) => item.Id === sent.Id)).toBe(false);
  });

  it("a rehydrated chat's customer is told once, at its first subscription; agents are not", async () => {
    const past = await chatWithSockets();
    await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: past.contactId }));
    const resumed = await t.connect.send(
      new StartChatContactCommand({
        InstanceId: INSTANCE,
        ContactFlowId: 'flow',
        ParticipantDetails: { DisplayName: 'Ann' },
        PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: past.contactId },
      }),
    );
    const subscribe = async (participantToken: string) => {
      const socket = await open((await websocketConnection(t, participantToken)).url);
      socket.send({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } });
      await socket.next((frame) => frame.topic === 'aws/subscribe');
      return socket;
    };
    const first = await subscribe(resumed.ParticipantToken!);
    expect(await first.item((item) => item.ContentType === `${EVENT}chat.rehydrated`)).toMatchObject({
      Type: 'EVENT',
      ParticipantRole: 'SYSTEM',
      InitialContactId: resumed.ContactId,
      ContactId: resumed.ContactId,
    });
    const agent = await t.connect.send(
      new CreateParticipantCommand({
        InstanceId: INSTANCE,
        ContactId: resumed.ContactId!,
        ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Bob' },
      }),
    );
    const [again, agentSocket] = [await subscribe(resumed.ParticipantToken!), await subscribe(agent.ParticipantCredentials!.ParticipantToken!)];
    // A message after the subscriptions: by the time it arrives, an announcement would have come before it.
    const later = await say((await websocketConnection(t, resumed.ParticipantToken!)).connectionToken, 'after the subscriptions');
    for (const socket of [again, agentSocket]) {
      await socket.item((item) => item.Id === later.Id);
      expect(socket.items().filter((item) => item.ContentType === `${EVENT}chat.rehydrated`)).toEqual([]);
    }
  });

  it('survives 300 malformed frames: each gets an answer or nothing, and the socket still works', async () => {
    const { customer } = await chatWithSockets();
    // No heartbeats among them: the heartbeat ends each batch, and its answer says the batch was taken.
    const topics = fc.constantFrom('aws/subscribe', 'aws/ping', '$connect', '$default', '', 'aws/chat');
    const heartbeat = (frame: Record<string, unknown>) => frame.topic === 'aws/heartbeat';
    const frames = fc
      .sample(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json().map(String),
          fc.record({ topic: fc.oneof(topics, fc.anything()), content: fc.anything() }).map((frame) => JSON.stringify(frame)),
          fc.record({ topic: fc.constant('aws/subscribe'), content: fc.record({ topics: fc.anything() }) }).map((frame) => JSON.stringify(frame)),
        ),
        300,
      )
      .filter((frame) => !/aws\/heartbeat/.test(frame));
    // Within the frame limit: a batch and its marker per window.
    const batch = QUOTAS.FramesPerConnectionWindow - 6;
    for (let start = 0; start < frames.length; start += batch) {
      for (const frame of frames.slice(start, start + batch)) customer.socket.socket.send(frame);
      if (start === 0) customer.socket.socket.send(Buffer.from([0xff, 0x00, 0x80]), { binary: true });
      customer.socket.send({ topic: 'aws/heartbeat' });
      const answered = await customer.socket.next(heartbeat, 5000);
      customer.socket.frames.splice(customer.socket.frames.indexOf(answered), 1);
      skew += FRAME_WINDOW_MS;
    }
    for (const frame of customer.socket.frames) expect(frame.topic !== undefined || frame.message === 'Forbidden').toBe(true);
    const sent = await say(customer.connectionToken, 'still delivered');
    await customer.socket.item((item) => item.Id === sent.Id);
  });

  it('a socket sending more than QUOTAS.FramesPerConnectionWindow frames in a window is closed; the chat and its other sockets go on', async () => {
    const { customer, agent } = await chatWithSockets();
    skew += FRAME_WINDOW_MS - ((Date.now() + skew) % FRAME_WINDOW_MS) + 100; // at a window's start: the flood is all in it
    for (let i = 0; i < 3 * QUOTAS.FramesPerConnectionWindow; i++) customer.socket.send({ topic: 'aws/heartbeat' });
    await customer.socket.waitClosed(5000);
    expect(customer.socket.frames.filter((frame) => frame.topic === 'aws/heartbeat').length).toBeLessThanOrEqual(QUOTAS.FramesPerConnectionWindow);

    agent.socket.send({ topic: 'aws/heartbeat' });
    await agent.socket.next((frame) => frame.topic === 'aws/heartbeat');
    const sent = await say(customer.connectionToken, 'after the flood');
    await agent.socket.item((item) => item.Id === sent.Id);
    // chatjs reconnects: a new socket of the same participant counts from nothing.
    const again = await open((await websocketConnection(t, customer.participantToken)).url);
    again.send({ topic: 'aws/heartbeat' });
    await again.next((frame) => frame.topic === 'aws/heartbeat');
  });

  it('a closed socket is forgotten: pushes go on to the others', async () => {
    const { customer, agent } = await chatWithSockets();
    agent.socket.close();
    await agent.socket.waitClosed();
    const sent = await say(customer.connectionToken, 'still here');
    await customer.socket.item((item) => item.Id === sent.Id);
  });

  it('one participant holds at most 10 sockets: opening more closes its oldest, and a message reaches each open one once', async () => {
    const { customer, agent } = await chatWithSockets();
    const openFor = async () => {
      const socket = await open((await websocketConnection(t, customer.participantToken)).url);
      socket.send({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } });
      // A socket of the burst below may be closed by a newer one before it hears back.
      await socket.next((frame) => frame.topic === 'aws/subscribe', 5000).catch(() => expect(socket.closed).toBe(true));
      return socket;
    };
    // One after another: each one past the tenth closes the oldest.
    const mine = [customer.socket];
    for (let i = 0; i < 11; i++) mine.push(await openFor());
    await mine[0]!.waitClosed();
    await mine[1]!.waitClosed();
    expect(mine.slice(2).map((socket) => socket.closed)).toEqual(Array(10).fill(false));

    // Many at once (a client gone wild): once they are in, no more than ten are left open. One that a
    // newer one closed before its own handshake ended is refused (403) rather than left open unheard.
    const burst = await Promise.all(Array.from({ length: 30 }, () => openFor().catch((error: Error) => expect(error.message).toBe('refused: 403'))));
    mine.push(...burst.filter((socket): socket is FrameClient => socket instanceof FrameClient));
    const stillOpen = async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return mine.filter((socket) => !socket.closed);
    };
    let left = await stillOpen();
    for (let i = 0; i < 25 && left.length > 10; i++) left = await stillOpen();
    // Two connects at once may each close the same number of older ones: a few less, never more.
    expect(left.length).toBeLessThanOrEqual(10);
    expect(left.length).toBeGreaterThan(0);

    const sent = await say(agent.connectionToken, 'to every open tab');
    for (const socket of left) await socket.item((item) => item.Id === sent.Id, 3000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const deliveries = mine.flatMap((socket) => socket.items()).filter((item) => item.Id === sent.Id);
    expect(deliveries).toHaveLength(left.length);
  });
});
