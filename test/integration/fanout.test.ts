import { ConnectionFanout, type ConnectionTransport, itemFrames } from '../../lambdas/domain/push';
import { eventItem } from '../../lambdas/domain/items';
import type { ChatConnection } from '../../lambdas/domain/model';
import { DynamoConnectionStore } from '../../lambdas/stores/dynamodb/connection-store';
import { type AppendItemWrite, type ContactStore, WriteConflict } from '../../lambdas/domain/ports';
import { Participants } from '../../lambdas/domain/participants';
import type { Contacts } from '../../lambdas/domain/contacts';
import { KeyRing } from '../../lambdas/domain/keys';
import { DynamoContactStore } from '../../lambdas/stores/dynamodb/contact-store';
import { startChat } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';

/**
 * The fan-out's bookkeeping on the real table (DynamoDB Local): connections API Gateway reports gone
 * (410) are deleted, expired ones are closed and deleted, and a URL serves one connection only.
 * The transport is a recorder standing in for API Gateway's @connections API.
 */
let t: TestServer;
let store: DynamoConnectionStore;
beforeAll(async () => {
  t = await startTestServer();
  store = new DynamoConnectionStore(t.server.clients.db, t.server.config.tableName);
});
afterAll(async () => {
  await t.stop();
});

const connection = (chat: string, id: string, expiresAt = Date.now() + 60_000): ChatConnection => ({
  connectionId: id,
  initialContactId: chat,
  participantId: `participant-${id}`,
  role: 'CUSTOMER',
  connectedAt: Date.now(),
  expiresAt,
});

function recorder(gone: string[]) {
  const posted: string[] = [];
  const closed: string[] = [];
  const transport: ConnectionTransport = {
    post: async (connectionId) => {
      posted.push(connectionId);
      return gone.includes(connectionId) ? 'gone' : 'sent';
    },
    close: async (connectionId) => void closed.push(connectionId),
  };
  return { transport, posted, closed };
}

test('gone connections are deleted, expired ones closed and deleted, the rest get every frame', async () => {
  const chat = `chat-${Date.now()}`;
  await store.openConnection(connection(chat, 'alive'), { id: `${chat}-url1`, expiresAt: Date.now() + 100_000 }, { chat: false });
  await store.openConnection(connection(chat, 'gone'), { id: `${chat}-url2`, expiresAt: Date.now() + 100_000 }, { chat: false });
  await store.openConnection(connection(chat, 'expired', Date.now() - 1), { id: `${chat}-url3`, expiresAt: Date.now() + 100_000 }, { chat: false });
  const { transport, posted, closed } = recorder(['gone']);
  const warnings: string[] = [];
  const fanout = new ConnectionFanout({ connections: store, transport, now: Date.now, warn: (message) => warnings.push(message) });

  const items = [
    eventItem('application/vnd.amazonaws.connect.event.typing', Date.now()),
    eventItem('application/vnd.amazonaws.connect.event.typing', Date.now()),
  ];
  await fanout.toChat(chat, itemFrames(chat, chat, items));

  expect(posted.filter((id) => id === 'alive')).toHaveLength(2);
  expect(posted.filter((id) => id === 'gone')).toHaveLength(1); // no second post after the 410
  expect(posted).not.toContain('expired');
  expect(closed).toEqual(['expired']);
  expect((await store.chatConnections(chat)).map((c) => c.connectionId)).toEqual(['alive']);
  expect(await store.getConnection('gone')).toBeUndefined();
  expect(await store.getConnection('expired')).toBeUndefined();
  expect(warnings).toEqual([]);
});

test('a WebSocket URL is claimed once: a second connection with it is refused and stored nowhere', async () => {
  const chat = `chat-${Date.now()}-once`;
  const url = { id: `${chat}-url`, expiresAt: Date.now() + 100_000 };
  await store.openConnection(connection(chat, 'first'), url, { chat: false });
  await expect(store.openConnection(connection(chat, 'second'), url, { chat: false })).rejects.toEqual(new WriteConflict('already-exists'));
  expect((await store.chatConnections(chat)).map((c) => c.connectionId)).toEqual(['first']);
  expect(await store.getConnection('second')).toBeUndefined();
});

