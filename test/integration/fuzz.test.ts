import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { StartChatContactCommand } from '@aws-sdk/client-connect';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { SIGNED_APIS } from '../../lambdas/http/errors';
import { ROUTES, type RouteSpec } from '../../lambdas/routes';
import { signIn } from '../support/agents';
import { PDF, putToUrl, sendFile, startUpload } from '../support/attachments';
import { INSTANCE, joinAgent, startChat } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';

/**
 * Malformed requests, generated, for every route: each must get a 4xx in the API's error shape,
 * never a 5xx or a stack trace, and must leave every stored byte as it was.
 */
const PER_ROUTE = 1000;
const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
let t: TestServer;
let db: DynamoDBClient;

type Json = Record<string, unknown>;

/** A valid request of each route, to corrupt: real ids and tokens, so only the defect stops it. */
interface Template {
  body: Json;
  /** Members that must be present (paths into body), each removable, retypable or oversizable. */
  required: string[][];
  bearer?: string;
  path?: Record<string, string>;
  /** Map members (paths into body), each given a key JavaScript or UTF-8 cannot carry, with a `value` valid there. */
  maps?: { path: string[]; value: unknown }[];
}

let templates: Record<string, Template>;

beforeAll(async () => {
  t = await startTestServer();
  db = new DynamoDBClient({
    endpoint: t.server.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const chat = await startChat(t);
  const agent = await joinAgent(t, chat.contactId, 'agent');
  const { ParticipantToken } = await t.connect.send(
    new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'f', ParticipantDetails: { DisplayName: 'P' } }),
  );
  const ids = { InstanceId: INSTANCE, ContactId: chat.contactId };
  const widgetChat = await fetch(`${t.server.url}/widget/chat`, { method: 'POST', body: JSON.stringify({ DisplayName: 'W' }) });
  const { ResumeToken } = (await widgetChat.json()) as { ResumeToken: string };
  const uploaded = await startUpload(t, chat, 'a.pdf', 'application/pdf', PDF.length);
  await putToUrl(uploaded, PDF);
  const attached = await sendFile(t, chat, 'b.pdf', 'application/pdf', PDF);
  // An agent of the chat's queue, its contact still waiting: a request that got through would accept, transfer or end it.
  const agentToken = await signIn(t.server.url, 'fuzz-agent', ['support']);
  const waiting = { body: { ContactId: chat.contactId }, required: [['ContactId']], bearer: agentToken };
  templates = {
    'start-chat-contact': {
      body: {
        InstanceId: INSTANCE,
        ContactFlowId: 'f',
        ParticipantDetails: { DisplayName: 'x' },
        Attributes: { a: 'b' },
        SegmentAttributes: { s: { ValueMap: { m: { ValueString: 'v' } } } },
      },
      required: [['InstanceId'], ['ContactFlowId'], ['ParticipantDetails'], ['ParticipantDetails', 'DisplayName']],
      maps: [
        { path: ['Attributes'], value: 'v' },
        { path: ['SegmentAttributes'], value: { ValueString: 'v' } },
        { path: ['SegmentAttributes', 's', 'ValueMap'], value: { ValueInteger: 1 } },
      ],
    },
    'stop-contact': { body: ids, required: [['InstanceId'], ['ContactId']] },
    'transfer-contact': { body: { ...ids, ContactFlowId: 'f', QueueId: 'q' }, required: [['InstanceId'], ['ContactId'], ['ContactFlowId']] },
    'describe-contact': { body: {}, required: [], path: ids },
    'create-participant': {
      body: { ...ids, ParticipantDetails: { ParticipantRole: 'AGENT' } },
      required: [['InstanceId'], ['ContactId'], ['ParticipantDetails']],
    },
    'get-contact-attributes': { body: {}, required: [], path: { InstanceId: INSTANCE, InitialContactId: chat.contactId } },
    'update-contact-attributes': {
      body: { InstanceId: INSTANCE, InitialContactId: chat.contactId, Attributes: { a: 'b' } },
      required: [['InstanceId'], ['InitialContactId'], ['Attributes']],
      maps: [{ path: ['Attributes'], value: 'v' }],
    },
    'update-participant-role-config': {
      body: {
        ChannelConfiguration: {
          Chat: {
            ParticipantTimerConfigList: [{ ParticipantRole: 'CUSTOMER', TimerType: 'IDLE', TimerValue: { ParticipantTimerDurationInMinutes: 5 } }],
          },
        },
      },
      required: [['ChannelConfiguration'], ['ChannelConfiguration', 'Chat'], ['ChannelConfiguration', 'Chat', 'ParticipantTimerConfigList']],
      path: ids,
    },
    'create-participant-connection': { body: { Type: ['CONNECTION_CREDENTIALS'] }, required: [], bearer: ParticipantToken },
    'send-message': { body: { ContentType: 'text/plain', Content: 'hi' }, required: [['ContentType'], ['Content']], bearer: chat.connectionToken },
    'send-event': {
      body: { ContentType: 'application/vnd.amazonaws.connect.event.message.read', Content: '{"messageId":"m"}' },
      required: [['ContentType']],
      bearer: agent.connectionToken,
    },
    'get-transcript': { body: { MaxResults: 5 }, required: [], bearer: chat.connectionToken },
    'disconnect-participant': { body: {}, required: [], bearer: agent.connectionToken },
    'start-attachment-upload': {
      body: { ContentType: 'application/pdf', AttachmentSizeInBytes: 10, AttachmentName: 'c.pdf', ClientToken: 'c' },
      required: [['ContentType'], ['AttachmentSizeInBytes'], ['AttachmentName'], ['ClientToken']],
      bearer: chat.connectionToken,
    },
    'complete-attachment-upload': {
      body: { AttachmentIds: [uploaded.AttachmentId], ClientToken: 'c' },
      required: [['AttachmentIds'], ['ClientToken']],
      bearer: chat.connectionToken,
    },
    'get-attachment': { body: { AttachmentId: attached }, required: [['AttachmentId']], bearer: chat.connectionToken },
    'widget-chat': { body: { DisplayName: 'x' }, required: [['DisplayName']] },
    'widget-forget': { body: { ResumeToken }, required: [['ResumeToken']] },
    'widget-history': { body: { ResumeToken }, required: [] },
    // A contact that does not exist: the well-formed request is a 404 too, and erases nothing.
    'erase-line': { body: { InstanceId: INSTANCE, ContactId: 'no-such-contact' }, required: [['InstanceId']] },
    'agent-waiting': { body: {}, required: [], bearer: agentToken },
    'agent-chats': { body: {}, required: [], bearer: agentToken },
    // Its body is not read either; a URL it signed would change nothing stored until used.
    'agent-connection': { body: {}, required: [], bearer: agentToken },
    'agent-accept': waiting,
    'agent-rejoin': waiting,
    'agent-end': waiting,
    'agent-transfer': { ...waiting, body: { ContactId: chat.contactId, QueueId: 'billing' } },
    // Its body is not read: only what every route refuses before its logic reaches it.
    'agent-sign-out': { body: {}, required: [], bearer: agentToken },
  };
});

