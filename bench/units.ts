import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalServer } from '../local/server';
import { keys } from '../lambdas/stores/dynamodb/keys';
import type { ChatDriver } from './chats';
import { addUnits, NO_UNITS, type OperationName, type OperationUnits, scaleUnits, type Units } from './cost';
import type { Meter } from './meter';

export interface MeasuredUnits {
  operations: OperationUnits;
  /** Bytes a chat leaves in the table once it has ended and been archived (its contacts' records and its session). */
  dynamodbBytesPerChat: number;
}

/**
 * Each operation of a chat's life, `rounds` times, with the units it used counted on its own; the
 * figures are the means. The chat: started, customer and agent connected, 12 messages with a read
 * receipt, heartbeats, a transfer, the end; then continued from, and its archived transcript read.
 */
export async function measureUnits(server: LocalServer, meter: Meter, chats: ChatDriver, rounds: number): Promise<MeasuredUnits> {
  const sums = new Map<OperationName, { units: Units; count: number }>();
  const record = (name: OperationName, units: Units, count = 1) => {
    const sum = sums.get(name) ?? { units: NO_UNITS, count: 0 };
    sums.set(name, { units: addUnits(sum.units, units), count: sum.count + count });
  };
  const measure = async <T>(name: OperationName, run: () => Promise<T>): Promise<T> => {
    await meter.take();
    const result = await run();
    record(name, await meter.take());
    return result;
  };
  let dynamodbBytes = 0;
  for (let round = 0; round < rounds; round++) {
    const chat = await measure('StartChatContact', () => chats.start());
    const customer = await measure('customer connects', () => chats.connection(chat.participantToken, true));
    const agent = await measure('agent joins', () => chats.join(chat.contactId));
    await meter.take();
    let last = '';
    for (let m = 0; m < 12; m++) last = (await chats.say(m % 2 ? agent : customer, `message ${m}`)).Id!;
    record('SendMessage, 2 recipients', await meter.take(), 12);
    await measure('read receipt', () => chats.receipt(customer, last));
    await measure('GetTranscript page, active contact', () => chats.read(agent));
    await measure('heartbeat', async () => {
      await meter.ask(customer.socket!, 'aws/ping');
      await meter.ask(customer.socket!, 'aws/heartbeat');
    });
    const next = await measure('transfer', async () => {
      const next = await chats.transfer(chat.contactId);
      await agent.socket!.waitClosed();
      return next;
    });
    await measure('end of chat', async () => {
      await chats.stop(next);
      await customer.socket!.waitClosed();
    });
    dynamodbBytes += await bytesLeft(server, [chat.contactId, next]);

    const continued = await measure('persistent continuation', () => chats.start(chat.contactId));
    const reader = await chats.connection(continued.participantToken, false);
    await measure('GetTranscript page, archived chat', () => chats.read(reader, 30));
    await chats.stop(continued.contactId);

    // Fan-out by recipients: the agent's socket alone, then the customer's and a second agent's too.
    const quiet = await chats.start();
    const sender = await chats.connection(quiet.participantToken, false);
    const first = await chats.join(quiet.contactId);
    await measure('SendMessage, 1 recipient', () => chats.say(sender, 'to one'));
    const own = await chats.connection(quiet.participantToken, true);
    const second = await chats.join(quiet.contactId);
    await measure('SendMessage, 3 recipients', () => chats.say(sender, 'to three'));
    await chats.stop(quiet.contactId);
    for (const socket of [first, own, second]) await socket.socket!.waitClosed();
    await meter.take();
  }
  const operations = Object.fromEntries([...sums].map(([name, { units, count }]) => [name, scaleUnits(units, 1 / count)])) as OperationUnits;
  return { operations, dynamodbBytesPerChat: dynamodbBytes / rounds };
}

/** A chat's records left in the table (its contacts' partitions), at DynamoDB's size: names and values, plus 100 bytes an item. */
async function bytesLeft(server: LocalServer, contactIds: string[]): Promise<number> {
  let bytes = 0;
  for (const contactId of contactIds) {
    const { Items = [] } = await server.clients.db.send(
      new QueryCommand({
        TableName: server.config.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.contact(contactId).pk },
      }),
    );
    for (const item of Items) bytes += 100 + Buffer.byteLength(JSON.stringify(item));
  }
  return bytes;
}
