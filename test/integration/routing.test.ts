import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeContactCommand, StartChatContactCommand, StopContactCommand, TransferContactCommand } from '@aws-sdk/client-connect';
import { withAgents } from '../../lambdas/agent-deps';
import { wire } from '../../lambdas/deps';
import type { AgentRouting, SignedInAgent } from '../../lambdas/domain/routing';
import { Logger } from '../../lambdas/logger';
import { startTestServer, type TestServer } from '../support/local-server';

/**
 * Routing on the real store (DynamoDB Local): queues, the atomic accept, the chat limit, reservations.
 * The agents' side is driven through the domain here; the agent API's own tests drive it over HTTP.
 */
const INSTANCE = 'local'; // the instance the agent API serves: the widget's
let clock = 0;
let t: TestServer;
let agents: AgentRouting;

beforeAll(async () => {
  const now = () => Date.now() + clock;
  t = await startTestServer({ now, routing: { resumeToAgentMs: 60_000, agentChatLimit: 3 } });
  const keyMaterial = JSON.parse(readFileSync(join(t.dataDir, 'signing-keys.json'), 'utf8'));
  const transport = { post: async () => 'sent' as const, close: async () => undefined };
  agents = withAgents(wire(t.server.config, t.server.clients, keyMaterial, new Logger('silent'), { transport, now })).agents;
});
afterAll(() => t.stop());

const agent = (username: string, ...queues: string[]): SignedInAgent => ({ username, queues });
const support = (username: string) => agent(username, 'support');

async function startChat(name = 'Customer', contactFlowId = 'local-widget-flow', extra: object = {}): Promise<string> {
  const started = await t.connect.send(
    new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: contactFlowId, ParticipantDetails: { DisplayName: name }, ...extra }),
  );
  return started.ContactId!;
}

const describe_ = async (contactId: string) =>
  (await t.connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: contactId }))).Contact!;
const waitingIds = async (who: SignedInAgent) => (await agents.waiting(who)).map((contact) => contact.ContactId);
const failure = (call: Promise<unknown>) =>
  call.then(
    () => 'accepted',
    (error: Error) => error.name,
  );

test("a new chat waits in its flow's queue, shown to that queue's agents only, with its customer and time waiting", async () => {
  const contactId = await startChat('Ada');
  const [waiting] = (await agents.waiting(support('ann'))).filter((contact) => contact.ContactId === contactId);
  expect(waiting).toMatchObject({ QueueId: 'support', CustomerName: 'Ada', ReturningCustomer: false, ReservedForMe: false });
  expect(waiting!.WaitingSeconds).toBeGreaterThanOrEqual(0);
  expect(await waitingIds(agent('bob', 'billing'))).not.toContain(contactId);
  // Another flow, not configured: the default queue.
  const elsewhere = await startChat('Bo', 'some-other-flow');
  expect(await waitingIds(support('ann'))).toContain(elsewhere);
  await expect(failure(agents.accept(agent('bob', 'billing'), contactId))).resolves.toBe('DomainError(AccessDenied)');
});

test('of agents accepting at once exactly one gets the contact, and joins as AGENT; DescribeContact shows AgentInfo and QueueInfo (50 runs)', async () => {
  for (let run = 0; run < 50; run++) {
    const contactId = await startChat(`Racer ${run}`);
    const racers = ['a', 'b', 'c'].map((name) => support(`${name}-${run}`));
    const outcomes = await Promise.all(racers.map((racer) => failure(agents.accept(racer, contactId))));
    expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'accepted')).toEqual(['DomainError(Taken)', 'DomainError(Taken)']);
    const winner = racers[outcomes.indexOf('accepted')]!;
    const contact = await describe_(contactId);
    expect(contact.AgentInfo?.Id).toBe(winner.username);
    expect(contact.AgentInfo?.AcceptedByAgentTimestamp).toBeInstanceOf(Date);
    expect(contact.AgentInfo?.ConnectedToAgentTimestamp).toBeInstanceOf(Date);
    expect(contact.QueueInfo).toEqual({ Id: 'support', EnqueueTimestamp: contact.InitiationTimestamp });
    expect(await agents.chats(winner)).toEqual([expect.objectContaining({ ContactId: contactId, CustomerName: `Racer ${run}` })]);
    expect(await waitingIds(racers[0]!)).not.toContain(contactId);
  }
}, 300_000); // 50 races on DynamoDB Local: its transactions are slow on a busy machine

