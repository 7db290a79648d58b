import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setInterval as every } from 'node:timers/promises';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { withAgents } from '../lambdas/agent-deps';
import { withAttachments } from '../lambdas/attachment-deps';
import { withCustomers } from '../lambdas/customer-deps';
import { withErasure } from '../lambdas/erasure-deps';
import {
  attachmentSettingsFromEnvironment,
  type Config,
  customerTokensFromEnvironment,
  routingSettingsFromEnvironment,
  widgetConfigFromEnvironment,
} from '../lambdas/config';
import type { CustomerTokenSettings } from '../lambdas/http/customer-tokens';
import { type Clients, type Deps, wire } from '../lambdas/deps';
import type { AttachmentSettings } from '../lambdas/domain/attachment-types';
import type { RoutingSettings } from '../lambdas/domain/queues';
import { invalidRequest } from '../lambdas/domain/errors';
import { KeyRing, type KeyMaterial } from '../lambdas/domain/keys';
import { HANDLERS, type LocalDeps, WEBSOCKET_HANDLERS } from '../lambdas/handlers';
import { errorResult, type ApiHandler } from '../lambdas/http/api';
import { CorsPolicy } from '../lambdas/http/cors';
import {
  type ErrorResponse,
  gatewayErrorResponse,
  internalErrorResponse,
  type Operation,
  SIGNED_APIS,
  toErrorResponse,
} from '../lambdas/http/errors';
import { Logger, type LogLevel } from '../lambdas/logger';
import { ROUTES, type RouteSpec, WEBSOCKET_ROUTES } from '../lambdas/routes';
import { documentClient, s3Objects } from '../lambdas/stores/clients';
import { DEMO_SIGN_IN_PATH, demoSignIn } from './demo-sign-in';
import { type LocalOidc, startLocalOidc } from './oidc';
import { headerBytes, lambdaContext, MAX_HEADER_BYTES, newRequestId, readBody, Router, toProxyEvent, writeResult } from './api-gateway';
import { startDynamoDBLocal } from './dynamodb-local';
import { startS3Local } from './s3-local';
import { type LocalCredentials, verifySigV4 } from './sigv4';
import { serveStatic } from './static-files';
import { Throttle } from './throttle';
import { LocalWebsockets, WEBSOCKET_PATH } from './websocket-server';

export interface LocalServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Where the contacts, transcripts and signing keys are kept across restarts. */
  dataDir: string;
  /**
   * DynamoDB Local keeps the table in memory, gone when the server stops (the bench: DynamoDB Local's
   * on-disk SQLite file stalls now and then on the disk's flushes, which DynamoDB itself does not share).
   */
  tableInMemory?: boolean;
  credentials?: LocalCredentials;
  logLevel?: LogLevel;
  /** The built web pages (`buildWeb`), served at `/` (customer) and `/agent` (local agent page); none: API only. */
  webDir?: string;
  /** The service's clock (tests move it forward to expire WebSocket URLs without waiting). */
  now?: () => number;
  /** Which files chats may carry; from ATTACHMENT_EXTENSIONS and ATTACHMENT_MAX_SIZE_BYTES when not given. */
  attachments?: AttachmentSettings;
  /** What decides whether a file may be downloaded (a malware scanner); the content sniffing of SniffingCheck when not given. */
  attachmentCheck?: Parameters<typeof withAttachments>[2];
  /** Routing settings over those of the environment (DEFAULT_QUEUE_ID, WIDGET_QUEUE_ID, AGENT_CHAT_LIMIT, ...). */
  routing?: Partial<RoutingSettings>;
  /** How often the sweep runs (ending chats past their duration, finishing archives); default 5 s. */
  sweepIntervalMs?: number;
  /**
   * false: no WebSocket API, as the stack deployed with `-c websocket=false` (LocalStack's free plan):
   * CreateParticipantConnection returns no WEBSOCKET URL, upgrades are refused, and clients poll.
   */
  websocket?: boolean;
  /** How customer tokens are verified; from CUSTOMER_TOKEN_SECRET, _JWKS_URL, _ISSUER and _AUDIENCE when not given. */
  customerTokens?: CustomerTokenSettings;
}

export interface LocalServer {
  url: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  s3Credentials: { accessKeyId: string; secretAccessKey: string };
  /** The server's own store clients (benchmarks count their calls). */
  clients: Clients;
  config: Config;
  stop(): Promise<void>;
}

