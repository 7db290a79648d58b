import { messageItem } from '../../lambdas/domain/items';
import { DynamoContactStore } from '../../lambdas/stores/dynamodb/contact-store';
import { type AppendItemWrite, WriteConflict } from '../../lambdas/domain/ports';
import { say, startChat, transfer } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

/**
 * The store's half of commit order: a write holds only while the chat's newest accepted item is older
 * than the write's first one. Two writers that read the chat at the same moment race; the one that
 * commits second must be refused, else its earlier-timed item would appear behind a FORWARD reader.
 */
it('refuses the second of two writes timed from the same reading of the chat, and one to a contact transferred away', async () => {
  const chat = await startChat(t);
  const store = new DynamoContactStore(t.server.clients.db, t.server.config.tableName);
  const session = (await store.getSession(chat.contactId))!;
  expect(session.lastItemAt).toEqual(expect.any(Number));
  const at = session.lastItemAt! + 1;
  const write = (text: string, time: number, contactId = chat.contactId): AppendItemWrite => ({
    contactId,
    item: messageItem(session.customer, 'text/plain', text, time),
    clock: { initialContactId: chat.contactId, first: time, last: time, contactItems: 2 },
  });
  const conflict = (promise: Promise<unknown>) =>
    promise.then(
      () => 'written',
      (error) => (error instanceof WriteConflict ? error.reason : error),
    );

  await store.appendItem(write('first to commit', at));
  expect(await conflict(store.appendItem(write('same reading, second to commit', at)))).toBe('stale');
  expect(await conflict(store.appendItem(write('timed before the newest', at - 1)))).toBe('stale');
  expect((await store.getSession(chat.contactId))!.lastItemAt).toBe(at);
  await store.appendItem(write('timed after the newest', at + 1));

  const next = await transfer(t, chat.contactId, 'q');
  const moved = (await store.getSession(chat.contactId))!.lastItemAt! + 1;
  expect(await conflict(store.appendItem(write('to the old contact', moved)))).toBe('stale');
  await store.appendItem(write('to the new contact', moved, next));
  // Through the API, the customer's next message lands after all of them.
  await say(t, chat, 'last');
});
