import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../../domain/model';
import { type ConflictReason, type IdempotencyKey, type QueueRef, WriteConflict } from '../../domain/ports';

/**
 * The one table's keys. A contact and, for a session's first contact, its session share the
 * partition `CONTACT#<id>`, with the idempotency records of calls on the chat; token grants, other
 * idempotency records and WebSocket connections have partitions of their own.
 */
export const keys = {
  contact: (contactId: string) => ({ pk: `CONTACT#${contactId}`, sk: RECORD_SK }),
  session: (initialContactId: string) => ({ pk: `CONTACT#${initialContactId}`, sk: 'SESSION' }),
  item: (contactId: string, itemId: string) => ({ pk: `CONTACT#${contactId}`, sk: `${ITEM_PREFIX}${itemId}` }),
  grant: (tokenHash: string) => ({ pk: `TOKEN#${tokenHash}`, sk: 'TOKEN' }),
  /** A chat's connections share one partition, so fan-out is one Query. */
  chatConnection: (initialContactId: string, connectionId: string) => ({
    pk: `${CONNECTIONS_PREFIX}${initialContactId}`,
    sk: `CONNECTION#${connectionId}`,
  }),
  /** The same connection by its id alone, for $disconnect and the deep heartbeat. */
  connection: (connectionId: string) => ({ pk: `CONNECTION#${connectionId}`, sk: 'CONNECTION' }),
  /** Something done once only (a participant told that its chat was rehydrated). */
  once: (key: string) => ({ pk: `ONCE#${key}`, sk: 'ONCE' }),
  /** An attachment, by its id: GetAttachment reads it to find the file and to check the reader's line. */
  attachment: (attachmentId: string) => ({ pk: `ATTACHMENT#${attachmentId}`, sk: 'ATTACHMENT' }),
  /** An agent of an instance: its accepted contacts and presence. */
  agent: (instanceId: string, username: string) => ({ pk: `AGENT#${encodeURIComponent(instanceId)}#${encodeURIComponent(username)}`, sk: 'AGENT' }),
  /** A used WebSocket URL, kept until it would have expired anyway. */
  websocketUrl: (urlId: string) => ({ pk: `WSURL#${urlId}`, sk: 'WSURL' }),
  /** A customer's line (`CustomerLine`), by instance and the host's customer id, encoded as idempotency keys are. */
  customerLine: (instanceId: string, customerId: string) => ({
    pk: `CUSTOMER#${encodeURIComponent(instanceId)}#${encodeURIComponent(customerId)}`,
    sk: 'CUSTOMER',
  }),
  /**
   * Beside a chat's session: a record kept in a partition of its own that belongs to the chat (a token
   * grant, an idempotency record, an attachment), so that erasing the chat finds it in the chat's own
   * partition. Sorts after the items (`OWNS#` > `ITEM$`), outside the contact's record-and-items range.
   */
  owned: (initialContactId: string, key: { pk: string; sk: string }) => ({ pk: `CONTACT#${initialContactId}`, sk: `${OWNED_PREFIX}${key.pk}` }),
  /** An erasure of a customer's line (`ErasureRecord`): what it erases, then that it is done. */
  erasure: (erasureId: string) => ({ pk: `ERASURE#${erasureId}`, sk: 'ERASURE' }),
  /** What remains of an erased contact: the erasure that removed it (no content). */
  erased: (contactId: string) => ({ pk: `ERASED#${contactId}`, sk: 'ERASED' }),
  /**
   * An idempotency record. A call on an existing chat (the key names its `initialContactId`: the
   * participant API) keeps it in the chat's partition, where erasing the chat finds it with no note
   * beside it (`keys.owned`), so its write is one item; the sort key, `CLIENTTOKEN#…`, sorts before
   * `CONTACT`, outside the contact's record-and-items range, and the record expires by TTL. Any other
   * (StartChatContact, looked up before its chat exists; Connect calls, whose tokens are the
   * instance's, not one chat's) keeps a partition of its own. Records written under the own-partition
   * key for participant calls before the move are not read any more (a retry straddling the deploy,
   * seconds, runs again); they and their notes expire within 7 days, and erasure still finds them by the notes.
   */
  idempotency: ({ operation, instanceId, clientToken, initialContactId }: IdempotencyKey) => {
    // Encoded so that no instance id and token can spell another pair's key.
    const token = `${CLIENTTOKEN_PREFIX}${operation}#${encodeURIComponent(instanceId)}#${encodeURIComponent(clientToken)}`;
    return initialContactId === undefined ? { pk: token, sk: 'CLIENTTOKEN' } : { pk: `CONTACT#${initialContactId}`, sk: token };
  },
};

export const CLIENTTOKEN_PREFIX = 'CLIENTTOKEN#';

export const CONNECTIONS_PREFIX = 'CONNECTIONS#';
export const OWNED_PREFIX = 'OWNS#';

/** Items of a contact sort after its record and before a session, by their time-ordered ids. */
export const ITEM_PREFIX = 'ITEM#';
/** The contact record's sort key, and a key just past every item's (`$` follows `#`). */
export const RECORD_SK = 'CONTACT';
export const ITEMS_END = 'ITEM$';

/** DynamoDB's TTL attribute (epoch seconds): expired grants and records are removed in the background. */
export const TTL_ATTRIBUTE = 'ttl';

/**
 * The sweep's sparse index: only records the sweep has work on carry its keys. An active chat's session
 * (`CHAT`, due at its `sweepAt`: its end of duration, or a participant timer) and an ended contact whose
 * archive is unfinished (`ARCHIVE`, since its end, then since its file became durable), each kind spread over `SWEEP_SHARDS` partitions by a
 * hash of the id, so no partition key is hot; the sweep queries each shard by time range. KEYS_ONLY:
 * the sweep reads every record it acts on afresh (index reads are eventually consistent).
 */
