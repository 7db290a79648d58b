import {
  CreateParticipantCommand,
  DescribeContactCommand,
  InvalidParameterException,
  InvalidRequestException,
  ResourceNotFoundException,
  StartChatContactCommand,
  StopContactCommand,
  UpdateParticipantRoleConfigCommand,
  type ParticipantTimerConfiguration,
} from '@aws-sdk/client-connect';
import { SendMessageCommand } from '@aws-sdk/client-connectparticipant';
import { INSTANCE, transfer } from '../support/chat';
import { outcome, startTestServer, type TestServer } from '../support/local-server';
import { FrameClient, type PushedItem, websocketConnection } from '../support/websocket';

/**
 * UpdateParticipantRoleConfig's timers, driven by the sweep (every 100 ms here): idle, returned,
 * auto-disconnection, as chatjs knows them. The server's clock runs `skew` ms ahead of the real one.
 */
const EVENT = 'application/vnd.amazonaws.connect.event.participant.';
const MINUTE = 60_000;
let t: TestServer;
let skew = 0;
const sockets: FrameClient[] = [];

beforeAll(async () => {
  t = await startTestServer({ now: () => Date.now() + skew, sweepIntervalMs: 100 });
});
afterEach(() => {
  skew = 0;
  for (const socket of sockets.splice(0)) socket.close();
});
afterAll(async () => {
  await t.stop();
});

const timer = (
  ParticipantRole: 'CUSTOMER' | 'AGENT',
  TimerType: 'IDLE' | 'DISCONNECT_NONCUSTOMER',
  minutes?: number,
): ParticipantTimerConfiguration => ({
  ParticipantRole,
  TimerType,
  TimerValue: minutes === undefined ? { ParticipantTimerAction: 'Unset' } : { ParticipantTimerDurationInMinutes: minutes },
});
const configure = (ContactId: string, ...list: ParticipantTimerConfiguration[]) =>
  t.connect.send(
    new UpdateParticipantRoleConfigCommand({ InstanceId: INSTANCE, ContactId, ChannelConfiguration: { Chat: { ParticipantTimerConfigList: list } } }),
  );

/** A participant with a subscribed socket and a connection token. */
async function connected(participantToken: string, participantId: string) {
  const { url, connectionToken } = await websocketConnection(t, participantToken);
  const socket = await FrameClient.open(url);
  sockets.push(socket);
  socket.send({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } });
  await socket.next((frame) => frame.topic === 'aws/subscribe');
  return { socket, connectionToken, participantId };
}

async function chat() {
  const started = await t.connect.send(
    new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Ann' } }),
  );
  const joined = await t.connect.send(
    new CreateParticipantCommand({
      InstanceId: INSTANCE,
      ContactId: started.ContactId!,
      ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Bob' },
    }),
  );
  return {
    contactId: started.ContactId!,
    customer: await connected(started.ParticipantToken!, started.ParticipantId!),
    agent: await connected(joined.ParticipantCredentials!.ParticipantToken!, joined.ParticipantId!),
  };
}

const event = (name: string, participantId: string) => (item: PushedItem) =>
  item.ContentType === `${EVENT}${name}` && item.ParticipantId === participantId;
const count = (socket: FrameClient, name: string, participantId: string) => socket.items().filter(event(name, participantId)).length;

test('an idle customer is told so, returns with a message; idle too long, the agent is auto-disconnected and the customer stays', async () => {
  const { contactId, customer, agent } = await chat();
  await configure(contactId, timer('CUSTOMER', 'IDLE', 2), timer('CUSTOMER', 'DISCONNECT_NONCUSTOMER', 3), timer('AGENT', 'IDLE', 10));

  skew = 2.5 * MINUTE;
  const idle = await agent.socket.item(event('idle', customer.participantId), 5000);
  expect(idle).toMatchObject({ Type: 'EVENT', ParticipantRole: 'CUSTOMER', ContactId: contactId });
  await customer.socket.item(event('idle', customer.participantId));

  // A message brings `participant.returned` first, and the idle timer starts again from it.
  await t.participant.send(new SendMessageCommand({ ConnectionToken: customer.connectionToken, ContentType: 'text/plain', Content: 'back' }));
  const returned = await agent.socket.item(event('returned', customer.participantId));
  const message = await agent.socket.item((item) => item.Content === 'back');
  expect(returned.AbsoluteTime <= message.AbsoluteTime && returned.Id < message.Id).toBe(true);

  skew = 4 * MINUTE; // 1.5 minutes after the message: not idle again yet
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(count(agent.socket, 'idle', customer.participantId)).toBe(1);
  skew = 5 * MINUTE;
  await agent.socket.next(() => count(agent.socket, 'idle', customer.participantId) === 2, 5000);

  // Idle since 4.5 minutes, 3 more: as in Amazon Connect ("Customer auto-disconnect timeout: Automatically
  // disconnect the agent from the chat due to customer idleness"), everyone but the customer leaves.
  skew = 8 * MINUTE;
  await customer.socket.item(event('autodisconnection', customer.participantId), 5000);
  await customer.socket.item(event('left', agent.participantId));
  await agent.socket.waitClosed();
  expect(customer.socket.closed).toBe(false);
  expect(customer.socket.items().some(event('left', customer.participantId))).toBe(false);
  const described = await t.connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
  expect(described.Contact?.DisconnectTimestamp).toBeUndefined();
  expect(described.Contact?.DisconnectReason).toBeUndefined();
  // With no agent left, no timer runs: the customer is not auto-disconnected again.
  skew = 30 * MINUTE;
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(count(customer.socket, 'autodisconnection', customer.participantId)).toBe(1);
  expect(count(customer.socket, 'idle', customer.participantId)).toBe(2);
  // The customer is still on the chat.
  await t.participant.send(new SendMessageCommand({ ConnectionToken: customer.connectionToken, ContentType: 'text/plain', Content: 'hello?' }));
  // The agent's own idle timer (10 minutes) never ran out.
  expect(count(customer.socket, 'idle', agent.participantId)).toBe(0);
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
});

