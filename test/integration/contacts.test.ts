import {
  AccessDeniedException,
  CreateParticipantCommand,
  DescribeContactCommand,
  GetContactAttributesCommand,
  InvalidParameterException,
  InvalidRequestException,
  LimitExceededException,
  ResourceNotFoundException,
  StartChatContactCommand,
  StopContactCommand,
  TransferContactCommand,
  UpdateContactAttributesCommand,
} from '@aws-sdk/client-connect';
import { connectClient, startTestServer, type TestServer } from '../support/local-server';

const instance = 'instance-1';
const flow = 'flow-1';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

const startChat = (extra: Partial<ConstructorParameters<typeof StartChatContactCommand>[0]> = {}) =>
  t.connect.send(new StartChatContactCommand({ InstanceId: instance, ContactFlowId: flow, ParticipantDetails: { DisplayName: 'Ann' }, ...extra }));

const describe_ = async (contactId: string, instanceId = instance) =>
  (await t.connect.send(new DescribeContactCommand({ InstanceId: instanceId, ContactId: contactId }))).Contact!;

describe('the contact lifecycle through @aws-sdk/client-connect', () => {
  it('starts a chat and describes it as Amazon Connect does', async () => {
    const before = Date.now();
    const started = await startChat({ Attributes: { plan: 'gold' } });
    expect(started.ContactId).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.ParticipantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.ParticipantToken!.length).toBeGreaterThanOrEqual(43); // 256 random bits, base64url
    expect(started.ContinuedFromContactId).toBeUndefined();

    const contact = await describe_(started.ContactId!);
    expect(contact).toMatchObject({
      Id: started.ContactId,
      InitialContactId: started.ContactId,
      Channel: 'CHAT',
      InitiationMethod: 'API',
      Arn: `arn:aws:connect:us-east-1:000000000000:instance/${instance}/contact/${started.ContactId}`,
      Attributes: { plan: 'gold' },
    });
    expect(contact.InitiationTimestamp).toBeInstanceOf(Date);
    expect(contact.InitiationTimestamp!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(contact.DisconnectTimestamp).toBeUndefined();
  });

  it('adds an agent, transfers, moves to a post-chat flow and stops: a session of three linked contacts', async () => {
    const c1 = (await startChat()).ContactId!;
    const agent = await t.connect.send(
      new CreateParticipantCommand({ InstanceId: instance, ContactId: c1, ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'a1' } }),
    );
    expect(agent.ParticipantId).toBeDefined();
    expect(agent.ParticipantCredentials?.ParticipantToken).toBeDefined();
    expect(Date.parse(agent.ParticipantCredentials!.Expiry!)).toBeGreaterThan(Date.now());
    expect((await describe_(c1)).AgentInfo?.Id).toBe(agent.ParticipantId);

    const transfer = await t.connect.send(new TransferContactCommand({ InstanceId: instance, ContactId: c1, ContactFlowId: flow, QueueId: 'q1' }));
    const c2 = transfer.ContactId!;
    expect(transfer.ContactArn).toContain(`/contact/${c2}`);
    const survey = await t.connect.send(new TransferContactCommand({ InstanceId: instance, ContactId: c2, ContactFlowId: 'survey' }));
    const c3 = survey.ContactId!;

    const [d1, d2, d3] = [await describe_(c1), await describe_(c2), await describe_(c3)];
    expect(d1.DisconnectTimestamp).toBeInstanceOf(Date);
    expect(d2).toMatchObject({ InitialContactId: c1, PreviousContactId: c1, InitiationMethod: 'TRANSFER', QueueInfo: { Id: 'q1' } });
    expect(d3).toMatchObject({ InitialContactId: c1, PreviousContactId: c2, InitiationMethod: 'DISCONNECT' });
    expect(d3.DisconnectTimestamp).toBeUndefined();

    await expect(
      t.connect.send(new TransferContactCommand({ InstanceId: instance, ContactId: c1, ContactFlowId: flow, QueueId: 'q' })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
    await t.connect.send(new StopContactCommand({ InstanceId: instance, ContactId: c3, DisconnectReason: { Code: 'CUSTOMER_DISCONNECT' } }));
    const stopped = await describe_(c3);
    expect(stopped.DisconnectTimestamp).toBeInstanceOf(Date);
    expect(stopped.DisconnectReason).toBe('CUSTOMER_DISCONNECT');
    await expect(t.connect.send(new StopContactCommand({ InstanceId: instance, ContactId: c3 }))).rejects.toBeInstanceOf(InvalidRequestException);
    await expect(t.connect.send(new TransferContactCommand({ InstanceId: instance, ContactId: c3, ContactFlowId: flow }))).rejects.toBeInstanceOf(
      InvalidRequestException,
    );
    await expect(
      t.connect.send(new CreateParticipantCommand({ InstanceId: instance, ContactId: c3, ParticipantDetails: { ParticipantRole: 'AGENT' } })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it('keeps contacts to their instance: another instance gets 404', async () => {
    const { ContactId } = await startChat();
    const error = await t.connect.send(new DescribeContactCommand({ InstanceId: 'other', ContactId })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    await expect(t.connect.send(new StopContactCommand({ InstanceId: 'other', ContactId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(t.connect.send(new TransferContactCommand({ InstanceId: 'other', ContactId, ContactFlowId: flow }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(t.connect.send(new GetContactAttributesCommand({ InstanceId: 'other', InitialContactId: ContactId }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    expect((await describe_(ContactId!)).Id).toBe(ContactId);
  });

  it('refuses a wrong signature with 403 AccessDeniedException', async () => {
    const forged = connectClient(t.server.url, { accessKeyId: 'local', secretAccessKey: 'wrong' });
    const error = await forged.send(new DescribeContactCommand({ InstanceId: instance, ContactId: 'x' })).catch((e: unknown) => e);
    forged.destroy();
    expect(error).toBeInstanceOf(AccessDeniedException);
    expect((error as AccessDeniedException).$metadata.httpStatusCode).toBe(403);
    const unknownKey = connectClient(t.server.url, { accessKeyId: 'someone', secretAccessKey: 'local' });
    await expect(unknownKey.send(new StopContactCommand({ InstanceId: instance, ContactId: 'x' }))).rejects.toBeInstanceOf(AccessDeniedException);
    unknownKey.destroy();
  });

  it('refuses a signed request whose body was swapped after signing', async () => {
    const client = connectClient(t.server.url);
    // After signing, on the way out: the same length, another contact.
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: string };
        request.body = request.body.replace('"ContactId":"aaaa"', '"ContactId":"bbbb"');
        return next(args);
      },
      { step: 'deserialize' },
    );
    const error = await client.send(new StopContactCommand({ InstanceId: instance, ContactId: 'aaaa' })).catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(AccessDeniedException);
  });

  it('accepts signatures scoped to execute-api, as a client configured for a deployed API sends them', async () => {
    const client = connectClient(t.server.url, undefined, 'execute-api');
    const scopes: string[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        scopes.push(/Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? '');
        return next(args);
      },
      { step: 'deserialize' },
    );
    const { ContactId } = await client.send(
      new StartChatContactCommand({ InstanceId: instance, ContactFlowId: flow, ParticipantDetails: { DisplayName: 'Bo' } }),
    );
    client.destroy();
    expect(scopes).toEqual(['execute-api']);
    expect(ContactId).toBeDefined();
  });

  it.each([
    ['an empty DisplayName', { ParticipantDetails: { DisplayName: '' } }, /DisplayName/],
    ['ChatDurationInMinutes 5', { ChatDurationInMinutes: 5 }, /ChatDurationInMinutes/],
    ['ChatDurationInMinutes 10081', { ChatDurationInMinutes: 10081 }, /ChatDurationInMinutes/],
    ['an InstanceId of 101 characters', { InstanceId: 'i'.repeat(101) }, /InstanceId/],
    ['a ContactFlowId of 501 characters', { ContactFlowId: 'f'.repeat(501) }, /ContactFlowId/],
    ['an unknown RehydrationType', { PersistentChat: { RehydrationType: 'ALL' as never, SourceContactId: 'x' } }, /RehydrationType/],
    ['SupportedMessagingContentTypes without text/plain', { SupportedMessagingContentTypes: ['text/markdown'] }, /must contain text\/plain/],
    [
      'an unknown supported content type',
      { SupportedMessagingContentTypes: ['text/plain', 'constructor'] },
      /SupportedMessagingContentTypes must contain only/,
    ],
  ])('refuses %s with 400 InvalidParameterException', async (_, extra, message) => {
    const error = await startChat(extra).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as InvalidParameterException).$metadata.httpStatusCode).toBe(400);
    expect((error as Error).message).toMatch(message);
  });

  it('keeps SegmentAttributes of every kind the model allows, and describes them back', async () => {
    const SegmentAttributes = {
      'connect:Subtype': { ValueString: 'connect:Chat' },
      'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 1440 } } },
      'app:Topics': { ValueList: [{ ValueString: 'billing' }, { ValueInteger: -7 }] },
      'app:Queue': { ValueArn: 'arn:aws:connect:eu-west-1:123456789012:instance/i/queue/q' },
    };
    const { ContactId } = await startChat({ SegmentAttributes });
    expect((await describe_(ContactId!)).SegmentAttributes).toEqual(SegmentAttributes);
  });

  it.each([
    ['a fractional ValueInteger', { a: { ValueInteger: 1.5 } }, /ValueInteger must be an integer/],
    ['values nested four deep', { a: { ValueMap: { b: { ValueList: [{ ValueMap: { c: { ValueString: 'x' } } }] } } } }, /nest at most 3 levels/],
    ['a ValueList item that is not an object', { a: { ValueList: ['x'] } }, /ValueList\[0\] must be an object/],
    [
      'more than 32 KB of them',
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, { ValueString: 'v'.repeat(1000) }])),
      /at most 32768 characters/,
    ],
  ])('refuses SegmentAttributes with %s', async (_, SegmentAttributes, message) => {
    const error = await startChat({ SegmentAttributes: SegmentAttributes as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a transfer with both QueueId and UserId', async () => {
    const { ContactId } = await startChat();
    await expect(
      t.connect.send(new TransferContactCommand({ InstanceId: instance, ContactId, ContactFlowId: flow, QueueId: 'q', UserId: 'u' })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it('makes StartChatContact, TransferContact and CreateParticipant idempotent by ClientToken', async () => {
    const first = await startChat({ ClientToken: 'start-1' });
    const again = await startChat({ ClientToken: 'start-1' });
    expect(again).toEqual(
      expect.objectContaining({ ContactId: first.ContactId, ParticipantId: first.ParticipantId, ParticipantToken: first.ParticipantToken }),
    );
    await expect(startChat({ ClientToken: 'start-1', Attributes: { other: 'request' } })).rejects.toBeInstanceOf(InvalidRequestException);

    const transfer = () =>
      t.connect.send(
        new TransferContactCommand({ InstanceId: instance, ContactId: first.ContactId, ContactFlowId: flow, QueueId: 'q', ClientToken: 't-1' }),
      );
    const t1 = await transfer();
    const t2 = await transfer();
    expect(t2.ContactId).toBe(t1.ContactId);

    const add = () =>
      t.connect.send(
        new CreateParticipantCommand({
          InstanceId: instance,
          ContactId: t1.ContactId,
          ClientToken: 'p-1',
          ParticipantDetails: { ParticipantRole: 'AGENT' },
        }),
      );
    const p1 = await add();
    const p2 = await add();
    expect(p2.ParticipantId).toBe(p1.ParticipantId);
    expect(p2.ParticipantCredentials?.ParticipantToken).toBe(p1.ParticipantCredentials?.ParticipantToken);
  });

  it('lets exactly one of two racing transfers of the same contact win', async () => {
    const { ContactId } = await startChat();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        t.connect.send(new TransferContactCommand({ InstanceId: instance, ContactId, ContactFlowId: flow, QueueId: `q${i}` })),
      ),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of results.filter((r) => r.status === 'rejected'))
      expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(InvalidRequestException);
    const next = (won[0] as PromiseFulfilledResult<{ ContactId?: string }>).value.ContactId!;
    expect((await describe_(next)).PreviousContactId).toBe(ContactId);
  });

  it('creates one contact for concurrent StartChatContact calls sharing a ClientToken', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => startChat({ ClientToken: 'racing-start' })));
    expect(new Set(results.map((r) => r.ContactId)).size).toBe(1);
  });

  it('gets and merges contact attributes, within the 32 KB quota', async () => {
    const { ContactId } = await startChat({ Attributes: { a: '1', b: '2' } });
    await t.connect.send(new UpdateContactAttributesCommand({ InstanceId: instance, InitialContactId: ContactId, Attributes: { b: '3', c: '4' } }));
    const { Attributes } = await t.connect.send(new GetContactAttributesCommand({ InstanceId: instance, InitialContactId: ContactId }));
    expect(Attributes).toEqual({ a: '1', b: '3', c: '4' });
    await expect(
      t.connect.send(
        new UpdateContactAttributesCommand({ InstanceId: instance, InitialContactId: ContactId, Attributes: { big: 'x'.repeat(32_760) } }),
      ),
    ).rejects.toThrow(/32768/);
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.connect.send(new UpdateContactAttributesCommand({ InstanceId: instance, InitialContactId: ContactId, Attributes: { [`k${i}`]: `${i}` } })),
      ),
    );
    const after = await t.connect.send(new GetContactAttributesCommand({ InstanceId: instance, InitialContactId: ContactId }));
    expect(Object.keys(after.Attributes!).sort()).toEqual(['a', 'b', 'c', 'k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
  });

  it('holds StartChatContact to the 32 KB attribute quota, copies from a past chat included', async () => {
    // `n` bytes of attributes in two entries, keys included (a value holds at most 32,767 characters).
    const bytes = (n: number, key = 'a') => ({ [key]: 'x'.repeat(n / 2 - key.length), [`${key}2`]: 'x'.repeat(n / 2 - key.length - 1) });
    const refused = async (extra: Partial<ConstructorParameters<typeof StartChatContactCommand>[0]>) => {
      const error = await startChat(extra).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LimitExceededException);
      expect((error as LimitExceededException).$metadata.httpStatusCode).toBe(429);
      return (error as Error).message;
    };
    const sevenFull = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`k${i}`, 'x'.repeat(32_000)]));
    expect(await refused({ Attributes: sevenFull })).toMatch(/32768 bytes/);
    expect(await refused({ Attributes: { ...bytes(32_766), b: 'xx' } })).toMatch(/32768 bytes/);
    expect(await refused({ Attributes: { a: 'é'.repeat(16_384) } })).toMatch(/32768 bytes/); // UTF-8 bytes, not characters
    const full = await startChat({ Attributes: bytes(32_768) });
    expect((await describe_(full.ContactId!)).Attributes).toEqual(bytes(32_768));

    // A continuation copies the past chat's attributes: the copy and the new ones together count.
    const past = await startChat({ Attributes: bytes(20_000) });
    await t.connect.send(new StopContactCommand({ InstanceId: instance, ContactId: past.ContactId }));
    const persistent = { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION' as const, SourceContactId: past.ContactId } };
    expect(await refused({ ...persistent, Attributes: bytes(13_000, 'b') })).toMatch(new RegExp(`copied from contact ${past.ContactId}`));
    expect(await refused({ RelatedContactId: past.ContactId, Attributes: bytes(13_000, 'b') })).toMatch(/copied from contact/);
    // A refused start did not use the source up.
    const continued = await startChat({ ...persistent, Attributes: bytes(12_000, 'b') });
    expect(continued.ContinuedFromContactId).toBe(past.ContactId);
    expect((await describe_(continued.ContactId!)).Attributes).toEqual({ ...bytes(20_000), ...bytes(12_000, 'b') });
  });

  it('keeps every contact across a restart of the local server', async () => {
    const { ContactId } = await startChat({ Attributes: { kept: 'yes' } });
    await t.restart();
    expect((await describe_(ContactId!)).Attributes).toEqual({ kept: 'yes' });
  });
});

describe('CORS on handler responses', () => {
  it('lets a browser read successes and errors, headers included', async () => {
    const response = await fetch(`${t.server.url}/participant/transcript`, {
      method: 'POST',
      headers: { origin: 'https://shop.example', 'content-type': 'application/json', 'x-amz-bearer': 'forged' },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toContain('x-amzn-ErrorType');
  });
});
