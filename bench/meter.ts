import type { ConnectClient } from '@aws-sdk/client-connect';
import type { ConnectParticipantClient } from '@aws-sdk/client-connectparticipant';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, type LocalServer } from '../local/server';
import { SWEEP_INDEX } from '../lambdas/stores/dynamodb/keys';
import { FrameClient } from '../test/support/websocket';
import { PLAIN_SOCKETS, type Sockets } from './chats';
import { NO_UNITS, type Units } from './cost';

/**
 * Counts what the local server uses of each billed service, as AWS would bill it. DynamoDB units as
 * DynamoDB reports them (ReturnConsumedCapacity on the server's own client; for transactions and batch
 * writes, whose units DynamoDB Local misreports, from the items' sizes by DynamoDB's rules), S3 requests on its bucket
 * client; API Gateway and Lambda from the calls the bench makes: a REST call is one request and one
 * invocation, a WebSocket frame one message, a frame the client sends also one invocation of its
 * route, an open and a close one invocation each ($connect, $disconnect). Lambda time is the call's
 * round trip here, an upper bound of what the function would bill for it.
 */
export class Meter implements Sockets {
  private units: Units = { ...NO_UNITS };
  private dynamodbInFlight = 0;
  private lastActivity = 0;
  private readonly sockets = new Set<FrameClient>();
  /** Reads the sizes of the items a write touches, uncounted. */
  private readonly sizes: DynamoDBDocumentClient;

