import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import type { Logger } from '../logger';
import type { Operation } from './errors';
import { type EventKind, type Wrapped, wrap } from './invocation';

/** What a WebSocket route's logic gets: the connection, the URL's query (at $connect) and the frame's text. */
export interface WebsocketRequest {
  connectionId: string;
  query: Record<string, string>;
  body: string | undefined;
  log: Logger;
}

/** The logic's answer: a frame to send back on the socket (a two-way route), or nothing. */
export type WebsocketLogic<D> = (request: WebsocketRequest, deps: D) => Promise<object | undefined>;

/**
 * API Gateway's WebSocket integration result: at $connect a status other than 200 refuses the
 * handshake with that status; on a two-way route `body` goes back to the client as one frame.
 */
export interface WebsocketResult {
  statusCode: number;
  body?: string;
}

export type WebsocketHandler = (event: APIGatewayProxyWebsocketEventV2, context: Context) => Promise<WebsocketResult>;
/** Every WebSocket route answers its errors as this operation (errors.ts). */
export const WEBSOCKET_OPERATION: Operation = 'WebsocketEvent';

export type WebsocketRoute<D> = Wrapped<APIGatewayProxyWebsocketEventV2, WebsocketResult, D>;

/** A WebSocket event: no body to parse and no CORS; a failure is its status alone (the participant API's). */
const WEBSOCKET: EventKind<APIGatewayProxyWebsocketEventV2, WebsocketResult, WebsocketRequest, object | undefined> = {
  noun: 'websocket event',
  successLevel: 'debug',
  describe: ({ requestContext: { requestId, routeKey, connectionId } }) => ({ requestId, fields: { route: routeKey, connectionId } }),
  read: (event, { log }) => ({
    connectionId: event.requestContext.connectionId,
    query: { ...event.queryStringParameters } as Record<string, string>,
    body: event.body,
    log,
  }),
  answer: (frame) => (frame === undefined ? { statusCode: 200 } : { statusCode: 200, body: JSON.stringify(frame) }),
  refuse: ({ statusCode }) => ({ statusCode }),
};

/** A WebSocket route: the wrapper every REST route has too (invocation.ts), for socket events. */
export const websocketRoute = <D>(logic: WebsocketLogic<D>): WebsocketRoute<D> => wrap(WEBSOCKET, WEBSOCKET_OPERATION, logic);