export const LOCAL_CREDENTIALS: LocalCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const MAX_REQUEST_BYTES = 1024 * 1024;
/** Locally the sweep is cheap (a query per shard on DynamoDB Local): run it often, so a moved clock shows soon. */
const DEFAULT_SWEEP_INTERVAL_MS = 5_000;

/** The signing keys are made once per data directory and kept there, readable by this user only. */
function loadOrCreateKeys(file: string): KeyMaterial {
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(KeyRing.generate()), { mode: 0o600, flag: 'wx' });
  const material = JSON.parse(readFileSync(file, 'utf8')) as KeyMaterial;
  new KeyRing(material); // fail at start on a damaged key file, not on the first request
  return material;
}

/**
 * `npm start`: the same handlers as on Lambda, behind a small HTTP adapter, on DynamoDB Local and
 * s3rver that it starts and stops itself, with everything kept under `dataDir`.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const credentials = options.credentials ?? LOCAL_CREDENTIALS;
  const log = new Logger(options.logLevel ?? 'info', { service: 'persistent-chat-local' });
  const keyFile = join(dataDir, 'signing-keys.json');
  const keyMaterial = loadOrCreateKeys(keyFile);
  const widget = widgetConfigFromEnvironment(process.env);
  const config: Config = {
    region: 'us-east-1',
    accountId: '000000000000',
    tableName: 'persistent-chat',
    transcriptBucket: 'persistent-chat-transcripts',
    transcriptPrefix: 'connect',
    forcePathStyle: true,
    keySource: { file: keyFile },
    widget,
    attachments: options.attachments ?? attachmentSettingsFromEnvironment(process.env),
    routing: { ...routingSettingsFromEnvironment(process.env, widget), ...options.routing },
    customerTokens: options.customerTokens ?? customerTokensFromEnvironment(process.env),
    websocketUrl: '', // known once the server listens: its port is in the URL
  };

  const dynamodb = await startDynamoDBLocal({ dataDir: options.tableInMemory ? undefined : join(dataDir, 'dynamodb'), tableName: config.tableName });
  const stops: (() => Promise<void>)[] = [dynamodb.stop];
  try {
    const s3 = await startS3Local({ directory: join(dataDir, 's3'), bucket: config.transcriptBucket });
    stops.push(s3.stop);
    const clients = {
      db: documentClient({ region: config.region, dynamodbEndpoint: dynamodb.endpoint, credentials: LOCAL_CREDENTIALS }),
      s3: s3Objects({
        region: config.region,
        bucket: config.transcriptBucket,
        s3Endpoint: s3.endpoint,
        credentials: s3.credentials,
        forcePathStyle: true,
      }),
    };
    stops.push(async () => {
      clients.db.destroy();
      clients.s3.destroy();
    });
    // Requests wait for the handlers, which need the port (it is in the WebSocket URL) before they exist.
    let ready!: (context: RequestContext) => void;
    const contextReady = new Promise<RequestContext>((resolveContext) => (ready = resolveContext));
    // Node's own 16 KB header cap answers with a bare 431; a larger one lets the adapter answer API Gateway's way.
    const server = createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
      contextReady
        .then((context) => handle(req, res, context))
        .catch((error: unknown) => {
          log.error('local adapter failed', { error: String(error) });
          if (!res.headersSent) writeResult(res, errorResult(internalErrorResponse('connect'), newRequestId()));
        });
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => resolveListen());
    });
    stops.unshift(
      () =>
        new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeAllConnections();
        }),
    );
    const websockets = new LocalWebsockets(log);
    // Sockets close before the HTTP server and the store: their $disconnect handlers still reach DynamoDB.
    stops.unshift(() => websockets.stop());
    const { port } = server.address() as AddressInfo;
    const withWebsocket = options.websocket ?? true;
    if (withWebsocket) config.websocketUrl = `ws://127.0.0.1:${port}${WEBSOCKET_PATH}`;
    const wiring = wire(config, clients, keyMaterial, log, { transport: websockets, now: options.now });
    const tokenSettings = customerTokenSettings(config.customerTokens);
    const deps: LocalDeps = {
      ...withAttachments(wiring, s3, options.attachmentCheck),
      customers: withCustomers(wiring, tokenSettings).customers,
      erasure: withErasure(wiring, { ...s3, versioned: false }).erasure,
      agents: withAgents(wiring).agents,
    };
    // Nothing of this process is archiving yet: every archive an earlier stop left unfinished is done now, before any request.
    const recovered = await deps.sweep.run({ everyUnfinishedArchive: true });
    if (recovered.archives) log.info('finished transcript archives left unfinished by an earlier stop', { contacts: recovered.archives });
    // No lifecycle rules in s3rver: uploads never completed are removed here, after a day, as the stack's rule does.
    const swept = await deps.attachments.sweep();
    if (swept) log.info('removed attachment uploads never completed', { uploads: swept });
    // Before the store's stop: a sweep under way finishes first.
    stops.unshift(sweepEvery(options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS, deps, log));
    const depsReady = Promise.resolve(deps);
    // Without a WebSocket API no connection is ever recorded, so nothing is pushed through this transport.
    if (withWebsocket)
      websockets.attach(
        server,
        WEBSOCKET_ROUTES.map((spec) => ({ spec, handler: WEBSOCKET_HANDLERS[spec.handler](() => depsReady, log) })),
      );
    const origin = `http://127.0.0.1:${port}`;
    const oidc = await startLocalOidc({
      origin,
      keyFile: join(dataDir, 'oidc-key.json'),
      redirectUris: [`${origin}/agent`, `http://localhost:${port}/agent`],
    });
    ready({
      oidc,
      router: buildRouter(deps, log),
      credentials,
      log,
      throttle: new Throttle(),
      cors: new CorsPolicy(),
      webDir: options.webDir,
      fileOrigin: s3.endpoint,
      // A stand-in for the host site's sign-in, only with the pages and a shared secret to sign with.
      demoSecret: options.webDir ? tokenSettings.secret : undefined,
    });
    return {
      url: `http://127.0.0.1:${port}`,
      dynamodbEndpoint: dynamodb.endpoint,
      s3Endpoint: s3.endpoint,
      s3Credentials: s3.credentials,
      clients,
      config,
      stop: () => stopAll(stops),
    };
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
}

/**
 * The sweep on a timer, one run at a time (the stack runs it from an EventBridge rule). Node's own
 * interval iterator: a run that outlasts the interval delays the next rather than overlapping it.
 * Returns the stop, which waits for a run under way.
 */
