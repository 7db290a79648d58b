import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ChatSession, Contact, TokenGrant } from '../../domain/model';
import {
  type AddParticipantWrite,
  type ConflictReason,
  type ContactStore,
  type EndSessionWrite,
  type IdempotencyKey,
  type IdempotencyRecord,
  type StartChatWrite,
  type TransferWrite,
  WriteConflict,
} from '../ports';
import { keys, TTL_ATTRIBUTE, toRecord, withKey } from './keys';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A transaction item and the conflict its failed condition means. */
interface Step {
  item: TransactItem;
  conflict: ConflictReason;
}

const notExists = 'attribute_not_exists(pk)';
/** DynamoDB refuses concurrent transactions on one item with TransactionConflict: try again, a few times. */
const TRANSACTION_ATTEMPTS = 5;

export class DynamoContactStore implements ContactStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private async get<T>(key: { pk: string; sk: string }): Promise<T | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item ? toRecord<T>(Item) : undefined;
  }

  getContact(contactId: string) {
    return this.get<Contact>(keys.contact(contactId));
  }

  getSession(initialContactId: string) {
    return this.get<ChatSession>(keys.session(initialContactId));
  }

  async getGrant(tokenHash: string) {
    return this.get<TokenGrant>(keys.grant(tokenHash));
  }

  getIdempotencyRecord(key: IdempotencyKey) {
    return this.get<IdempotencyRecord>(keys.idempotency(key));
  }

  async startChat(write: StartChatWrite): Promise<void> {
    const steps: Step[] = [
      this.put(withKey(keys.session(write.session.initialContactId), write.session), 'already-exists'),
      this.put(withKey(keys.contact(write.contact.contactId), write.contact), 'already-exists'),
      this.putGrant(write.grant),
      ...this.idempotencySteps(write.idempotency),
    ];
    if (write.sourceClaim) {
      const { sourceContactId, sourceInitialContactId, claimedBy } = write.sourceClaim;
      steps.push(
        {
          item: {
            Update: {
              TableName: this.tableName,
              Key: keys.contact(sourceContactId),
              UpdateExpression: 'SET persistentChatSourceOf = :by',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(persistentChatSourceOf)',
              ExpressionAttributeValues: { ':by': claimedBy },
            },
          },
          conflict: 'source-already-used',
        },
        {
          item: {
            ConditionCheck: {
              TableName: this.tableName,
              Key: keys.session(sourceInitialContactId),
              ConditionExpression: '#state = :ended',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':ended': 'ENDED' },
            },
          },
          conflict: 'source-session-active',
        },
      );
    }
    await this.transact(steps);
  }

  async transfer({ from, to, idempotency }: TransferWrite): Promise<void> {
    await this.transact([
      {
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.session(from.initialContactId),
            UpdateExpression: 'SET latestContactId = :to',
            ConditionExpression: '#state = :active AND latestContactId = :from',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':to': to.contactId, ':from': from.contactId, ':active': 'ACTIVE' },
          },
        },
        conflict: 'contact-not-active',
      },
      this.endContact(from.contactId, from.now, { next: to.contactId }),
      this.put(withKey(keys.contact(to.contactId), to), 'already-exists'),
      ...this.idempotencySteps(idempotency),
    ]);
  }

  async endSession({ contactId, initialContactId, now, disconnectReason }: EndSessionWrite): Promise<void> {
    await this.transact([
      {
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.session(initialContactId),
            UpdateExpression: 'SET #state = :ended, endedAt = :now',
            ConditionExpression: '#state = :active AND latestContactId = :contact',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':ended': 'ENDED', ':now': now, ':active': 'ACTIVE', ':contact': contactId },
          },
        },
        conflict: 'contact-not-active',
      },
      this.endContact(contactId, now, { reason: disconnectReason }),
    ]);
  }

  async addParticipant({ contactId, participant, grant, idempotency }: AddParticipantWrite): Promise<void> {
    await this.transact([
      {
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.contact(contactId),
            UpdateExpression: 'SET participants = list_append(participants, :participant)',
            ConditionExpression: '#state = :active',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':participant': [participant], ':active': 'ACTIVE' },
          },
        },
        conflict: 'contact-not-active',
      },
      this.putGrant(grant),
      ...this.idempotencySteps(idempotency),
    ]);
  }

  async replaceAttributes(initialContactId: string, attributes: Record<string, string>, expectedVersion: number, now: number) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.session(initialContactId),
          UpdateExpression: 'SET attributes = :attributes, attributesVersion = :next, attributesUpdatedAt = :now',
          ConditionExpression: 'attributesVersion = :expected',
          ExpressionAttributeValues: { ':attributes': attributes, ':next': expectedVersion + 1, ':expected': expectedVersion, ':now': now },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new WriteConflict('stale');
      throw error;
    }
  }

  private put(item: object, conflict: ConflictReason): Step {
    return { item: { Put: { TableName: this.tableName, Item: item as Record<string, unknown>, ConditionExpression: notExists } }, conflict };
  }

  private putGrant({ tokenHash, grant }: { tokenHash: string; grant: TokenGrant }): Step {
    return this.put({ ...withKey(keys.grant(tokenHash), grant), [TTL_ATTRIBUTE]: Math.ceil(grant.expiresAt / 1000) }, 'already-exists');
  }

  private idempotencySteps(record: IdempotencyRecord | undefined): Step[] {
    if (!record) return [];
    const item = { ...withKey(keys.idempotency(record), record), [TTL_ATTRIBUTE]: Math.ceil(record.expiresAt / 1000) };
    return [this.put(item, 'idempotency-token-used')];
  }

  private endContact(contactId: string, now: number, how: { next?: string; reason?: string }): Step {
    const sets = ['#state = :ended', 'disconnectTimestamp = :now', 'lastUpdateTimestamp = :now'];
    const values: Record<string, unknown> = { ':ended': 'ENDED', ':now': now, ':active': 'ACTIVE' };
    if (how.next) {
      sets.push('nextContactId = :next');
      values[':next'] = how.next;
    }
    if (how.reason) {
      sets.push('disconnectReason = :reason');
      values[':reason'] = how.reason;
    }
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.contact(contactId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#state = :active',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        },
      },
      conflict: 'contact-not-active',
    };
  }

  /** One atomic write; a failed condition becomes the WriteConflict of the first step that failed. */
  private async transact(steps: Step[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: steps.map((step) => step.item) }));
        return;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (failed >= 0) throw new WriteConflict(steps[failed]!.conflict);
        const conflicted = reasons.some((reason) => reason.Code === 'TransactionConflict');
        if (!conflicted || attempt >= TRANSACTION_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
      }
    }
  }
}
