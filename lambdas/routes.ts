import type { HandlerName, ScheduledHandlerName, WebsocketHandlerName } from './handlers';
import type { Api } from './http/errors';

/**
 * Every route of the service: the one list that the CDK stack (one function per route) and the
 * local server both read. `handler` names the file under lambdas/handlers/, as a type: the names are
 * imported as types only, so the CDK app, which reads this list, never loads handler code.
 */
export interface RouteSpec<Handler extends string = HandlerName> {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  handler: Handler;
  api: Api;
  /** What the route's function may touch: the stack grants exactly this (least privilege). */
  access: RouteAccess;
  /**
   * Requests per second (steady, burst) for a public route that starts work without credentials. On
   * AWS the stack sets it as the method's gateway throttling (all callers together); the local server
   * applies it per client IP.
   */
  throttle?: { rateLimit: number; burstLimit: number };
}

/**
 * Data access of one route. Every function also reads the signing key, since `deps.ts` builds the
 * key ring for every handler; the bucket is granted only to routes that read or write transcripts.
 * lib/route-function.ts turns each value into its exact IAM actions; no function may Scan the table
 * (the sweep finds its work through an index).
 */
export interface RouteAccess {
  /** `read`: GetItem and Query. `readwrite`: also PutItem, UpdateItem and ConditionCheckItem (conditional writes and transactions). */
  table: 'read' | 'readwrite';
  /**
   * What the route deletes from the table, each its own action: `transcript-items` (BatchWriteItem:
   * a contact's items, a grace after its transcript file is durable, `Transcripts.freeTable`: the
   * sweep alone), `connections`
   * (DeleteItem: a WebSocket connection's records, when it closes or is found gone or expired), `line`
   * (BatchWriteItem: every row of a customer's line, when it is erased).
   */
  deletes?: readonly TableDeletion[];
  bucket?: 'read' | 'readwrite';
  /** Pushes frames to the chat's WebSocket connections (API Gateway's `@connections` API). */
  push?: boolean;
  /**
   * Attachment files: the function signs URLs with its own role, so it gets exactly the object
   * actions its URLs and checks use. `upload`: PUT of pending uploads; `complete`: read and delete an
   * upload, copy it to where attachments are kept and read its first bytes; `download`: GET of kept attachments.
   */
  attachments?: 'upload' | 'complete' | 'download';
  /** Indexes of the table it queries (Query on that index only). */
  indexes?: readonly TableIndex[];
  /** Verifies customer tokens: gets their settings, and reads the HS256 secret (Secrets Manager) when there is one. */
  customerTokens?: boolean;
  /** Erases customers' lines: lists and deletes every object version of the line's transcript files and attachments. */
  erases?: boolean;
}

export type TableIndex = 'sweep' | 'queue';

export type TableDeletion = 'transcript-items' | 'connections' | 'line';

const READ: RouteAccess = { table: 'read' };
const WRITE: RouteAccess = { table: 'readwrite' };
/** Pushing forgets the connections API Gateway reports gone, and closes (and forgets) expired ones. */
const PUSH = { push: true, deletes: ['connections'] } as const;
/**
 * Ending a contact writes its transcript file and tells the chat (the sweep deletes its items from the
 * table later); any participant call may end a chat past its duration.
 */
const TRANSCRIPTS: RouteAccess = { table: 'readwrite', bucket: 'readwrite', ...PUSH };
/** Writes transcript items the chat's connections are told about. */
const WRITE_AND_PUSH: RouteAccess = { table: 'readwrite', ...PUSH };

/** The public routes' own low limit: they take no credentials. */
const WIDGET_THROTTLE = { rateLimit: 10, burstLimit: 20 };

