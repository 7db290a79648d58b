import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { DomainError } from '../domain/errors';
import { type Operation, toErrorResponse } from './errors';
import { errorFields, Logger, logLevelFrom } from '../logger';

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

export type WebsocketRoute<D> = (deps: () => Promise<D>, log?: Logger) => WebsocketHandler;

/**
 * A WebSocket route: the same conventions as the REST routes (request id in every log line,
 * DomainErrors answered with the participant API's status, anything else a logged 500), without the
 * REST body and CORS handling that do not apply to socket events.
 */
export function websocketRoute<D>(logic: WebsocketLogic<D>): WebsocketRoute<D> {
  return (deps, log = new Logger(logLevelFrom(process.env.LOG_LEVEL))) =>
    async (event, context) => {
      const { connectionId, routeKey } = event.requestContext;
      const requestId = context.awsRequestId || event.requestContext.requestId;
      const requestLog = log.child({ requestId, route: routeKey, connectionId });
      const started = Date.now();
      try {
        const answer = await logic(
          { connectionId, query: { ...event.queryStringParameters } as Record<string, string>, body: event.body, log: requestLog },
          await deps(),
        );
        requestLog.debug('websocket event', { ms: Date.now() - started });
        return answer === undefined ? { statusCode: 200 } : { statusCode: 200, body: JSON.stringify(answer) };
      } catch (error) {
        const failure = toErrorResponse(WEBSOCKET_OPERATION, error);
        if (error instanceof DomainError) requestLog.info('websocket event refused', { status: failure.statusCode, reason: failure.message });
        else requestLog.error('websocket event failed', { status: failure.statusCode, ...errorFields(error) });
        return { statusCode: failure.statusCode };
      }
    };
}
