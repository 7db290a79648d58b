import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentRecord, Attachment, Contact } from '../../domain/model';
import type { CustomerLine, ErasureRecord, ErasureStore } from '../../domain/ports';
import { CONNECTIONS_PREFIX, keys, OWNED_PREFIX, RECORD_SK, readPages, withKey, writeAll, getRecord } from './keys';

type Key = { pk: string; sk: string };

/** An agent's record loses to every accept meanwhile (its `version`): read again this often, then fail (and erasure is called again). */
const AGENT_UPDATE_ATTEMPTS = 8;

/**
 * Erasure's part of the one table. A chat's records in partitions of their own (grants, idempotency
 * records, attachments) are found through the notes beside its session (`keys.owned`); each removal is
 * a plain delete, so repeating one after a crash does no harm.
 */
export class DynamoErasureStore implements ErasureStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private get<T>(key: Key): Promise<T | undefined> {
    return getRecord<T>(this.db, this.tableName, key);
  }

  getErasure(erasureId: string) {
    return this.get<ErasureRecord>(keys.erasure(erasureId));
  }

  async erasedBy(contactId: string): Promise<string | undefined> {
    return (await this.get<{ erasureId: string }>(keys.erased(contactId)))?.erasureId;
  }

  async markCustomerLine(instanceId: string, customerId: string, erasureId: string): Promise<string> {
    const key = keys.customerLine(instanceId, customerId);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET erasure = :id',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(erasure) OR erasure = :id)',
          ExpressionAttributeValues: { ':id': erasureId },
        }),
      );
      return erasureId;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.get<CustomerLine>(key))?.erasure ?? erasureId;
    }
  }

  async markContacts(contactIds: string[], erasureId: string): Promise<void> {
    await Promise.all(
      contactIds.map(async (contactId) => {
        try {
          await this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keys.contact(contactId),
              UpdateExpression: 'SET erasure = :id',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':id': erasureId },
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error; // gone already
        }
      }),
    );
  }

  async chatAttachments(initialContactId: string): Promise<Attachment[]> {
    const owned = (await this.partition(keys.session(initialContactId).pk, OWNED_PREFIX)).map((row) => row.owned as Key);
    const attachments = owned.filter((key) => key.sk === keys.attachment('').sk);
    // A chat holds a few attachments: one GetItem each (no BatchGetItem in the functions' grants).
    const found = await Promise.all(attachments.map((key) => this.get<Attachment>(key)));
    return found.filter((attachment): attachment is Attachment => attachment !== undefined);
  }

  async recordErasure(record: ErasureRecord): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: withKey(keys.erasure(record.erasureId), record) }));
    await this.writeAll(
      record.contacts.map(({ contactId }) => ({ PutRequest: { Item: { ...keys.erased(contactId), erasureId: record.erasureId } } })),
    );
  }

  async removeContact(contactId: string): Promise<void> {
    const rows = await this.partition(keys.contact(contactId).pk);
    const owned = rows.filter((row) => (row.sk as string).startsWith(OWNED_PREFIX)).map((row) => row.owned as Key);
    // Before the contact's record, which names the agent: a crash in between finds the agent again.
    const record = rows.find((row) => row.sk === RECORD_SK) as Contact | undefined;
    if (record?.agentId) await this.forgetAgentContact(keys.agent(record.instanceId, record.agentId), contactId);
    // The records the notes name before the notes: a crash in between leaves the notes to find them again.
    await this.deleteAll(owned);
    await this.deleteAll(rows.map(({ pk, sk }) => ({ pk, sk }) as Key));
  }

  /**
   * Takes the contact out of the agent's accepted contacts. The record's `version` serializes accepts
   * (routing.ts), so this bumps it like one, and loses to one that changed the list meanwhile: read again.
   */
  private async forgetAgentContact(key: Key, contactId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const agent = await this.get<AgentRecord>(key);
      const at = agent?.contactIds.indexOf(contactId) ?? -1;
      if (!agent || at < 0) return;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `REMOVE contactIds[${at}] SET version = :next`,
            ConditionExpression: 'version = :seen',
            ExpressionAttributeValues: { ':seen': agent.version, ':next': agent.version + 1 },
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= AGENT_UPDATE_ATTEMPTS) throw error;
      }
    }
  }

  async removeChat({ initialContactId, customerParticipantId }: ErasureRecord['chats'][number]): Promise<void> {
    const connections = await this.partition(`${CONNECTIONS_PREFIX}${initialContactId}`);
    await this.deleteAll([
      ...connections.flatMap((row) => [{ pk: row.pk, sk: row.sk } as Key, keys.connection(row.connectionId as string)]),
      keys.once(`REHYDRATED#${initialContactId}#${customerParticipantId}`),
    ]);
  }

  async removeCustomerLine(instanceId: string, customerId: string): Promise<void> {
    await this.deleteAll([keys.customerLine(instanceId, customerId)]);
  }

  async erasureFinished(erasureId: string, at: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.erasure(erasureId),
        // What stays is the audit: which contacts went, and when.
        UpdateExpression: 'SET #state = :erased, finishedAt = :at REMOVE customerId, chats, objectKeys',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':erased': 'ERASED', ':at': at },
      }),
    );
  }

  /** Every row of a partition (from `prefix` on, when given). */
  private partition(pk: string, prefix?: string): Promise<Record<string, unknown>[]> {
    return readPages((startKey) =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(prefix && { ':prefix': prefix }) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
  }

  private deleteAll(keys: Key[]): Promise<void> {
    return this.writeAll(keys.map((Key) => ({ DeleteRequest: { Key } })));
  }

  private writeAll(requests: Record<string, unknown>[]): Promise<void> {
    return writeAll(this.db, this.tableName, requests, 'erasure (call again to finish)');
  }
}
