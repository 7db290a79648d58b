import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { DomainError, invalidRequest } from '../domain/errors';
import { Fields } from '../domain/fields';
import type { SignedInAgent } from '../domain/routing';
import { signedInAgent } from './agent';
import { cors } from './cors';
import { type ErrorResponse, type Operation, type OperationOf, toErrorResponse } from './errors';
import { errorFields, Logger, logLevelFrom } from '../logger';

/** What a route handler gets: the checked pieces of the request, never the raw event. */
export interface ApiRequest {
  body: Fields;
  path: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  requestId: string;
  log: Logger;
  /** The authorizer's claims (the agent routes: API Gateway's Cognito authorizer, or the local server's check). */
  claims?: Record<string, unknown>;
}

export type RouteLogic<D> = (request: ApiRequest, deps: D) => Promise<object>;
export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** A route: its logic, and a factory that wraps it for a source of dependencies; it knows its operation. */
export type Route<D> = ((deps: () => Promise<D>, log?: Logger) => ApiHandler) & { operation: Operation };

/** Request bodies above this are refused before parsing (API Gateway's own cap is 10 MB). */
const MAX_BODY_BYTES = 256 * 1024;

interface State {
  requestId: string;
  log: Logger;
  started: number;
  body?: Fields;
}

/**
 * The middleware every route shares, in middy's order: request id and log first, then the JSON
 * body, then the route; the error mapper turns any failure into the API's error shape last.
 */
function defineRoute<D>(operation: Operation, logic: RouteLogic<D>): Route<D> {
  const route = (deps: () => Promise<D>, log = new Logger(logLevelFrom(process.env.LOG_LEVEL))) =>
    middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
      // middy runs `after` and `onError` in reverse: CORS headers go on last, onto any response.
      .use(cors())
      .use(requestContext(operation, log))
      .use(jsonBody())
      .handler(async (event, context) => {
        const state = (context as Context & { state: State }).state;
        const response = await logic(
          {
            body: state.body!,
            path: (event.pathParameters ?? {}) as Record<string, string>,
            headers: lowerCaseHeaders(event.headers),
            requestId: state.requestId,
            log: state.log,
            claims: event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined,
          },
          await deps(),
        );
        return json(200, response, state.requestId);
      });
  return Object.assign(route, { operation });
}

// A route names its operation, of its own API: the operation decides the error names it answers (errors.ts).
export const connectRoute = <D>(operation: OperationOf<'connect'>, logic: RouteLogic<D>) => defineRoute(operation, logic);
export const participantRoute = <D>(operation: OperationOf<'participant'>, logic: RouteLogic<D>) => defineRoute(operation, logic);
export const widgetRoute = <D>(operation: OperationOf<'widget'>, logic: RouteLogic<D>) => defineRoute(operation, logic);
/** An agent API route: its logic gets the signed-in agent from the authorizer's claims. */
export const agentRoute = <D>(operation: OperationOf<'agent'>, logic: (request: ApiRequest, deps: D, agent: SignedInAgent) => Promise<object>) =>
  defineRoute<D>(operation, (request, deps) => logic(request, deps, signedInAgent(request.claims)));

function requestContext(operation: Operation, log: Logger): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  return {
    before: (request) => {
      const requestId = request.context.awsRequestId || request.event.requestContext?.requestId || randomUUID();
      const route = `${request.event.httpMethod} ${request.event.resource ?? request.event.path}`;
      const state: State = { requestId, log: log.child({ requestId, route }), started: Date.now() };
      (request.context as Context & { state: State }).state = state;
    },
    after: (request) => {
      const { state } = request.context as Context & { state: State };
      state.log.info('request', { status: request.response?.statusCode, ms: Date.now() - state.started });
    },
    onError: (request) => {
      const state = (request.context as Context & { state?: State }).state;
      const requestId = state?.requestId ?? randomUUID();
      const failure = toErrorResponse(operation, request.error);
      request.response = errorResult(failure, requestId);
      const fields = { status: failure.statusCode, errorType: failure.name, ms: state ? Date.now() - state.started : undefined };
      if (request.error instanceof DomainError) state?.log.info('request refused', { ...fields, reason: failure.message });
      else state?.log.error('request failed', { ...fields, ...errorFields(request.error) });
    },
  };
}

function jsonBody(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  return {
    before: (request) => {
      const state = (request.context as Context & { state: State }).state;
      const { body, isBase64Encoded } = request.event;
      if (body === null || body === undefined || body === '') {
        state.body = Fields.of({});
        return;
      }
      const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
      if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw invalidRequest(`The request body exceeds ${MAX_BODY_BYTES} bytes`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw invalidRequest('The request body is not valid JSON');
      }
      state.body = Fields.of(parsed);
    },
  };
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };

/** An error in the API's wire shape: status, `x-amzn-ErrorType`, and `__type` with the message. */
export function errorResult(failure: ErrorResponse, requestId: string): APIGatewayProxyResult {
  return {
    statusCode: failure.statusCode,
    headers: { ...JSON_HEADERS, 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': failure.name },
    body: JSON.stringify({ __type: failure.name, Message: failure.message, message: failure.message }),
  };
}

function json(statusCode: number, body: object, requestId: string): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, 'x-amzn-RequestId': requestId }, body: JSON.stringify(body) };
}

function lowerCaseHeaders(headers: APIGatewayProxyEvent['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) result[name.toLowerCase()] = value;
  return result;
}