export const ROUTES: readonly RouteSpec[] = [
  { method: 'PUT', path: '/contact/chat', handler: 'start-chat-contact', api: 'connect', access: WRITE },
  { method: 'POST', path: '/contact/stop', handler: 'stop-contact', api: 'connect', access: TRANSCRIPTS },
  { method: 'POST', path: '/contact/transfer', handler: 'transfer-contact', api: 'connect', access: TRANSCRIPTS },
  { method: 'GET', path: '/contacts/{InstanceId}/{ContactId}', handler: 'describe-contact', api: 'connect', access: READ },
  { method: 'POST', path: '/contact/create-participant', handler: 'create-participant', api: 'connect', access: WRITE_AND_PUSH },
  { method: 'GET', path: '/contact/attributes/{InstanceId}/{InitialContactId}', handler: 'get-contact-attributes', api: 'connect', access: READ },
  { method: 'POST', path: '/contact/attributes', handler: 'update-contact-attributes', api: 'connect', access: WRITE },
  {
    method: 'PUT',
    path: '/contact/participant-role-config/{InstanceId}/{ContactId}',
    handler: 'update-participant-role-config',
    api: 'connect',
    access: WRITE,
  },
  { method: 'POST', path: '/participant/connection', handler: 'create-participant-connection', api: 'participant', access: TRANSCRIPTS },
  { method: 'POST', path: '/participant/message', handler: 'send-message', api: 'participant', access: TRANSCRIPTS },
  { method: 'POST', path: '/participant/event', handler: 'send-event', api: 'participant', access: TRANSCRIPTS },
  { method: 'POST', path: '/participant/transcript', handler: 'get-transcript', api: 'participant', access: TRANSCRIPTS },
  { method: 'POST', path: '/participant/disconnect', handler: 'disconnect-participant', api: 'participant', access: TRANSCRIPTS },
  {
    method: 'POST',
    path: '/participant/start-attachment-upload',
    handler: 'start-attachment-upload',
    api: 'participant',
    access: { ...TRANSCRIPTS, attachments: 'upload' },
  },
  {
    method: 'POST',
    path: '/participant/complete-attachment-upload',
    handler: 'complete-attachment-upload',
    api: 'participant',
    access: { ...TRANSCRIPTS, attachments: 'complete' },
  },
  {
    method: 'POST',
    path: '/participant/attachment',
    handler: 'get-attachment',
    api: 'participant',
    access: { ...TRANSCRIPTS, attachments: 'download' },
  },
  // Public: a browser starts or resumes a chat with no AWS credentials. Continuing a chat reads its past transcripts.
  // With a CustomerToken, the line of the customer the host site vouches for: it verifies customer tokens.
  {
    method: 'POST',
    path: '/widget/chat',
    handler: 'widget-chat',
    api: 'widget',
    access: { ...TRANSCRIPTS, customerTokens: true },
    throttle: WIDGET_THROTTLE,
  },
  // Public: a read-only credential for the customer's line (GetTranscript) without starting a chat; reads only.
  {
    method: 'POST',
    path: '/widget/history',
    handler: 'widget-history',
    api: 'widget',
    access: { table: 'read', customerTokens: true },
    throttle: WIDGET_THROTTLE,
  },
  // Public: a browser forgets its chat (a shared device); its credentials stop working, and a chat of the
  // line still going on ends as the customer leaving: its sockets are closed and its transcript archived.
  { method: 'POST', path: '/widget/forget', handler: 'widget-forget', api: 'widget', access: TRANSCRIPTS, throttle: WIDGET_THROTTLE },
  // Operator (SigV4): erases a customer's whole line, every version of its files included. An active chat
  // ends first (as StopContact: told, archived, sockets closed); it deletes any row of the line.
  {
    method: 'POST',
    path: '/persistent-chat/erase-line',
    handler: 'erase-line',
    api: 'operator',
    access: { ...TRANSCRIPTS, deletes: [...TRANSCRIPTS.deletes!, 'line'], erases: true },
  },
  // The agent API (docs/agents.md): authorized by an agent's access token (API Gateway's Cognito
  // authorizer on AWS, the local server's check of its own provider's tokens locally); bounded by the
  // stage's throttle, each call by the agent's queues (a query each) and chat limit.
  { method: 'GET', path: '/agent-api/waiting', handler: 'agent-waiting', api: 'agent', access: { ...WRITE, indexes: ['queue'] } },
  { method: 'POST', path: '/agent-api/accept', handler: 'agent-accept', api: 'agent', access: WRITE_AND_PUSH },
  { method: 'GET', path: '/agent-api/chats', handler: 'agent-chats', api: 'agent', access: READ },
  // Signs a desk's WebSocket URL: no data touched (every function reads the signing key).
  { method: 'POST', path: '/agent-api/connection', handler: 'agent-connection', api: 'agent', access: READ },
  { method: 'POST', path: '/agent-api/rejoin', handler: 'agent-rejoin', api: 'agent', access: WRITE },
  { method: 'POST', path: '/agent-api/transfer', handler: 'agent-transfer', api: 'agent', access: TRANSCRIPTS },
  { method: 'POST', path: '/agent-api/end', handler: 'agent-end', api: 'agent', access: TRANSCRIPTS },
  { method: 'POST', path: '/agent-api/sign-out', handler: 'agent-sign-out', api: 'agent', access: WRITE },
];

