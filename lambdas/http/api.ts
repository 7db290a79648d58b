import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { invalidRequest } from '../domain/errors';
import { QUOTAS } from '../domain/limits';
import type { SignedInAgent } from '../domain/routing';
import type { Logger } from '../logger';
import { signedInAgent } from './agent';
import { cors } from './cors';
import type { ErrorResponse, Operation, OperationOf } from './errors';
import { Fields } from './fields';
import { type EventKind, type Wrapped, wrap } from './invocation';

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
export type Route<D> = Wrapped<APIGatewayProxyEvent, APIGatewayProxyResult, D> & { operation: Operation };

/** A REST API request (proxy integration): a JSON body in, JSON out with the request id as API Gateway sends it. */
const REST: EventKind<APIGatewayProxyEvent, APIGatewayProxyResult, ApiRequest, object> = {
  noun: 'request',
  successLevel: 'info',
  describe: (event) => ({ requestId: event.requestContext?.requestId, fields: { route: `${event.httpMethod} ${event.resource ?? event.path}` } }),
  read: (event, { requestId, log }) => ({
    body: jsonBody(event),
    path: (event.pathParameters ?? {}) as Record<string, string>,
    headers: lowerCaseHeaders(event.headers),
    requestId,
    log,
    claims: event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined,
  }),
  answer: (result, { requestId }) => json(200, result, requestId),
  refuse: (failure, requestId) => errorResult(failure, requestId),
};

/** The shared wrapper (invocation.ts), with CORS headers put on last, onto any answer, errors included. */
const defineRoute = <D>(operation: Operation, logic: RouteLogic<D>): Route<D> =>
  Object.assign(
    wrap(REST, operation, logic, () => [cors()]),
    { operation },
  );

// A route names its operation, of its own API: the operation decides the error names it answers (errors.ts).
export const connectRoute = <D>(operation: OperationOf<'connect'>, logic: RouteLogic<D>) => defineRoute(operation, logic);
export const participantRoute = <D>(operation: OperationOf<'participant'>, logic: RouteLogic<D>) => defineRoute(operation, logic);
export const widgetRoute = <D>(operation: OperationOf<'widget'>, logic: RouteLogic<D>) => defineRoute(operation, logic);
export const operatorRoute = <D>(operation: OperationOf<'operator'>, logic: RouteLogic<D>) => defineRoute(operation, logic);
/** An agent API route: its logic gets the signed-in agent from the authorizer's claims. */
export const agentRoute = <D>(operation: OperationOf<'agent'>, logic: (request: ApiRequest, deps: D, agent: SignedInAgent) => Promise<object>) =>
  defineRoute<D>(operation, (request, deps) => logic(request, deps, signedInAgent(request.claims)));

/** The body as JSON, refused before parsing when too large; no body reads as `{}`. */
function jsonBody({ body, isBase64Encoded }: APIGatewayProxyEvent): Fields {
  if (body === null || body === undefined || body === '') return Fields.of({});
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text) > QUOTAS.RequestBodyBytes) throw invalidRequest(`The request body exceeds ${QUOTAS.RequestBodyBytes} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest('The request body is not valid JSON');
  }
  return Fields.of(parsed);
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