  constructor(server: LocalServer, clients: (ConnectClient | ConnectParticipantClient)[]) {
    this.sizes = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: server.config.region, endpoint: server.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS }),
    );
    const tableName = server.config.tableName;
    server.clients.db.middlewareStack.add(
      ((
        next: (args: { input: Record<string, unknown> }) => Promise<{ output: { ConsumedCapacity?: Capacity | Capacity[] } }>,
        context: { commandName?: string },
      ) =>
        async (args: { input: Record<string, unknown> }) => {
          this.dynamodbInFlight++;
          try {
            const writes = writtenItems(context.commandName, args.input, tableName);
            const before = writes && (await Promise.all(writes.map((write) => write.item ?? this.current(tableName, write.key))));
            const result = await next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } });
            const reported = [result.output.ConsumedCapacity ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
            if (READ_COMMANDS.has(context.commandName ?? '')) this.units.rru += reported;
            else if (!writes) this.units.wru += reported;
            else {
              const after = await Promise.all(writes.map((write) => (write.kind === 'Update' ? this.current(tableName, write.key) : write.item)));
              this.units.wru += writes.reduce((sum, write, i) => sum + writeUnits(write, before![i], after[i]), 0);
            }
            this.units.dynamodbRequests++;
            return result;
          } finally {
            this.dynamodbInFlight--;
            this.lastActivity = Date.now();
          }
        }) as never,
      { step: 'initialize', name: 'benchCapacityMeter' },
    );
    const objects = server.clients.s3;
    for (const method of ['get', 'head', 'getRange', 'put', 'copy'] as const) {
      const original = (objects[method] as (...args: unknown[]) => Promise<unknown>).bind(objects);
      (objects as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        if (method === 'put' || method === 'copy') this.units.s3Put++;
        else this.units.s3Get++;
        if (method === 'put') this.units.s3Bytes += Buffer.byteLength(args[1] as string);
        return original(...args);
      };
    }
    for (const client of clients) {
      (client.middlewareStack as ConnectClient['middlewareStack']).add(
        ((next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
          const started = performance.now();
          try {
            return await next(args);
          } finally {
            this.invocation(performance.now() - started);
            this.units.restRequests++;
          }
        }) as never,
        { step: 'initialize', name: 'benchRequestMeter' },
      );
    }
  }

  private async current(tableName: string, key: Record<string, unknown>) {
    return (await this.sizes.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  }

  private invocation(ms: number) {
    this.units.lambdaInvocations++;
    // Lambda bills by the millisecond, rounded up.
    this.units.lambdaMs += Math.ceil(ms);
    this.lastActivity = Date.now();
  }

  /** Opens a WebSocket, counted: its $connect, every frame both ways, and its $disconnect when it closes. */
  async open(url: string): Promise<FrameClient> {
    const started = performance.now();
    const client = await FrameClient.open(url);
    this.invocation(performance.now() - started);
    this.units.wsConnects++;
    this.sockets.add(client);
    client.socket.on('message', (data) => {
      this.units.wsMessages++;
      if ((JSON.parse(data.toString()) as { topic?: string }).topic === 'aws/chat') this.units.postToConnection++;
      this.lastActivity = Date.now();
    });
    client.socket.on('close', () => {
      // $disconnect reads the connection and deletes it: billed here at the mean of the invocations so far.
      this.invocation(this.units.lambdaInvocations ? this.units.lambdaMs / this.units.lambdaInvocations : 0);
      this.sockets.delete(client);
    });
    return client;
  }

  /** Sends a frame and waits for the answer on its topic: one message each way, one invocation of the route. */
  async ask(client: FrameClient, topic: string, content?: object): Promise<void> {
    const started = performance.now();
    this.units.wsMessages++;
    await PLAIN_SOCKETS.ask(client, topic, content);
    this.invocation(performance.now() - started);
  }

  /** Waits until the server has been quiet for a moment (pushes delivered, $disconnect handlers done). */
  async settle(quietMs = 60): Promise<void> {
    while (this.dynamodbInFlight > 0 || Date.now() - this.lastActivity < quietMs) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** The units since the last take. */
  async take(): Promise<Units> {
    await this.settle();
    const units = this.units;
    this.units = { ...NO_UNITS };
    return units;
  }

  destroy(): void {
    this.sizes.destroy();
  }
}

type Item = Record<string, unknown>;
interface Write {
  kind: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  key: Item;
  /** A Put's item, as written. */
  item?: Item;
  transactional: boolean;
}

/** The items a TransactWriteItems or a BatchWriteItem writes, to be sized; undefined for any other command. */
function writtenItems(commandName: string | undefined, input: Item, tableName: string): Write[] | undefined {
  if (commandName === 'TransactWriteItemsCommand') {
    return (input.TransactItems as NonNullable<TransactWriteCommandInput['TransactItems']>).map((action) => {
      const [kind, body] = Object.entries(action).find(([, value]) => value) as [Write['kind'], { Key?: Item; Item?: Item }];
      return { kind, key: body.Key ?? { pk: body.Item!.pk, sk: body.Item!.sk }, item: body.Item, transactional: true };
    });
  }
  if (commandName === 'BatchWriteItemCommand') {
    const requests = (input.RequestItems as Record<string, { DeleteRequest?: { Key: Item }; PutRequest?: { Item: Item } }[]>)[tableName] ?? [];
    return requests.map((request) =>
      request.PutRequest
        ? { kind: 'Put', key: {}, item: request.PutRequest.Item, transactional: false }
        : { kind: 'Delete', key: request.DeleteRequest!.Key, transactional: false },
    );
  }
  return undefined;
}

/**
 * DynamoDB's write units for one item: 1 per KB of the larger of its old and new versions, doubled in
 * a transaction (a ConditionCheck counted as a write, as the transaction reserves it); and one more
 * for each write of the sweep index, whose keys-only entries are well under 1 KB.
 */
function writeUnits(write: Write, before: Item | undefined, after: Item | undefined): number {
  const size = Math.max(itemBytes(before), write.kind === 'Delete' || write.kind === 'ConditionCheck' ? 0 : itemBytes(after));
  const base = Math.max(1, Math.ceil(size / 1024)) * (write.transactional ? 2 : 1);
  if (write.kind === 'ConditionCheck') return base;
  const indexKey = (item: Item | undefined) =>
    item?.[SWEEP_INDEX.partitionKey] === undefined ? undefined : `${item[SWEEP_INDEX.partitionKey]}|${item[SWEEP_INDEX.sortKey]}`;
  const [was, is] = [indexKey(before), indexKey(write.kind === 'Delete' ? undefined : after)];
  // An entry put or removed is one index write; one moved (its keys changed) is two, the removal and the new entry.
  const index = was === is ? 0 : was && is ? 2 : 1;
  return base + index;
}

/** An item's size as DynamoDB counts it: attribute names and values in UTF-8, numbers about a byte per two digits. */
function itemBytes(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value), 0);
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/^0+|\.|e.*$/g, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  if (typeof value === 'object') return 3 + Object.entries(value).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueBytes(v), 0);
  return 0;
}

interface Capacity {
  CapacityUnits?: number;
}

const READ_COMMANDS = new Set(['GetCommand', 'GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