/**
 * SendMessage reads the chat's connections while its write goes in, not after it. A connection recorded
 * after that read but before the write would then miss the item, and a transcript read made when it
 * connected would miss it too: the write must be refused and run again, reading the connections anew.
 * Here the registration is placed exactly there: after the connections were read, before the write.
 */
test('a connection recorded between the read of the recipients and the write refuses the write, and the write run again reaches it', async () => {
  const chat = await startChat(t);
  const contacts = new DynamoContactStore(t.server.clients.db, t.server.config.tableName);
  const reads: Promise<unknown>[] = [];
  const watched = Object.assign(Object.create(store) as DynamoConnectionStore, {
    chatConnections: (initialContactId: string) => {
      const read = store.chatConnections(initialContactId);
      reads.push(read);
      return read;
    },
  });
  const { transport, posted } = recorder([]);
  const warnings: string[] = [];
  const push = new ConnectionFanout({ connections: watched, transport, now: Date.now, warn: (message) => warnings.push(message) });
  const appends: AppendItemWrite[] = [];
  const racing = Object.assign(Object.create(contacts) as ContactStore, {
    appendItem: async (write: AppendItemWrite) => {
      appends.push(write);
      if (appends.length === 1) {
        await reads[0];
        await store.openConnection(
          connection(chat.contactId, 'late'),
          { id: `${chat.contactId}-late`, expiresAt: Date.now() + 60_000 },
          { chat: true },
        );
      }
      return contacts.appendItem(write);
    },
  });
  const participants = new Participants({ store: racing, keys: new KeyRing(KeyRing.generate()), contacts: {} as Contacts, push, now: Date.now });
  const session = (await contacts.getSession(chat.contactId))!;
  const reader = await participants.admit(
    {
      kind: 'connection',
      instanceId: session.instanceId,
      initialContactId: chat.contactId,
      contactId: chat.contactId,
      participantId: session.customer.participantId,
      role: 'CUSTOMER',
      expiresAt: Date.now() + 60_000,
    },
    { active: true },
  );

  const sent = await participants.sendMessage(reader, 'text/plain', 'to everyone on record');

  expect(appends.map((write) => write.connectionsVersion)).toEqual([0, 1]);
  expect(posted).toEqual(['late']);
  expect(warnings).toEqual([]);
  expect((await contacts.getSession(chat.contactId))!.lastItemAt).toBe(Date.parse(sent.AbsoluteTime));
});

test("a chat's connection is counted in its session, in the same write; for a chat that is gone, nothing is written", async () => {
  const chat = await startChat(t);
  const contacts = new DynamoContactStore(t.server.clients.db, t.server.config.tableName);
  expect((await contacts.getSession(chat.contactId))!.connectionsVersion).toBeUndefined();
  await store.openConnection(
    connection(chat.contactId, `${chat.contactId}-a`),
    { id: `${chat.contactId}-a`, expiresAt: Date.now() + 60_000 },
    { chat: true },
  );
  await store.openConnection(
    connection(chat.contactId, `${chat.contactId}-b`),
    { id: `${chat.contactId}-b`, expiresAt: Date.now() + 60_000 },
    { chat: true },
  );
  expect((await contacts.getSession(chat.contactId))!.connectionsVersion).toBe(2);

  const missing = `missing-${Date.now()}`;
  const url = { id: `${missing}-url`, expiresAt: Date.now() + 60_000 };
  await expect(store.openConnection(connection(missing, `${missing}-c`), url, { chat: true })).rejects.toEqual(new WriteConflict('stale'));
  expect(await store.chatConnections(missing)).toEqual([]);
  expect(await store.getConnection(`${missing}-c`)).toBeUndefined();
  // The URL was not spent either.
  await store.openConnection(connection(missing, `${missing}-d`), url, { chat: false });
});
