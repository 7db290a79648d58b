import { readFile } from 'node:fs/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Config, configFromEnvironment } from './config';
import { Contacts } from './domain/contacts';
import { KeyRing, type KeyMaterial } from './domain/keys';
import { Participants } from './domain/participants';
import { RoutingRules } from './domain/queues';
import { type ChatPush, ConnectionFanout, type ConnectionTransport } from './domain/push';
import { TranscriptPages } from './domain/transcript-pages';
import { Sweep } from './domain/sweep';
import { Transcripts } from './domain/transcripts';
import { Websockets } from './domain/websockets';
import { Widget } from './domain/widget';
import { Logger, logLevelFrom } from './logger';
import { documentClient, s3Objects } from './stores/clients';
import { ApiGatewayTransport, managementEndpoint } from './stores/api-gateway-connections';
import { DynamoConnectionStore } from './stores/dynamodb/connection-store';
import { DynamoContactStore } from './stores/dynamodb/contact-store';
import { parseKeyMaterial } from './domain/key-material';
import { secretVersions } from './stores/secrets-manager';
import type { S3Objects } from './stores/s3/objects';
import { S3TranscriptFiles } from './stores/s3/transcript-files';

/** Everything a handler needs, built once per container (or once per local server). */
export interface Deps {
  config: Config;
  keys: KeyRing;
  contacts: Contacts;
  participants: Participants;
  transcripts: Transcripts;
  transcriptPages: TranscriptPages;
  widget: Widget;
  websockets: Websockets;
  sweep: Sweep;
}

export interface Clients {
  db: DynamoDBDocumentClient;
  /** The transcript bucket. */
  s3: S3Objects;
}

/** How pushed frames reach the sockets, and the clock (tests move it to expire WebSocket URLs without sleeping). */
export interface DepsOptions {
  transport: ConnectionTransport;
  now?: () => number;
}

/**
 * What `buildDeps` wires, for a composition root that adds to it (attachment-deps.ts builds the
 * attachment functions' domain on the same store, push and clock).
 */
export interface Wiring {
  config: Config;
  clients: Clients;
  deps: Deps;
  store: DynamoContactStore;
  push: ChatPush;
  log: Logger;
  now: () => number;
}

export function buildDeps(config: Config, clients: Clients, keyMaterial: KeyMaterial, log: Logger, options: DepsOptions): Deps {
  return wire(config, clients, keyMaterial, log, options).deps;
}

export function wire(config: Config, clients: Clients, keyMaterial: KeyMaterial, log: Logger, { transport, now = Date.now }: DepsOptions): Wiring {
  const keys = new KeyRing(keyMaterial);
  const store = new DynamoContactStore(clients.db, config.tableName);
  const connections = new DynamoConnectionStore(clients.db, config.tableName);
  const push = new ConnectionFanout({ connections, transport, now, warn: log.warn });
  const transcripts = new Transcripts({
    store,
    files: new S3TranscriptFiles(clients.s3),
    accountId: config.accountId,
    prefix: config.transcriptPrefix,
    warn: log.warn,
    now,
  });
  const contacts = new Contacts({ store, keys, transcripts, push, now, routing: new RoutingRules({ store, settings: config.routing }) });
  const participants = new Participants({ store, keys, contacts, push, now });
  const sweep = new Sweep({
    store,
    expire: (session) => participants.expire(session),
    runTimers: (session) => participants.runTimers(session),
    archive: (contact) => transcripts.archive(contact),
    freeTable: (contact) => transcripts.freeTable(contact),
    now,
    warn: log.warn,
  });
  const deps: Deps = {
    config,
    keys,
    contacts,
    transcripts,
    participants,
    transcriptPages: new TranscriptPages({ store, transcripts, keys, now }),
    widget: new Widget({ store, contacts, participants, keys, now, ...config.widget }),
    websockets: new Websockets({ participants, connections, store, push, keys, now, baseUrl: config.websocketUrl }),
    sweep,
  };
  return { config, clients, deps, store, push, log, now };
}

/** Called once per container (deps are memoized), so the secret is read once and its client built once. */
async function loadKeyMaterial(config: Config): Promise<KeyMaterial> {
  if ('file' in config.keySource) return JSON.parse(await readFile(config.keySource.file, 'utf8')) as KeyMaterial;
  const secret = secretVersions(new SecretsManagerClient({ region: config.region }), config.keySource.secretArn);
  return parseKeyMaterial(await secret.read({ stage: 'AWSCURRENT' }));
}

/** On Lambda: configuration from the environment, checked once, clients reused across invocations. */
export async function wiringFromEnvironment(): Promise<Wiring> {
  const config = configFromEnvironment(process.env);
  const clients = { db: documentClient(config), s3: s3Objects({ ...config, bucket: config.transcriptBucket, s3Endpoint: config.s3Endpoint }) };
  const transport = new ApiGatewayTransport(
    new ApiGatewayManagementApiClient({ region: config.region, endpoint: managementEndpoint(config.websocketUrl) }),
  );
  return wire(config, clients, await loadKeyMaterial(config), new Logger(logLevelFrom(process.env.LOG_LEVEL)), { transport });
}

/**
 * Built once per container; a failure (Secrets Manager unreachable for a moment) does not stick to
 * the container: the next invocation tries again.
 */
export function oncePerContainer<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build();
    built.catch(() => (built = undefined));
    return built;
  };
}

export const depsFromEnvironment = oncePerContainer(async () => (await wiringFromEnvironment()).deps);
