import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeContactCommand } from '@aws-sdk/client-connect';
import {
  CreateParticipantConnectionCommand,
  DisconnectParticipantCommand,
  GetTranscriptCommand,
  SendEventCommand,
  SendMessageCommand,
} from '@aws-sdk/client-connectparticipant';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wire } from '../../lambdas/deps';
import type { KeyMaterial } from '../../lambdas/domain/keys';
import { withErasure } from '../../lambdas/erasure-deps';
import { Logger } from '../../lambdas/logger';
import { DynamoErasureStore } from '../../lambdas/stores/dynamodb/erasure-store';
import { agentApi, signIn } from '../support/agents';
import { type Connected, leave, messages, pageBack, say } from '../support/chat';
import { outcome, signedPost, startTestServer, type TestServer } from '../support/local-server';
import { type WidgetChat, widgetCalls } from '../support/widget';

/** Customer tokens (issue #15) through plain fetch and the real SDK against a local server with CUSTOMER_TOKEN_SECRET set. */
const SECRET = 'the-host-sites-shared-secret-for-customer-tokens';
const INSTANCE = 'local';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ customerTokens: { secret: SECRET }, logLevel: process.env.TEST_LOG_LEVEL as never });
});
afterAll(async () => {
  await t.stop();
});

const { widget, chat, connect } = widgetCalls(() => t);
const post = async (path: string, body: unknown) => {
  const response = await fetch(`${t.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: (await response.json()) as Record<string, string> };
};

const customerToken = (sub: string, claims: Record<string, unknown> = {}, secret = SECRET) =>
  new SignJWT({ name: 'Ada', sub, exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));

let customers = 0;
const newCustomer = () => `customer-${Date.now()}-${customers++}`;

async function asCustomer(sub: string, extra: Record<string, unknown> = {}): Promise<WidgetChat> {
  return chat({ CustomerToken: await customerToken(sub), ...extra } as never);
}

const describe_ = (contactId: string) => t.connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: contactId }));

async function history(body: { CustomerToken: string } | { ResumeToken: string }): Promise<Connected> {
  const answer = await post('/widget/history', body);
  expect(answer.status).toBe(200);
  expect(answer.body.Expiry).toEqual(expect.any(String));
  return { contactId: '', participantId: '', connectionToken: answer.body.ConnectionToken! };
}

test('the same sub from two fresh clients reaches one line: the active chat, then a continuation of the ended one', async () => {
  const sub = newCustomer();
  const laptop = await asCustomer(sub);
  const phone = await asCustomer(sub, { DisplayName: 'Ada on her phone' });
  expect(phone.ContactId).toBe(laptop.ContactId);
  expect(phone.ParticipantId).toBe(laptop.ParticipantId);
  expect((await describe_(laptop.ContactId)).Contact?.CustomerId).toBe(sub);

  const ada = await connect(laptop);
  await say(t, ada, 'first visit');
  await leave(t, ada);

  const later = await asCustomer(sub);
  expect(later.ContactId).not.toBe(laptop.ContactId);
  expect(later.ContinuedFromContactId).toBe(laptop.ContactId);
  expect((await describe_(later.ContactId)).Contact?.CustomerId).toBe(sub);
  const again = await connect(later);
  const pages = await pageBack(t, again, 100);
  expect(messages(pages.flat())).toEqual(['first visit']);
});

test('two devices at once on a customer with no line land in the same chat', async () => {
  const sub = newCustomer();
  const token = await customerToken(sub);
  const answers = await Promise.all(Array.from({ length: 4 }, () => widget({ CustomerToken: token })));
  expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
  expect(new Set(answers.map((answer) => answer.body.ContactId)).size).toBe(1);
});

test('a ResumeToken sent alongside a CustomerToken is ignored', async () => {
  const other = await chat({ DisplayName: 'Somebody else' });
  const sub = newCustomer();
  const mine = await asCustomer(sub, { ResumeToken: other.ResumeToken });
  expect(mine.ContactId).not.toBe(other.ContactId);
  expect((await describe_(mine.ContactId)).Contact?.CustomerId).toBe(sub);
});

test.each([
  ['signed with another secret', () => customerToken('x', {}, 'not-the-shared-secret-not-the-shared-secret')],
  ['expired', () => customerToken('x', { exp: Math.floor(Date.now() / 1000) - 3600 })],
  ['unsigned (alg: none)', async () => `${b64({ alg: 'none' })}.${b64({ sub: 'x', exp: Math.floor(Date.now() / 1000) + 60 })}.`],
  [
    'forged (payload changed)',
    async () => {
      const [header, , signature] = (await customerToken('x')).split('.');
      return `${header}.${b64({ sub: 'victim', exp: Math.floor(Date.now() / 1000) + 60 })}.${signature}`;
    },
  ],
])('a customer token %s is refused with 403 on /widget/chat and /widget/history', async (_, make) => {
  const token = await make();
  for (const path of ['/widget/chat', '/widget/history']) {
    const answer = await post(path, { CustomerToken: token, DisplayName: 'Mallory' });
    expect([path, answer.status, answer.errorType]).toEqual([path, 403, 'AccessDeniedException']);
  }
});

test('a string that is not a JWS is 400', async () => {
  const answer = await post('/widget/chat', { CustomerToken: 'not-a-jwt' });
  expect([answer.status, answer.errorType]).toEqual([400, 'ValidationException']);
});

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('history without a chat', () => {
  test('a customer with no chats reads an empty transcript, and nothing is started', async () => {
    const sub = newCustomer();
    const reader = await history({ CustomerToken: await customerToken(sub) });
    const page = await t.participant.send(new GetTranscriptCommand({ ConnectionToken: reader.connectionToken }));
    expect(page.Transcript).toEqual([]);
    const first = await asCustomer(sub);
    expect(first.ContinuedFromContactId).toBeUndefined();
  });

  test('the read-only credential pages BACKWARD through every chat of the line, and is refused for every write', async () => {
    const sub = newCustomer();
    const said: string[] = [];
    let last: WidgetChat | undefined;
    for (let visit = 0; visit < 3; visit++) {
      last = await asCustomer(sub);
      const ada = await connect(last);
      for (let n = 0; n < 4; n++) {
        const text = `visit ${visit} message ${n}`;
        await say(t, ada, text);
        said.push(text);
      }
      await leave(t, ada);
    }
    for (const body of [{ CustomerToken: await customerToken(sub) }, { ResumeToken: last!.ResumeToken }]) {
      const reader = await history(body);
      const pages = await pageBack(t, reader, 5);
      expect(pages.length).toBeGreaterThan(2);
      const items = pages.flat();
      expect(messages(items).reverse()).toEqual(said);
      for (const item of items) expect([item.ContactId, item.RelatedContactId]).toEqual([undefined, expect.any(String)]);

      const token = reader.connectionToken;
      const refusals = [
        outcome(t.participant.send(new SendMessageCommand({ ConnectionToken: token, ContentType: 'text/plain', Content: 'sneaky' }))),
        outcome(t.participant.send(new SendEventCommand({ ConnectionToken: token, ContentType: 'application/vnd.amazonaws.connect.event.typing' }))),
        outcome(t.participant.send(new DisconnectParticipantCommand({ ConnectionToken: token }))),
        outcome(t.participant.send(new CreateParticipantConnectionCommand({ ParticipantToken: token, Type: ['CONNECTION_CREDENTIALS'] }))),
      ];
      for (const refused of await Promise.all(refusals)) expect(refused).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    }
    // Reading history started nothing: the next visit continues the last chat.
    expect((await asCustomer(sub)).ContinuedFromContactId).toBe(last!.ContactId);
  });
});

describe('erasure', () => {
  const erase = (body: unknown) => signedPost(t, '/persistent-chat/erase-line', body);
  const s3 = () => new S3Client({ region: 'us-east-1', endpoint: t.server.s3Endpoint, credentials: t.server.s3Credentials, forcePathStyle: true });

  /** Every key in the bucket, and every table row, that names one of these ids, but for the erasure's own ids-only audit records. */
  async function traces(ids: string[]): Promise<string[]> {
    const client = s3();
    const { Contents } = await client.send(new ListObjectsV2Command({ Bucket: t.server.config.transcriptBucket }));
    client.destroy();
    const { Items } = await t.server.clients.db.send(new ScanCommand({ TableName: t.server.config.tableName }));
    const rows = (Items ?? []).filter((item) => !/^ERAS(URE|ED)#/.test(item.pk as string)).map((item) => JSON.stringify(item));
    return [...(Contents ?? []).map((object) => object.Key!), ...rows].filter((text) => ids.some((id) => text.includes(id)));
  }

  async function lineOf(sub: string, chats: number): Promise<{ ids: string[]; tokens: { participant: string; connection: string; resume: string } }> {
    const ids: string[] = [];
    let current: WidgetChat | undefined;
    let connected: Connected | undefined;
    for (let n = 0; n < chats; n++) {
      if (connected) await leave(t, connected);
      current = await asCustomer(sub);
      connected = await connect(current);
      await say(t, connected, `a secret said in chat ${n}`);
      ids.push(current.ContactId);
    }
    // The last chat stays active: erasure ends it first.
    return { ids, tokens: { participant: current!.ParticipantToken, connection: connected!.connectionToken, resume: current!.ResumeToken } };
  }

  test('by CustomerId: every contact, record, token and object of the line goes; a second call erases nothing', async () => {
    const sub = newCustomer();
    const { ids, tokens } = await lineOf(sub, 3);
    const reader = await history({ CustomerToken: await customerToken(sub) });
    expect(await traces(ids)).not.toEqual([]);

    const erased = await erase({ InstanceId: INSTANCE, CustomerId: sub });
    expect(erased.status).toBe(200);
    expect([...(erased.body.ErasedContactIds as string[])].sort()).toEqual([...ids].sort());
    expect(await traces(ids)).toEqual([]);
    // What is left is the audit: ids and times, no content, no customer id.
    const { Items } = await t.server.clients.db.send(new ScanCommand({ TableName: t.server.config.tableName }));
    const audit = JSON.stringify((Items ?? []).filter((item) => /^ERAS(URE|ED)#/.test(item.pk as string)));
    expect(audit).not.toContain('a secret said');
    expect(audit).not.toContain(sub);

    for (const id of ids) expect(await outcome(describe_(id))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    const refused = [
      outcome(t.participant.send(new GetTranscriptCommand({ ConnectionToken: tokens.connection }))),
      outcome(t.participant.send(new GetTranscriptCommand({ ConnectionToken: reader.connectionToken }))),
      outcome(t.participant.send(new CreateParticipantConnectionCommand({ ParticipantToken: tokens.participant, Type: ['CONNECTION_CREDENTIALS'] }))),
    ];
    for (const answer of await Promise.all(refused)) expect(answer).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    // A resume token of the erased line is a credential no longer valid, on every route that takes one.
    for (const path of ['/widget/chat', '/widget/history', '/widget/forget']) {
      const answer = await post(path, { ResumeToken: tokens.resume });
      expect([path, answer.status, answer.errorType]).toEqual([path, 403, 'AccessDeniedException']);
    }

    const fresh = await asCustomer(sub);
    expect(fresh.ContinuedFromContactId).toBeUndefined();
    expect(messages((await pageBack(t, await connect(fresh), 100)).flat())).toEqual([]);

    const again = await erase({ InstanceId: INSTANCE, ContactId: ids[0] });
    expect([again.status, again.body.ErasedContactIds]).toEqual([200, []]);
  });

  test("the agent who accepted a chat of the line keeps its record, without the line's contacts, and goes on accepting", async () => {
    const sub = newCustomer();
    const { ids } = await lineOf(sub, 1);
    const agent = agentApi(t.server.url, await signIn(t.server.url, `agent-${sub}`, ['support']));
    expect((await agent('POST', 'accept', { ContactId: ids[0] })).status).toBe(200);
    expect((await t.server.clients.db.send(new ScanCommand({ TableName: t.server.config.tableName }))).Items).toContainEqual(
      expect.objectContaining({ pk: expect.stringMatching(/^AGENT#/), contactIds: [ids[0]] }),
    );

    expect((await erase({ InstanceId: INSTANCE, CustomerId: sub })).status).toBe(200);
    expect(await traces(ids)).toEqual([]);
    expect(await agent('GET', 'chats')).toEqual({ status: 200, body: { Chats: [] } });
    const next = await lineOf(newCustomer(), 1);
    expect((await agent('POST', 'accept', { ContactId: next.ids[0] })).status).toBe(200);
  });

  test('by ContactId (any contact of the line); an unknown ContactId is 404; exactly one of the two is required', async () => {
    const sub = newCustomer();
    const { ids } = await lineOf(sub, 2);
    const erased = await erase({ InstanceId: INSTANCE, ContactId: ids[0] });
    expect([...(erased.body.ErasedContactIds as string[])].sort()).toEqual([...ids].sort());
    expect(await traces(ids)).toEqual([]);
    expect((await erase({ InstanceId: INSTANCE, CustomerId: sub })).body.ErasedContactIds).toEqual([]);
    expect((await asCustomer(sub)).ContinuedFromContactId).toBeUndefined();

    const unknown = await erase({ InstanceId: INSTANCE, ContactId: 'no-such-contact' });
    expect([unknown.status, unknown.errorType]).toEqual([404, 'ResourceNotFoundException']);
    for (const body of [{ InstanceId: INSTANCE }, { InstanceId: INSTANCE, ContactId: ids[0], CustomerId: sub }]) {
      expect((await erase(body)).status).toBe(400);
    }
  });

  /**
   * An erasure that stops at `step` (the store throws there, as a function timing out or crashing would),
   * on the server's own table and bucket: what it leaves is for the server's erase route to finish.
   */
  function crashingErasure(step: 'recordErasure' | 'removeChat') {
    const keyMaterial = JSON.parse(readFileSync(join(t.dataDir, 'signing-keys.json'), 'utf8')) as KeyMaterial;
    const noSockets = { post: async () => 'gone' as const, close: async () => undefined };
    const wiring = wire(t.server.config, t.server.clients, keyMaterial, new Logger('silent'), { transport: noSockets });
    const table = new DynamoErasureStore(t.server.clients.db, t.server.config.tableName);
    // Every other step is the real store's (its methods found through the prototype, `this` reaching its client).
    const crashing = Object.assign(Object.create(table) as DynamoErasureStore, {
      [step]: async () => {
        throw new Error(`crashed at ${step}`);
      },
    });
    const place = { endpoint: t.server.s3Endpoint, credentials: t.server.s3Credentials, versioned: false };
    return withErasure(wiring, place, crashing).erasure;
  }

  test.each([
    ['after marking the line, before its record is written; called again by CustomerId', 'recordErasure', 'CustomerId'],
    ['after removing the contacts, before the chats and objects; called again by ContactId', 'removeChat', 'ContactId'],
  ] as const)('a run stopped %s finishes the job', async (_, step, by) => {
    const sub = newCustomer();
    const { ids } = await lineOf(sub, 2);
    await expect(crashingErasure(step).erase({ instanceId: INSTANCE, customerId: sub })).rejects.toThrow(`crashed at ${step}`);
    expect(await traces(ids)).not.toEqual([]);
    // Meanwhile the line is held: it cannot move on.
    const held = await post('/widget/chat', { CustomerToken: await customerToken(sub) });
    expect([held.status, held.errorType]).toEqual([409, 'ConflictException']);

    const again = await erase({ InstanceId: INSTANCE, ...(by === 'CustomerId' ? { CustomerId: sub } : { ContactId: ids[1] }) });
    expect(again.status).toBe(200);
    expect([...(again.body.ErasedContactIds as string[])].sort()).toEqual([...ids].sort());
    expect(await traces(ids)).toEqual([]);
    for (const id of ids) expect(await outcome(describe_(id))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect((await asCustomer(sub)).ContinuedFromContactId).toBeUndefined();
  });

  test('an unsigned call is refused', async () => {
    const answer = await post('/persistent-chat/erase-line', { InstanceId: INSTANCE, CustomerId: 'anyone' });
    expect([answer.status, answer.errorType]).toEqual([403, 'AccessDeniedException']);
  });
});