afterAll(async () => {
  db.destroy();
  await t.stop();
});

/** Everything stored: every table item and every file of the bucket. */
async function dump(): Promise<string> {
  const items: unknown[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: t.server.config.tableName, ExclusiveStartKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : [`${join(dir, e.name)}:${statSync(join(dir, e.name)).size}`],
    );
  return JSON.stringify({ items: items.map((item) => JSON.stringify(item)).sort(), files: files(join(t.dataDir, 's3')).sort() });
}

interface Malformed {
  body: Buffer;
  headers: Record<string, string>;
  path: Record<string, string> | undefined;
  auth: 'valid' | 'none' | 'forged' | 'truncated';
}

const setPath = (body: Json, path: string[], value: unknown): Json => {
  const copy = structuredClone(body);
  let node: Json = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  if (value === undefined) delete node[path[path.length - 1]!];
  else node[path[path.length - 1]!] = value;
  return copy;
};

/** A string that is not well-formed UTF-16: a surrogate without its other half, somewhere in it. */
const loneSurrogate = fc
  .tuple(fc.string({ maxLength: 20 }), fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'), fc.string({ maxLength: 20 }))
  .map(([before, lone, after]) => before + lone + after);

/** A value that breaks a member holding `valid`: another type, for strings empty, far too long or not well-formed, for sizes none or not whole. */
function wrongValue(valid: unknown): fc.Arbitrary<unknown> {
  const otherTypes = [fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 })];
  if (typeof valid === 'string')
    return fc.oneof(...otherTypes, fc.constant({}), fc.constant(''), fc.string({ minLength: 33_000, maxLength: 40_000 }), loneSurrogate);
  // A positive whole number would be a valid size, not a defect.
  if (typeof valid === 'number')
    return fc.oneof(
      fc.integer({ max: 0 }),
      fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }),
      ...otherTypes.slice(1),
      fc.string(),
    );
  return fc.oneof(...otherTypes, fc.string());
}