export const SWEEP_INDEX = { name: 'sweep', partitionKey: 'sweepShard', sortKey: 'sweepAt' } as const;
/**
 * 32: at 10,000 messages/s (1,667 chats starting a second, two contacts each) an `ARCHIVE` shard takes
 * about 210 index writes a second, a fifth of a partition's 1,000 (8 shards took 830). It may only grow
 * by a multiple: a record indexed under the old count is in shard `hash % old`, which stays among those
 * queried (hash % 32 % 8 = hash % 8). The sweep makes one Query per shard and kind a run (64 a minute).
 */
export const SWEEP_SHARDS = 32;
export type SweepKind = 'CHAT' | 'ARCHIVE';

/**
 * The queues' sparse index: a contact carries `queueKey` while it waits (routingState `QUEUED`), so a
 * queue's waiting list is one Query, oldest first, at any queue length; accepting or ending the contact
 * removes the key. It projects what the waiting list shows.
 */
export const QUEUE_INDEX = {
  name: 'queue',
  partitionKey: 'queueKey',
  sortKey: 'enqueueTimestamp',
  projected: ['contactId', 'initialContactId', 'queueId', 'customerName', 'returningCustomer', 'reservedFor', 'reservedUntil'],
} as const;

/** The partition of a queue, or of the contacts transferred to one agent. */
export function queuePartition(queue: QueueRef): string {
  const instance = encodeURIComponent(queue.instanceId);
  return 'queueId' in queue
    ? `QUEUE#${instance}#${encodeURIComponent(queue.queueId)}`
    : `AGENTQUEUE#${instance}#${encodeURIComponent(queue.agentId)}`;
}

/** Where a contact waits: for its one agent when reserved for good (a transfer to the agent), else in its queue. */
export function queueKeyOf(contact: Contact): { [QUEUE_INDEX.partitionKey]?: string } {
  if (contact.routingState !== 'QUEUED' || !contact.queueId) return {};
  const { instanceId, reservedFor, reservedUntil } = contact;
  const queue: QueueRef =
    reservedFor && reservedUntil === undefined ? { instanceId, agentId: reservedFor } : { instanceId, queueId: contact.queueId };
  return { [QUEUE_INDEX.partitionKey]: queuePartition(queue) };
}

/** The shard of a record: FNV-1a of its id. */
export function sweepShard(kind: SweepKind, id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return `SWEEP#${kind}#${(hash >>> 0) % SWEEP_SHARDS}`;
}

export const sweepShards = (kind: SweepKind): string[] => Array.from({ length: SWEEP_SHARDS }, (_, shard) => `SWEEP#${kind}#${shard}`);

export const withKey = <T extends object>(key: { pk: string; sk: string }, record: T) => ({ ...key, ...record });

/** Strips the storage-only attributes, leaving the domain record. */
export function toRecord<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, [TTL_ATTRIBUTE]: _ttl, [SWEEP_INDEX.partitionKey]: _shard, [QUEUE_INDEX.partitionKey]: _queue, ...record } = item;
  return record as T;
}

type Row = Record<string, unknown>;
interface Page {
  Items?: Row[];
  LastEvaluatedKey?: Row;
}

/**
 * Every item a Query yields, following LastEvaluatedKey, up to `limit` (DynamoDB pages at
 * 1 MB, so even a bounded read can take several). `read` sends one request from a start key.
 */
export async function readPages(read: (startKey: Row | undefined) => Promise<Page>, limit = Infinity): Promise<Row[]> {
  const items: Row[] = [];
  let startKey: Row | undefined;
  do {
    const page = await read(startKey);
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return items;
}

/** DynamoDB's BatchWriteItem takes 25 requests, and may leave some unprocessed: those are sent again, with backoff, this often. */
const BATCH_WRITE = 25;
const BATCH_WRITE_ATTEMPTS = 8;

/**
 * Puts and deletes (`PutRequest`, `DeleteRequest`) in batches of 25, sending again what DynamoDB leaves
 * unprocessed. Past the attempts it throws, naming `what`: its callers are safe to run again (the sweep
 * retries an archive's deletes, an erasure is called again).
 */
export async function writeAll(db: DynamoDBDocumentClient, tableName: string, requests: Record<string, unknown>[], what: string): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH_WRITE) {
    let pending = requests.slice(start, start + BATCH_WRITE);
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt >= BATCH_WRITE_ATTEMPTS) throw new Error(`${what}: writes still unprocessed after ${attempt} attempts`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
      const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
    }
  }
}

/** One record by its key, read consistently (every store reads what a write just did). */
export async function getRecord<T>(db: DynamoDBDocumentClient, tableName: string, key: { pk: string; sk: string }): Promise<T | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item ? toRecord<T>(Item) : undefined;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction item and the conflict its failed condition means. */
export interface Step {
  item: TransactItem;
  conflict: ConflictReason;
}

/** DynamoDB refuses concurrent transactions on one item with TransactionConflict: try again, with backoff. */
const TRANSACTION_ATTEMPTS = 8;

/**
 * One TransactWriteItems of the steps: a failed condition throws the WriteConflict its step names (the
 * first such step's); a TransactionConflict (another transaction on one of the items) is sent again.
 */
export async function transact(db: DynamoDBDocumentClient, steps: Step[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: steps.map((step) => step.item) }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
      if (failed >= 0) throw new WriteConflict(steps[failed]!.conflict);
      const conflicted = reasons.some((reason) => reason.Code === 'TransactionConflict');
      if (!conflicted || attempt >= TRANSACTION_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}
