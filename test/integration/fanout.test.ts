import { ConnectionFanout, type ConnectionTransport, itemFrames } from '../../lambdas/domain/push';
import { eventItem } from '../../lambdas/domain/items';
import type { ChatConnection } from '../../lambdas/domain/model';
import { DynamoConnectionStore } from '../../lambdas/stores/dynamodb/connection-store';
import { WriteConflict } from '../../lambdas/domain/ports';
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
  await store.openConnection(connection(chat, 'alive'), { id: `${chat}-url1`, expiresAt: Date.now() + 100_000 });
  await store.openConnection(connection(chat, 'gone'), { id: `${chat}-url2`, expiresAt: Date.now() + 100_000 });
  await store.openConnection(connection(chat, 'expired', Date.now() - 1), { id: `${chat}-url3`, expiresAt: Date.now() + 100_000 });
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
  await store.openConnection(connection(chat, 'first'), url);
  await expect(store.openConnection(connection(chat, 'second'), url)).rejects.toEqual(new WriteConflict('already-exists'));
  expect((await store.chatConnections(chat)).map((c) => c.connectionId)).toEqual(['first']);
  expect(await store.getConnection('second')).toBeUndefined();
});
