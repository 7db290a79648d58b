import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ChatConnection } from '../../domain/model';
import type { ConnectionStore } from '../../domain/ports';
import { CONNECTIONS_PREFIX, keys, readPages, type Step, TTL_ATTRIBUTE, toRecord, transact, withKey } from './keys';

/**
 * WebSocket connections in the one table: each connection twice (under its chat, for fan-out, and
 * under its own id, for $disconnect), both expiring by TTL in case $disconnect never comes.
 */
export class DynamoConnectionStore implements ConnectionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async openConnection(connection: ChatConnection, url: { id: string; expiresAt: number }, options: { chat: boolean }): Promise<void> {
    const ttl = { [TTL_ATTRIBUTE]: Math.ceil(connection.expiresAt / 1000) };
    const put = (item: Record<string, unknown>): Step => ({
      item: { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      conflict: 'already-exists',
    });
    await transact(this.db, [
      // First: its failed condition is the one that means "this URL was used before".
      put({ ...withKey(keys.websocketUrl(url.id), { connectionId: connection.connectionId }), [TTL_ATTRIBUTE]: Math.ceil(url.expiresAt / 1000) }),
      put({ ...withKey(keys.chatConnection(connection.initialContactId, connection.connectionId), connection), ...ttl }),
      put({ ...withKey(keys.connection(connection.connectionId), connection), ...ttl }),
      ...(options.chat
        ? [
            {
              item: {
                Update: {
                  TableName: this.tableName,
                  Key: keys.session(connection.initialContactId),
                  UpdateExpression: 'ADD connectionsVersion :one',
                  ConditionExpression: 'attribute_exists(pk)',
                  ExpressionAttributeValues: { ':one': 1 },
                },
              },
              conflict: 'stale' as const,
            },
          ]
        : []),
    ]);
  }

  async getConnection(connectionId: string, read?: { eventual?: boolean }): Promise<ChatConnection | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ConsistentRead: !read?.eventual }),
    );
    return Item ? toRecord<ChatConnection>(Item) : undefined;
  }

  async chatConnections(initialContactId: string): Promise<ChatConnection[]> {
    const items = await readPages((startKey) =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `${CONNECTIONS_PREFIX}${initialContactId}` },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    return items.map((item) => toRecord<ChatConnection>(item));
  }

  async countFrame(connectionId: string, window: number): Promise<number | undefined> {
    const update = (expression: string, condition: string): Promise<number | undefined> =>
      this.updateConnection(connectionId, {
        UpdateExpression: expression,
        ConditionExpression: `attribute_exists(pk) AND ${condition}`,
        ExpressionAttributeValues: { ':window': window, ':one': 1 },
      });
    // The window's count, else a new window's (racing another container's start of it, then its count).
    return (
      (await update('ADD frames :one', 'frameWindow = :window')) ??
      (await update('SET frameWindow = :window, frames = :one', '(attribute_not_exists(frameWindow) OR frameWindow < :window)')) ??
      (await update('ADD frames :one', 'frameWindow = :window'))
    );
  }

  /** A conditional update of the connection's own record: its frame count after it, or undefined when the condition failed. */
  private async updateConnection(connectionId: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>): Promise<number | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({ TableName: this.tableName, Key: keys.connection(connectionId), ReturnValues: 'UPDATED_NEW', ...update }),
      );
      return Attributes?.frames as number;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async claimOnce(key: string, expiresAt: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.once(key), [TTL_ATTRIBUTE]: Math.ceil(expiresAt / 1000) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async removeConnection({ connectionId, initialContactId }: Pick<ChatConnection, 'connectionId' | 'initialContactId'>): Promise<void> {
    const keyPair = [keys.chatConnection(initialContactId, connectionId), keys.connection(connectionId)];
    await Promise.all(keyPair.map((Key) => this.db.send(new DeleteCommand({ TableName: this.tableName, Key }))));
  }
}
