import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { WebSocket, WebSocketServer } from 'ws';
import type { ConnectionTransport } from '../lambdas/domain/push';
import type { WebsocketHandler } from '../lambdas/http/websocket';
import type { Logger } from '../lambdas/logger';
import type { WebsocketRouteSpec } from '../lambdas/routes';
import { lambdaContext } from './api-gateway';

/** Where the local server takes WebSocket upgrades (on its own port: chatjs accepts `ws://127.0.0.1:` only). */
export const WEBSOCKET_PATH = '/websocket';
/** API Gateway's WebSocket message size limit. */
const MAX_FRAME_BYTES = 128 * 1024;

/**
 * The local stand-in for API Gateway's WebSocket API: upgrades on the local server's port run the
 * same `$connect`, `$disconnect` and topic handlers as on AWS (routes chosen by the frame's `topic`,
 * as API Gateway's `$request.body.topic`), and the sockets are reachable through the same
 * post/close contract as the `@connections` API, gone connections included.
 */
export class LocalWebsockets implements ConnectionTransport {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly sockets = new Map<string, WebSocket>();
  /** Frames pushed between a connection's admission and the end of its handshake, sent once it is open. */
  private readonly opening = new Map<string, string[]>();
  /** Connections closed by the server before their handshake ended: closed as soon as it has. */
  private readonly closedWhileOpening = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopping = false;
  private routes?: Map<string, WebsocketHandler>;

  constructor(private readonly log: Logger) {}

  /** Starts taking upgrades on `server`, with one handler per route key. */
  attach(server: Server, routes: readonly { spec: WebsocketRouteSpec; handler: WebsocketHandler }[]): void {
    this.routes = new Map(routes.map(({ spec, handler }) => [spec.routeKey, handler]));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.track(this.upgrade(req, socket, head)).catch((error: unknown) => {
        this.log.error('websocket upgrade failed', { error: String(error) });
        refuse(socket, 500);
      });
    });
  }

  async post(connectionId: string, data: string): Promise<'sent' | 'gone'> {
    const waiting = this.opening.get(connectionId);
    if (waiting) {
      waiting.push(data);
      return 'sent';
    }
    const socket = this.sockets.get(connectionId);
    if (!socket || socket.readyState !== WebSocket.OPEN) return 'gone';
    await new Promise<void>((resolve, reject) => socket.send(data, (error) => (error ? reject(error) : resolve())));
    return 'sent';
  }

  async close(connectionId: string): Promise<void> {
    if (this.opening.delete(connectionId)) this.closedWhileOpening.add(connectionId);
    this.sockets.get(connectionId)?.close(1000, 'Closed by the server');
  }

  /**
   * Closes every socket and waits for their `$disconnect` handlers, before the store goes away. A
   * handshake under way is cut as soon as it completes: the HTTP server's close waits for every socket.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const socket of this.sockets.values()) socket.terminate();
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
    this.wss.close();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== WEBSOCKET_PATH) return refuse(socket, 404);
    // API Gateway's connection ids are 12 random bytes in base64; a local one looks the same.
    const connectionId = randomBytes(12).toString('base64');
    const connectedAt = Date.now();
    const event = (routeKey: string, eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', body?: string) =>
      websocketEvent({ routeKey, eventType, connectionId, connectedAt, body, query: Object.fromEntries(url.searchParams) });
    this.opening.set(connectionId, []);
    const admitted = await this.run('$connect', event('$connect', 'CONNECT'));
    if (admitted.statusCode !== 200) {
      this.opening.delete(connectionId);
      this.closedWhileOpening.delete(connectionId);
      return refuse(socket, admitted.statusCode);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.stopping) return ws.terminate();
      this.sockets.set(connectionId, ws);
      for (const frame of this.opening.get(connectionId) ?? []) ws.send(frame);
      this.opening.delete(connectionId);
      if (this.closedWhileOpening.delete(connectionId)) ws.close(1000, 'Closed by the server');
      ws.on('message', (data, isBinary) => {
        const body = isBinary ? undefined : data.toString();
        const routeKey = routeKeyOf(body, this.routes!);
        this.track(this.run(routeKey, event(routeKey, 'MESSAGE', body))).then(
          (answer) => {
            if (answer.body !== undefined && ws.readyState === WebSocket.OPEN) ws.send(answer.body);
          },
          (error: unknown) => this.log.error('websocket message failed', { connectionId, error: String(error) }),
        );
      });
      ws.on('error', (error) => this.log.warn('websocket error', { connectionId, error: String(error) }));
      ws.on('close', () => {
        this.sockets.delete(connectionId);
        this.track(this.run('$disconnect', event('$disconnect', 'DISCONNECT'))).catch((error: unknown) =>
          this.log.error('websocket disconnect failed', { connectionId, error: String(error) }),
        );
      });
    });
  }

  private run(routeKey: string, event: APIGatewayProxyWebsocketEventV2) {
    const handler = this.routes?.get(routeKey);
    if (!handler) throw new Error(`no websocket route ${routeKey}`);
    return handler(event, lambdaContext(routeKey, event.requestContext.requestId));
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }
}

/** API Gateway's route selection on `$request.body.topic`: the frame's topic if a route has it, else `$default`. */
function routeKeyOf(body: string | undefined, routes: Map<string, WebsocketHandler>): string {
  try {
    const topic = (JSON.parse(body ?? '') as { topic?: unknown } | null)?.topic;
    if (typeof topic === 'string' && !topic.startsWith('$') && routes.has(topic)) return topic;
  } catch {
    // not JSON: API Gateway falls back to $default as well
  }
  return '$default';
}

/** A refused handshake: an HTTP status instead of the upgrade, as API Gateway answers a refused $connect. */
function refuse(socket: Duplex, status: number): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function websocketEvent(input: {
  routeKey: string;
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  connectionId: string;
  connectedAt: number;
  body?: string;
  query: Record<string, string>;
}): APIGatewayProxyWebsocketEventV2 {
  const now = Date.now();
  const requestId = randomUUID();
  return {
    requestContext: {
      routeKey: input.routeKey,
      messageId: requestId,
      eventType: input.eventType,
      extendedRequestId: requestId,
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage: 'local',
      connectedAt: input.connectedAt,
      requestTimeEpoch: now,
      requestId,
      domainName: '127.0.0.1',
      connectionId: input.connectionId,
      apiId: 'local',
    },
    body: input.body,
    isBase64Encoded: false,
    ...(input.eventType === 'CONNECT' && Object.keys(input.query).length && { queryStringParameters: input.query }),
  };
}