const valueAt = (body: Json, path: string[]): unknown => path.reduce<unknown>((node, key) => (node as Json)[key], body);

/** The paths of every string in `body`: each a member a lone surrogate can spoil. */
const stringPaths = (node: unknown, path: string[] = []): string[][] =>
  typeof node === 'string'
    ? [path]
    : typeof node === 'object' && node !== null
      ? Object.entries(node).flatMap(([key, value]) => stringPaths(value, [...path, key]))
      : [];

/** `body` with one more entry in the map at `path`, as JSON.parse would hold it (a `__proto__` key is an own key). */
function withEntry(body: Json, path: string[], key: string, value: unknown): Json {
  const copy = structuredClone(body);
  Object.defineProperty(valueAt(copy, path), key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function malformed(spec: RouteSpec, template: Template): fc.Arbitrary<Malformed> {
  const json = (body: unknown) => Buffer.from(JSON.stringify(body));
  const withDefaults = (m: Partial<Malformed> & Pick<Malformed, 'body'>): Malformed => ({ headers: {}, path: template.path, auth: 'valid', ...m });
  // A GET has no body to get wrong: only its path, credentials and headers.
  const bodyDefects: fc.Arbitrary<Malformed>[] =
    spec.method === 'GET'
      ? []
      : [
          // Not JSON, truncated JSON, bad UTF-8, JSON that is not an object.
          fc
            .string({ minLength: 1, maxLength: 200 })
            .filter((s) => {
              try {
                JSON.parse(s);
                return false;
              } catch {
                return true;
              }
            })
            .map((s) => withDefaults({ body: Buffer.from(s) })),
          fc
            .integer({ min: 1, max: 40 })
            .map((n) => withDefaults({ body: json(template.body).subarray(0, Math.min(n, json(template.body).length - 1)) })),
          fc
            .uint8Array({ minLength: 1, maxLength: 8 })
            .map((bytes) => withDefaults({ body: Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xff, 0xfe, ...bytes]), Buffer.from('"}')]) })),
          fc
            .oneof(fc.integer(), fc.array(fc.integer()), fc.constant(null), fc.string())
            .map((v) => withDefaults({ body: json(v), headers: { 'content-type': 'text/xml' } })),
        ];
  const defects: fc.Arbitrary<Malformed>[] = [
    ...bodyDefects,
    // Credentials missing, forged or truncated (a public route has none to get wrong).
    ...(spec.api === 'widget'
      ? []
      : [fc.constantFrom<Malformed['auth']>('none', 'forged', 'truncated').map((auth) => withDefaults({ body: json(template.body), auth }))]),
    // Giant headers.
    fc.integer({ min: 12_000, max: 30_000 }).map((n) => withDefaults({ body: json(template.body), headers: { 'x-padding': 'p'.repeat(n) } })),
  ];
  if (template.required.length) {
    // A required member removed, of the wrong type, empty, or far too long.
    defects.push(
      fc
        .constantFrom(...template.required)
        .chain((path) => fc.tuple(fc.constant(path), fc.option(wrongValue(valueAt(template.body, path)), { nil: undefined })))
        .map(([path, value]) => withDefaults({ body: json(setPath(template.body, path, value)) })),
    );
  }
  const strings = spec.method === 'GET' ? [] : stringPaths(template.body);
  if (strings.length) {
    // Any string member, not well-formed.
    defects.push(
      fc.tuple(fc.constantFrom(...strings), loneSurrogate).map(([path, text]) => withDefaults({ body: json(setPath(template.body, path, text)) })),
    );
  }
  if (template.maps) {
    // A map key that JavaScript objects cannot hold as data, or that is not well-formed.
    defects.push(
      fc
        .tuple(fc.constantFrom(...template.maps), fc.oneof(fc.constantFrom('__proto__', 'constructor'), loneSurrogate))
        .map(([{ path, value }, key]) => withDefaults({ body: json(withEntry(template.body, path, key, value)) })),
    );
  }
  if (template.path) {
    defects.push(
      fc.string({ minLength: 101, maxLength: 300 }).map((id) => withDefaults({ body: Buffer.alloc(0), path: { ...template.path!, InstanceId: id } })),
    );
    defects.push(
      fc
        .uuid()
        .map((id) =>
          withDefaults({ body: Buffer.alloc(0), path: Object.fromEntries(Object.keys(template.path!).map((k, i) => [k, i ? id : INSTANCE])) }),
        ),
    );
  }
  return fc.oneof(...defects);
}