test('an agent handles at most its chat limit at once, concurrent accepts included; an ended chat frees a place', async () => {
  const eve = support('eve');
  const contacts = await Promise.all([1, 2, 3, 4, 5].map((n) => startChat(`Limit ${n}`)));
  const outcomes = await Promise.all(contacts.map((contactId) => failure(agents.accept(eve, contactId))));
  expect(outcomes.filter((outcome) => outcome === 'accepted')).toHaveLength(3);
  expect(outcomes.filter((outcome) => outcome !== 'accepted')).toEqual(['DomainError(QuotaExceeded)', 'DomainError(QuotaExceeded)']);
  const mine = (await agents.chats(eve)).map((chat) => chat.ContactId);
  expect(mine).toHaveLength(3);
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: mine[0]! }));
  const left = contacts.find((contactId) => !mine.includes(contactId))!;
  await expect(failure(agents.accept(eve, left))).resolves.toBe('accepted');
});

test('TransferContact with a UserId reserves the new contact for that agent, wherever its queues are', async () => {
  const contactId = await startChat('Tess');
  await agents.accept(support('fay'), contactId);
  const { ContactId: next } = await t.connect.send(
    new TransferContactCommand({ InstanceId: INSTANCE, ContactId: contactId, ContactFlowId: 'local-widget-flow', UserId: 'gus' }),
  );
  expect(await waitingIds(support('hal'))).not.toContain(next);
  await expect(failure(agents.accept(support('hal'), next!))).resolves.toBe('DomainError(Taken)');
  const [waiting] = (await agents.waiting(agent('gus', 'billing'))).filter((contact) => contact.ContactId === next);
  expect(waiting).toMatchObject({ ReservedForMe: true, QueueId: 'support' });
  await expect(failure(agents.accept(agent('gus', 'billing'), next!))).resolves.toBe('accepted');
  // The transfer through the agent API: to a queue.
  const { ContactId: third } = await agents.transfer(agent('gus', 'billing'), next!, { queueId: 'billing' });
  expect(await waitingIds(agent('ivy', 'billing'))).toContain(third);
});

test('a continued chat is offered first only to the agent who last served the line, while signed in, for the window; then to the queue', async () => {
  const jo = support('jo');
  const first = await startChat('Kim');
  await agents.accept(jo, first);
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: first }));
  await agents.waiting(jo); // the desk is open: jo is signed in
  const continued = await startChat('Kim', 'local-widget-flow', {
    PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: first },
  });

  const [offered] = (await agents.waiting(jo)).filter((contact) => contact.ContactId === continued);
  expect(offered).toMatchObject({ ReservedForMe: true, ReturningCustomer: true, CustomerName: 'Kim' });
  expect(await waitingIds(support('lee'))).not.toContain(continued);
  await expect(failure(agents.accept(support('lee'), continued))).resolves.toBe('DomainError(Taken)');

  clock += 61_000; // past the window: the whole queue
  const [open] = (await agents.waiting(support('lee'))).filter((contact) => contact.ContactId === continued);
  expect(open).toMatchObject({ ReservedForMe: false, ReturningCustomer: true });
  await expect(failure(agents.accept(support('lee'), continued))).resolves.toBe('accepted');
});

test('a continued chat is not held for its last agent once that agent signed out', async () => {
  const mo = support('mo');
  const first = await startChat('Ned');
  await agents.accept(mo, first);
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: first }));
  await agents.signOut(mo);
  const continued = await startChat('Ned', 'local-widget-flow', {
    PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: first },
  });
  expect(await waitingIds(support('oz'))).toContain(continued);
});

test('a chat that ends while waiting leaves its queue', async () => {
  const contactId = await startChat('Pat');
  expect(await waitingIds(support('pia'))).toContain(contactId);
  await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));
  expect(await waitingIds(support('pia'))).not.toContain(contactId);
  await expect(failure(agents.accept(support('pia'), contactId))).resolves.toBe('DomainError(Taken)');
});
