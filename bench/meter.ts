import type { ConnectClient } from '@aws-sdk/client-connect';
import type { ConnectParticipantClient } from '@aws-sdk/client-connectparticipant';
import type { LocalServer } from '../local/server';
import { FrameClient } from '../test/support/websocket';
import { PLAIN_SOCKETS, type Sockets } from './chats';
import { NO_UNITS, type Units } from './cost';

/**
 * Counts what the local server uses of each billed service, as AWS would bill it. DynamoDB units as
 * DynamoDB reports them (ReturnConsumedCapacity on the server's own client), S3 requests on its bucket
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

  constructor(server: LocalServer, clients: (ConnectClient | ConnectParticipantClient)[]) {
    server.clients.db.middlewareStack.add(
      ((
        next: (args: { input: Record<string, unknown> }) => Promise<{ output: { ConsumedCapacity?: Capacity | Capacity[] } }>,
        context: { commandName?: string },
      ) =>
        async (args: { input: Record<string, unknown> }) => {
          this.dynamodbInFlight++;
          try {
            const result = await next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'TOTAL' } });
            const consumed = [result.output.ConsumedCapacity ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
            if (READ_COMMANDS.has(context.commandName ?? '')) this.units.rru += consumed;
            else this.units.wru += consumed;
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

  closeAll(): void {
    for (const socket of this.sockets) socket.close();
  }
}

interface Capacity {
  CapacityUnits?: number;
}

const READ_COMMANDS = new Set(['GetCommand', 'GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