function sweepEvery(intervalMs: number, deps: Deps, log: Logger): () => Promise<void> {
  const stop = new AbortController();
  const loop = (async () => {
    try {
      for await (const _ of every(intervalMs, undefined, { signal: stop.signal })) {
        try {
          const report = await deps.sweep.run();
          if (report.chats || report.archives || report.failed) log.info('sweep', { ...report });
        } catch (error) {
          log.error('sweep failed; it runs again at the next tick', { error: String(error) });
        }
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
  })();
  return async () => {
    stop.abort();
    await loop;
  };
}

async function stopAll(stops: (() => Promise<void>)[]): Promise<void> {
  for (const stop of stops.splice(0)) await stop();
}

/** What a route leads to: its handler, and the operation whose errors the adapter answers for it. */
interface Target {
  handler: ApiHandler;
  operation: Operation;
}

/** Locally the customer-token secret is the environment's (the stack keeps it in Secrets Manager instead). */
function customerTokenSettings(source: Config['customerTokens']): CustomerTokenSettings {
  if ('secretArn' in source) throw new Error('the local server takes CUSTOMER_TOKEN_SECRET, not a Secrets Manager ARN');
  return source;
}

function buildRouter(deps: LocalDeps, log: Logger): Router<Target> {
  const router = new Router<Target>();
  const ready = Promise.resolve(deps);
  for (const spec of ROUTES) {
    const route = HANDLERS[spec.handler];
    router.add(spec, { handler: route(() => ready, log), operation: route.operation });
  }
  return router;
}

interface RequestContext {
  /** The local sign-in for agents, whose access tokens the agent routes take. */
  oidc: LocalOidc;
  router: Router<Target>;
  credentials: LocalCredentials;
  log: Logger;
  throttle: Throttle;
  cors: CorsPolicy;
  webDir?: string;
  /** Where the pages PUT and GET attachments (the embedded S3): their CSP allows it. */
  fileOrigin: string;
  /** CUSTOMER_TOKEN_SECRET, when the demo sign-in page (demo-sign-in.ts) is served; never without one. */
  demoSecret?: string;
}

/** Whether a route's throttle (per client IP here) lets the request through. */
const withinThrottle = (req: IncomingMessage, spec: RouteSpec<string>, throttle: Throttle) =>
  !spec.throttle || throttle.allow(`${spec.method} ${spec.path} ${req.socket.remoteAddress}`, spec.throttle);

/** The names this machine answers to: a DNS-rebinding page reaches 127.0.0.1 under its own host name. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why a request is refused before any route sees it, or undefined. */
function refusedOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host ?? '';
  if (!LOOPBACK_HOSTS.has(host.replace(/:\d+$/, ''))) return 'This local server answers only requests addressed to 127.0.0.1 or localhost';
  return undefined;
}

function writeError(
  res: ServerResponse,
  statusCode: number,
  name: string,
  message: string,
  requestId: string,
  extraHeaders: Record<string, string> = {},
) {
  const headers = { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': name };
  writeResult(res, { statusCode, headers, body: JSON.stringify({ __type: name, Message: message, message }) }, extraHeaders);
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  { oidc, router, credentials, log, throttle, cors, webDir, fileOrigin, demoSecret }: RequestContext,
) {
  const requestId = newRequestId();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  const rawPath = (req.url ?? '/').split('?')[0]!;
  const refused = refusedOrigin(req);
  if (refused) {
    writeError(res, 403, 'ForbiddenException', refused, requestId);
    return;
  }
  if (await oidc.handle(req, res)) return;
  if (demoSecret && url.pathname === DEMO_SIGN_IN_PATH) return demoSignIn(req, res, demoSecret);
  const match = router.match(method, url.pathname);
  // A page on another origin (a frontend's dev server) asks first, as API Gateway's mock integration answers on AWS.
  if (method === 'OPTIONS' && match === 'method-not-allowed') {
    writeResult(res, { statusCode: 204, headers: cors.preflightHeaders(req.headers.origin), body: '' });
    return;
  }
  // The adapter's own refusals carry the CORS headers too, as the gateway's responses do, so that page can read them.
  const corsHeaders = cors.responseHeaders(req.headers.origin);
  const refuse = (failure: ErrorResponse, extraHeaders: Record<string, string> = {}) =>
    writeResult(res, errorResult(failure, requestId), { ...corsHeaders, ...extraHeaders });
  if (match === undefined && webDir && (await serveStatic(req, res, webDir, url.pathname, fileOrigin))) return;
  if (match === undefined || match === 'method-not-allowed') {
    const [status, name] = match === undefined ? [404, 'UnknownOperationException'] : [405, 'MethodNotAllowedException'];
    writeError(res, status, name, `No route for ${method} ${url.pathname}`, requestId, corsHeaders);
    return;
  }
  if (!withinThrottle(req, match.spec, throttle)) {
    refuse(gatewayErrorResponse('Throttled', 'Too many requests: slow down and try again'), { 'Retry-After': '1' });
    return;
  }
  if (headerBytes(req) > MAX_HEADER_BYTES) {
    refuse(toErrorResponse(match.target.operation, invalidRequest(`The request line and headers exceed ${MAX_HEADER_BYTES} bytes`)));
    return;
  }
  const body = await readBody(req, MAX_REQUEST_BYTES);
  if (body === 'too-large' || body === 'not-utf8') {
    refuse(
      toErrorResponse(
        match.target.operation,
        invalidRequest(body === 'too-large' ? 'The request is too large' : 'The request body is not valid UTF-8'),
      ),
    );
    return;
  }
  if (SIGNED_APIS.includes(match.spec.api)) {
    const refusal = await verifySigV4(
      { method, path: rawPath, query: Object.fromEntries(url.searchParams), headers: lowerCase(req.headers), body },
      credentials,
    );
    if (refusal) {
      log.info('signature refused', { requestId, route: match.spec.path, reason: refusal });
      refuse(gatewayErrorResponse('AccessDenied', refusal));
      return;
    }
  }
  const event = toProxyEvent(req, url, body, match, requestId);
  if (match.spec.api === 'agent') {
    // What API Gateway's Cognito authorizer does on AWS: a valid access token, its claims to the handler.
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const verified = token ? await oidc.verify(token) : { refused: 'no access token' };
    if ('refused' in verified) {
      log.info('agent token refused', { requestId, route: match.spec.path, reason: verified.refused });
      refuse({ ...gatewayErrorResponse('Unauthorized', 'Unauthorized'), statusCode: 401 });
      return;
    }
    event.requestContext.authorizer = { claims: verified };
  }
  const result = await match.target.handler(event, lambdaContext(match.spec.handler, requestId));
  writeResult(res, result);
}

function lowerCase(headers: IncomingMessage['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) result[name] = Array.isArray(value) ? value.join(',') : value;
  return result;
}