test("a customer's timers start only when an agent joins", async () => {
  const started = await t.connect.send(
    new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Ann' } }),
  );
  const contactId = started.ContactId!;
  const customer = await connected(started.ParticipantToken!, started.ParticipantId!);
  await configure(contactId, timer('CUSTOMER', 'IDLE', 2), timer('CUSTOMER', 'DISCONNECT_NONCUSTOMER', 2));
  skew = 10 * MINUTE; // in the queue, no agent: no timer runs
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(count(customer.socket, 'idle', customer.participantId)).toBe(0);
  await t.connect.send(
    new CreateParticipantCommand({
      InstanceId: INSTANCE,
      ContactId: contactId,
      ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Bob' },
    }),
  );
  skew = 11 * MINUTE; // a minute after the agent joined: not idle yet
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(count(customer.socket, 'idle', customer.participantId)).toBe(0);
  skew = 12.5 * MINUTE;
  await customer.socket.item(event('idle', customer.participantId), 5000);
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
});

test('an idle agent is auto-disconnected from its contact, the chat goes on; the timers hold across a transfer', async () => {
  const { contactId, customer, agent } = await chat();
  await configure(contactId, timer('AGENT', 'IDLE', 2), timer('AGENT', 'DISCONNECT_NONCUSTOMER', 2), timer('CUSTOMER', 'IDLE', 20));
  skew = 2.5 * MINUTE;
  await customer.socket.item(event('idle', agent.participantId), 5000);
  skew = 4.5 * MINUTE;
  await customer.socket.item(event('autodisconnection', agent.participantId), 5000);
  await customer.socket.item(event('left', agent.participantId));
  await agent.socket.waitClosed();
  expect(customer.socket.closed).toBe(false);

  // Without an agent, no timer runs; after the transfer, they start when the next agent joins.
  const next = await transfer(t, contactId, 'queue');
  skew = 21 * MINUTE;
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(count(customer.socket, 'idle', customer.participantId)).toBe(0);
  await t.connect.send(
    new CreateParticipantCommand({ InstanceId: INSTANCE, ContactId: next, ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Cy' } }),
  );
  skew = 41.5 * MINUTE;
  expect(await customer.socket.item(event('idle', customer.participantId), 5000)).toMatchObject({ ContactId: next });
  // Unset: no more timers, and the chat still only ends at its duration.
  await configure(next, timer('CUSTOMER', 'IDLE'));
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: next }));
});

test('refuses what Amazon Connect refuses', async () => {
  const { contactId } = await chat();
  const refused = async (call: Promise<unknown>) => {
    const result = (await outcome(call)) as { name: string };
    return result.name;
  };
  expect(await refused(configure(contactId, timer('CUSTOMER', 'IDLE', 1)))).toBe(InvalidParameterException.name);
  expect(await refused(configure(contactId, timer('CUSTOMER', 'IDLE', 481)))).toBe(InvalidParameterException.name);
  expect(await refused(configure(contactId, timer('CUSTOMER', 'IDLE', 5), timer('CUSTOMER', 'IDLE')))).toBe(InvalidParameterException.name);
  expect(await refused(configure('no-such-contact', timer('AGENT', 'IDLE', 5)))).toBe(ResourceNotFoundException.name);
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
  expect(await refused(configure(contactId, timer('AGENT', 'IDLE', 5)))).toBe(InvalidRequestException.name);
});