async function send(spec: RouteSpec, template: Template, request: Malformed) {
  const url = new URL(t.server.url);
  const path = spec.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(request.path![name]!));
  const headers: Record<string, string> = { host: url.host, 'content-type': 'application/json', ...request.headers };
  const body = spec.method === 'GET' ? undefined : request.body;
  if (spec.api === 'participant' && request.auth !== 'none') {
    const token = template.bearer!;
    headers['x-amz-bearer'] = request.auth === 'forged' ? `${token.slice(0, -4)}AAAA` : request.auth === 'truncated' ? token.slice(0, 10) : token;
  }
  if (spec.api === 'agent' && request.auth !== 'none') {
    const token = template.bearer!;
    headers.authorization = `Bearer ${request.auth === 'forged' ? `${token.slice(0, -4)}AAAA` : request.auth === 'truncated' ? token.slice(0, 10) : token}`;
  }
  if (SIGNED_APIS.includes(spec.api) && request.auth !== 'none') {
    const secretAccessKey = request.auth === 'valid' ? 'local' : 'forged';
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'local', secretAccessKey },
      region: 'us-east-1',
      service: 'connect',
      sha256: Sha256,
    });
    const signed = await signer.sign(new HttpRequest({ method: spec.method, hostname: url.hostname, port: Number(url.port), path, headers, body }));
    Object.assign(headers, signed.headers);
    if (request.auth === 'truncated') headers.authorization = headers.authorization!.slice(0, 40);
  }
  delete headers.host;
  const response = await fetch(`${t.server.url}${path}`, { method: spec.method, headers, body: body && new Uint8Array(body) });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), text: await response.text() };
}

async function inParallel<T>(items: T[], width: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

it.each(ROUTES.map((spec) => [`${spec.method} ${spec.path}`, spec] as const))(
  `answers ${PER_ROUTE} malformed requests to %s with 4xx errors in shape, changing nothing`,
  async (_, spec) => {
    const template = templates[spec.handler];
    if (!template) throw new Error(`no fuzz template for route ${spec.handler}: add one`);
    const before = await dump();
    const requests = fc.sample(malformed(spec, template), { numRuns: PER_ROUTE, seed });
    const failures: string[] = [];
    await inParallel(requests, 8, async (request) => {
      const { status, errorType, text } = await send(spec, template, request);
      let body: { __type?: unknown; Message?: unknown } = {};
      try {
        body = JSON.parse(text);
      } catch {
        // reported below
      }
      const ok =
        status >= 400 &&
        status < 500 &&
        !!errorType &&
        body.__type === errorType &&
        typeof body.Message === 'string' &&
        !/\n\s+at |node_modules|\.ts:\d/.test(text);
      if (!ok && failures.length < 3)
        failures.push(
          `${status} ${errorType} ${text.slice(0, 200)} <- ${request.body.toString('utf8').slice(0, 120)} auth=${request.auth} headers=${Object.keys(request.headers)}`,
        );
    });
    expect({ seed, failures }).toEqual({ seed, failures: [] });
    expect(await dump()).toBe(before);
  },
  120_000,
);