/**
 * The WebSocket API's routes (route selection on `$request.body.topic`, as chatjs names its frames).
 * `$connect` admits a connection (and, like any participant call, may end a chat past its duration);
 * the topics and `$default` are answered on the socket by one function, which at a customer's first
 * subscription to a rehydrated chat pushes it the `chat rehydrated` event (once: a marker is written).
 */
export interface WebsocketRouteSpec {
  routeKey: string;
  handler: WebsocketHandlerName;
  access: RouteAccess;
  /**
   * Frames per second (steady, burst) of a route that gets its own limit rather than the stage's
   * (`websocketRateLimit`). On AWS it is the route's throttling, for all connections together: API
   * Gateway has no per-connection limit (the frame function has: `QUOTAS.FramesPerConnectionWindow`).
   * The local server does not apply it.
   */
  throttle?: { rateLimit: number; burstLimit: number };
}

/** Nothing chatjs sends lands on `$default`: a client sending other frames gets little of the stage. */
const UNKNOWN_FRAME_THROTTLE = { rateLimit: 10, burstLimit: 20 };

export const WEBSOCKET_ROUTES: readonly WebsocketRouteSpec[] = [
  { routeKey: '$connect', handler: 'websocket-connect', access: TRANSCRIPTS },
  // Reads the connection's record and deletes it (and its twin under the chat).
  { routeKey: '$disconnect', handler: 'websocket-disconnect', access: { table: 'read', deletes: ['connections'] } },
  ...['aws/subscribe', 'aws/heartbeat', 'aws/ping'].map(
    (routeKey): WebsocketRouteSpec => ({ routeKey, handler: 'websocket-message', access: WRITE_AND_PUSH }),
  ),
  { routeKey: '$default', handler: 'websocket-message', access: WRITE_AND_PUSH, throttle: UNKNOWN_FRAME_THROTTLE },
];

/** Work that runs on a schedule rather than on a request. */
export interface ScheduledSpec {
  handler: ScheduledHandlerName;
  everyMinutes: number;
  access: RouteAccess;
}

/**
 * The sweep: ends chats past their duration (with everything StopContact does: the chat told, the
 * transcript archived, the sockets closed), finishes transcript archives a failure or a crash left
 * undone, and deletes archived contacts' items from the table once no request can be reading them
 * there (REQUEST_GRACE_MS), finding all of it through the table's sweep index. On AWS an EventBridge rule invokes its function
 * every minute; the local server runs it on a timer.
 */
export const SWEEP: ScheduledSpec = {
  handler: 'sweep',
  everyMinutes: 1,
  access: { ...TRANSCRIPTS, deletes: ['transcript-items', ...PUSH.deletes], indexes: ['sweep'] },
};
