import { QUOTAS } from '../../lambdas/domain/limits';
import {
  AccessDeniedException,
  ConflictException,
  GetAttachmentCommand,
  ServiceQuotaExceededException,
  StartAttachmentUploadCommand,
  ValidationException,
} from '@aws-sdk/client-connectparticipant';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Connected, INSTANCE, joinAgent, leave, pageBack, startChat, transfer } from '../support/chat';
import { attachmentItems, complete, download, PDF, PNG, putToUrl, sendFile, startUpload } from '../support/attachments';
import { startTestServer, type TestServer } from '../support/local-server';
import { DynamoContactStore } from '../../lambdas/stores/dynamodb/contact-store';
import { watchChat } from '../support/websocket';

let t: TestServer;
let clock = 0;

beforeAll(async () => {
  // Files up to 64 KB here, so that "too large" is cheap to send.
  t = await startTestServer({
    attachments: { extensions: ['pdf', 'png', 'jpg', 'txt', 'csv', 'docx'], maxSizeInBytes: 64 * 1024 },
    now: () => Date.now() + clock,
  });
});
afterAll(() => t.stop());
afterEach(() => (clock = 0));

/** The raw participant API: what a client other than the SDK sends. */
async function raw(path: string, token: string, body: unknown) {
  const response = await fetch(`${t.server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Amz-Bearer': token },
    body: JSON.stringify(body),
  });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: (await response.json()) as Record<string, unknown> };
}

describe('a file, round trip', () => {
  let customer: Connected;
  let agent: Connected;
  beforeAll(async () => {
    customer = await startChat(t);
    agent = await joinAgent(t, customer.contactId, 'Sam');
  });

  it('StartAttachmentUpload answers an id and a pre-signed PUT URL, valid five minutes, signed for the declared type and size', async () => {
    const before = Date.now();
    const upload = await startUpload(t, customer, 'receipt.pdf', 'application/pdf', PDF.length);
    expect(upload.AttachmentId).toMatch(/^[0-9a-f-]{36}$/);
    const { Url, UrlExpiry, HeadersToInclude } = upload.UploadMetadata!;
    expect(HeadersToInclude).toEqual({ 'Content-Type': 'application/pdf' });
    expect(UrlExpiry).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(UrlExpiry!) - before).toBeGreaterThanOrEqual(299_000);
    expect(Date.parse(UrlExpiry!) - before).toBeLessThanOrEqual(301_000);
    const url = new URL(Url!);
    expect(url.origin).toBe(t.server.s3Endpoint);
    expect(url.pathname).toBe(`/${t.server.config.transcriptBucket}/connect/PendingAttachments/instance-1/${upload.AttachmentId}`);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
  });

  it('a file PUT to the URL and completed comes back byte for byte, its item in the transcript and pushed to everyone', async () => {
    const socket = await watchChat(t, INSTANCE, customer.contactId);
    const bytes = Buffer.concat([PNG, Buffer.from([0, 1, 2, 250, 251, 252, 253, 254, 255])]);
    const attachmentId = await sendFile(t, customer, 'screen shot é.png', 'image/png', bytes);

    const [item] = (await attachmentItems(t, agent)).filter((entry) => entry.Attachments?.[0]?.AttachmentId === attachmentId);
    expect(item).toMatchObject({
      Type: 'ATTACHMENT',
      ContentType: 'image/png',
      ParticipantId: customer.participantId,
      ParticipantRole: 'CUSTOMER',
      DisplayName: 'Customer',
      ContactId: customer.contactId,
      Attachments: [{ AttachmentId: attachmentId, AttachmentName: 'screen shot é.png', ContentType: 'image/png', Status: 'APPROVED' }],
    });
    // Pushed as Amazon Connect pushes a checked attachment: the item while it is checked, then the same item approved.
    await socket.item((entry) => entry.Id === item!.Id && (entry as { Attachments?: { Status: string }[] }).Attachments?.[0]?.Status === 'APPROVED');
    const pushed = socket.items().filter((entry) => entry.Id === item!.Id);
    expect(pushed.map((entry) => (entry as { Attachments?: { Status: string }[] }).Attachments?.[0]?.Status)).toEqual(['IN_PROGRESS', 'APPROVED']);
    socket.close();

    for (const reader of [customer, agent]) {
      const { bytes: got, response, size, urlExpiry } = await download(t, reader, attachmentId);
      expect(got.equals(bytes)).toBe(true);
      expect(size).toBe(bytes.length);
      expect(urlExpiry).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="screen shot _.png"; filename*=UTF-8''screen%20shot%20%C3%A9.png`,
      );
    }
  });

  it('GetAttachment takes UrlExpiryInSeconds from 5 to 300', async () => {
    const attachmentId = await sendFile(t, agent, 'form.pdf', 'application/pdf', PDF);
    const before = Date.now();
    const got = await t.participant.send(
      new GetAttachmentCommand({ ConnectionToken: customer.connectionToken, AttachmentId: attachmentId, UrlExpiryInSeconds: 5 }),
    );
    expect(Date.parse(got.UrlExpiry!) - before).toBeLessThanOrEqual(6_000);
    expect(new URL(got.Url!).searchParams.get('X-Amz-Expires')).toBe('5');
    for (const seconds of [4, 301]) {
      await expect(
        t.participant.send(
          new GetAttachmentCommand({ ConnectionToken: customer.connectionToken, AttachmentId: attachmentId, UrlExpiryInSeconds: seconds }),
        ),
      ).rejects.toBeInstanceOf(ValidationException);
    }
  });

  it('speaks the wire as raw HTTP: the same shapes, and errors in the participant API shape', async () => {
    const started = await raw('/participant/start-attachment-upload', customer.connectionToken, {
      ContentType: 'text/plain',
      AttachmentSizeInBytes: 5,
      AttachmentName: 'note.txt',
      ClientToken: 'raw-1',
    });
    expect(started.status).toBe(200);
    expect(Object.keys(started.body).sort()).toEqual(['AttachmentId', 'UploadMetadata']);
    expect(Object.keys(started.body.UploadMetadata as object).sort()).toEqual(['HeadersToInclude', 'Url', 'UrlExpiry']);
    const { Url, HeadersToInclude } = started.body.UploadMetadata as { Url: string; HeadersToInclude: Record<string, string> };
    expect((await fetch(Url, { method: 'PUT', headers: HeadersToInclude, body: 'hello' })).status).toBe(200);
    const completed = await raw('/participant/complete-attachment-upload', customer.connectionToken, {
      AttachmentIds: [started.body.AttachmentId],
      ClientToken: 'raw-2',
    });
    expect(completed).toMatchObject({ status: 200, body: {} });
    const got = await raw('/participant/attachment', customer.connectionToken, { AttachmentId: started.body.AttachmentId });
    expect(Object.keys(got.body).sort()).toEqual(['AttachmentSizeInBytes', 'Url', 'UrlExpiry']);
    expect(got.body.AttachmentSizeInBytes).toBe(5);
    expect(await (await fetch(got.body.Url as string)).text()).toBe('hello');

    // Members as the model constrains them.
    for (const [path, body] of [
      ['/participant/start-attachment-upload', { ContentType: 'text/plain', AttachmentSizeInBytes: 0, AttachmentName: 'a.txt', ClientToken: 'x' }],
      ['/participant/start-attachment-upload', { ContentType: 'text/plain', AttachmentSizeInBytes: 5, AttachmentName: 'a.txt' }],
      ['/participant/start-attachment-upload', { ContentType: 'text/plain', AttachmentSizeInBytes: '5', AttachmentName: 'a.txt', ClientToken: 'x' }],
      ['/participant/complete-attachment-upload', { AttachmentIds: [], ClientToken: 'x' }],
      ['/participant/complete-attachment-upload', { AttachmentIds: ['a', 'b'], ClientToken: 'x' }],
      ['/participant/attachment', {}],
    ] as const) {
      expect(await raw(path, customer.connectionToken, body)).toMatchObject({
        status: 400,
        errorType: 'ValidationException',
        body: { __type: 'ValidationException' },
      });
    }
    expect(await raw('/participant/attachment', 'not-a-token', { AttachmentId: 'x' })).toMatchObject({
      status: 403,
      errorType: 'AccessDeniedException',
    });
  });
});

describe('refused, and nothing added', () => {
  let customer: Connected;
  beforeAll(async () => {
    customer = await startChat(t);
  });

  it.each([
    [
      'a type outside the allowed ones',
      'tool.exe',
      'application/x-msdownload',
      10,
      /Files of this type cannot be sent. Allowed: pdf, png, jpg, txt, csv, docx/,
    ],
    ['an allowed type not enabled here', 'clip.mov', 'video/quicktime', 10, /Files of this type cannot be sent/],
    ['a content type that is not the extension’s', 'receipt.pdf', 'image/png', 10, /does not match a \.pdf file/],
    ['a file larger than the limit', 'big.pdf', 'application/pdf', 64 * 1024 + 1, /too large: at most 64 KB \(65536 bytes\)/],
  ])('%s: StartAttachmentUpload is a ValidationException', async (_what, name, contentType, size, message) => {
    const refused = startUpload(t, customer, name, contentType, size);
    await expect(refused).rejects.toBeInstanceOf(ValidationException);
    await expect(refused).rejects.toMatchObject({ message: expect.stringMatching(message), $metadata: { httpStatusCode: 400 } });
  });

  it.each([
    ['fewer bytes than declared', PDF.subarray(1), { 'Content-Type': 'application/pdf' }, /has \d+ bytes, not the \d+ declared/],
    ['another content type than declared', PDF, { 'Content-Type': 'text/plain' }, /type is text\/plain, not the application\/pdf declared/],
  ])('an upload of %s: CompleteAttachmentUpload is a ValidationException and no item is added', async (_what, body, headers, message) => {
    const upload = await startUpload(t, customer, 'declared.pdf', 'application/pdf', PDF.length);
    // s3rver does not check signatures: S3 itself refuses such a PUT already; CompleteAttachmentUpload checks again.
    await putToUrl(upload, Buffer.from(body), headers);
    await expect(complete(t, customer, upload.AttachmentId!)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(message),
    });
    expect((await attachmentItems(t, customer)).map((item) => item.Attachments?.[0]?.AttachmentId)).not.toContain(upload.AttachmentId);
    await expect(
      t.participant.send(new GetAttachmentCommand({ ConnectionToken: customer.connectionToken, AttachmentId: upload.AttachmentId! })),
    ).rejects.toBeInstanceOf(AccessDeniedException);
  });

  it('an upload never PUT: CompleteAttachmentUpload is a ValidationException', async () => {
    const upload = await startUpload(t, customer, 'never.pdf', 'application/pdf', PDF.length);
    await expect(complete(t, customer, upload.AttachmentId!)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/has not been uploaded/),
    });
    expect(await attachmentItems(t, customer)).toEqual([]);
  });

  it('an upload URL is dead after its five minutes', async () => {
    clock = -301_000; // signed 301 s ago
    const upload = await startUpload(t, customer, 'late.pdf', 'application/pdf', PDF.length);
    clock = 0;
    const put = await putToUrl(upload, PDF);
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('Request has expired');
  });

  it('bytes that are not of the declared kind: the item is REJECTED, and GetAttachment does not serve it', async () => {
    const fake = Buffer.from('MZ this is a program, not a picture');
    const attachmentId = await sendFile(t, customer, 'holiday.png', 'image/png', fake);
    const [item] = (await attachmentItems(t, customer)).filter((entry) => entry.Attachments?.[0]?.AttachmentId === attachmentId);
    expect(item!.Attachments).toEqual([{ AttachmentId: attachmentId, AttachmentName: 'holiday.png', ContentType: 'image/png', Status: 'REJECTED' }]);
    await expect(download(t, customer, attachmentId)).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/rejected/),
    });
  });
});

describe('whose attachment', () => {
  it("another chat's attachment id is refused: GetAttachment AccessDenied, CompleteAttachmentUpload ValidationException", async () => {
    const ann = await startChat(t);
    const bob = await startChat(t);
    const annsFile = await sendFile(t, ann, 'ann.pdf', 'application/pdf', PDF);
    await expect(download(t, bob, annsFile)).rejects.toBeInstanceOf(AccessDeniedException);
    await expect(download(t, bob, '00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(AccessDeniedException);

    const annsUpload = await startUpload(t, ann, 'pending.pdf', 'application/pdf', PDF.length);
    await putToUrl(annsUpload, PDF);
    await expect(complete(t, bob, annsUpload.AttachmentId!)).rejects.toBeInstanceOf(ValidationException);
    expect(await attachmentItems(t, bob)).toEqual([]);
  });

  it('an agent completes only its own uploads, and reads the customer’s', async () => {
    const customer = await startChat(t);
    const agent = await joinAgent(t, customer.contactId, 'Sam');
    const upload = await startUpload(t, customer, 'mine.pdf', 'application/pdf', PDF.length);
    await putToUrl(upload, PDF);
    await expect(complete(t, agent, upload.AttachmentId!)).rejects.toBeInstanceOf(ValidationException);
    await complete(t, customer, upload.AttachmentId!);
    expect((await download(t, agent, upload.AttachmentId!)).bytes.equals(PDF)).toBe(true);
  });
});

describe('kept across every continuation of a chat', () => {
  /** A past chat: C1 (the customer sends a file), C2 (the agent sends one), C3 a survey (the customer sends one); then it ends. */
  async function pastChat(tag: string) {
    const customer = await startChat(t);
    const c1 = customer.contactId;
    const onC1 = await sendFile(t, customer, `${tag}-c1.pdf`, 'application/pdf', Buffer.concat([PDF, Buffer.from(`${tag} c1`)]));
    const c2 = await transfer(t, c1, 'queue-2');
    const agent = await joinAgent(t, c2, 'a2');
    const onC2 = await sendFile(t, agent, `${tag}-c2.png`, 'image/png', Buffer.concat([PNG, Buffer.from(`${tag} c2`)]));
    const c3 = await transfer(t, c2);
    const onC3 = await sendFile(t, customer, `${tag}-c3.txt`, 'text/plain', Buffer.from(`${tag} c3 survey`));
    await leave(t, customer);
    return { c1, c2, c3, files: { c1: onC1, c2: onC2, c3: onC3 } };
  }
  const continueFrom = (RehydrationType: 'ENTIRE_PAST_SESSION' | 'FROM_SEGMENT', SourceContactId: string) =>
    startChat(t, { PersistentChat: { RehydrationType, SourceContactId } });
  const attachmentsOf = (pages: Awaited<ReturnType<typeof pageBack>>) =>
    pages
      .flat()
      .filter((item) => item.Type === 'ATTACHMENT')
      .map((item) => ({
        id: item.Attachments![0]!.AttachmentId,
        contact: item.RelatedContactId ?? item.ContactId,
        status: item.Attachments![0]!.Status,
      }));

  it('ENTIRE_PAST_SESSION: paging back shows every past file, and the new chat downloads each, byte for byte', async () => {
    const past = await pastChat('eps');
    const now = await continueFrom('ENTIRE_PAST_SESSION', past.c1);
    expect(attachmentsOf(await pageBack(t, now, 3))).toEqual([
      { id: past.files.c3, contact: past.c3, status: 'APPROVED' },
      { id: past.files.c2, contact: past.c2, status: 'APPROVED' },
      { id: past.files.c1, contact: past.c1, status: 'APPROVED' },
    ]);
    expect((await download(t, now, past.files.c1)).bytes.toString()).toContain('eps c1');
    expect((await download(t, now, past.files.c2)).bytes.toString()).toContain('eps c2');
    expect((await download(t, now, past.files.c3)).bytes.toString()).toBe('eps c3 survey');
  });

  it('FROM_SEGMENT: the segments of the line, and not the one the continuation dropped', async () => {
    const past = await pastChat('fs');
    const now = await continueFrom('FROM_SEGMENT', past.c2);
    expect(attachmentsOf(await pageBack(t, now, 100)).map((file) => file.id)).toEqual([past.files.c2, past.files.c1]);
    expect((await download(t, now, past.files.c2)).bytes.toString()).toContain('fs c2');
    expect((await download(t, now, past.files.c1)).bytes.toString()).toContain('fs c1');
    await expect(download(t, now, past.files.c3)).rejects.toBeInstanceOf(AccessDeniedException);
  });

  it('cumulatively, chat after chat, and never into another branch of the line or another customer’s', async () => {
    const past = await pastChat('cum');
    const second = await continueFrom('ENTIRE_PAST_SESSION', past.c1);
    const onSecond = await sendFile(t, second, 'second.pdf', 'application/pdf', PDF);
    await leave(t, second);
    const third = await continueFrom('ENTIRE_PAST_SESSION', second.contactId);
    for (const id of [onSecond, past.files.c1, past.files.c2, past.files.c3]) expect((await download(t, third, id)).size).toBeGreaterThan(0);

    // Another chat continued from the same past chat's C2: a branch beside `second`, sharing C1 and C2 only.
    const branch = await continueFrom('FROM_SEGMENT', past.c2);
    const onBranch = await sendFile(t, branch, 'branch.pdf', 'application/pdf', PDF);
    await expect(download(t, third, onBranch)).rejects.toBeInstanceOf(AccessDeniedException);
    await expect(download(t, branch, onSecond)).rejects.toBeInstanceOf(AccessDeniedException);
    expect((await download(t, branch, past.files.c1)).size).toBeGreaterThan(0);

    const stranger = await startChat(t);
    for (const id of [onSecond, onBranch, past.files.c1]) await expect(download(t, stranger, id)).rejects.toBeInstanceOf(AccessDeniedException);
  });
});

test('a contact takes QUOTAS.AttachmentsPerContact uploads: one more is a ServiceQuotaExceededException; a transfer starts a new count', async () => {
  const customer = await startChat(t);
  const started = await Promise.all(
    Array.from({ length: QUOTAS.AttachmentsPerContact }, (_, i) => startUpload(t, customer, `f${i}.txt`, 'text/plain', 2, `quota-${i}`)),
  );
  expect(new Set(started.map((upload) => upload.AttachmentId)).size).toBe(QUOTAS.AttachmentsPerContact);
  const over = startUpload(t, customer, 'one-more.txt', 'text/plain', 2);
  await expect(over).rejects.toBeInstanceOf(ServiceQuotaExceededException);
  await expect(over).rejects.toMatchObject({ $metadata: { httpStatusCode: 402 } });
  // A retry of one counted already is the same upload, not one more.
  expect((await startUpload(t, customer, 'f0.txt', 'text/plain', 2, 'quota-0')).AttachmentId).toBe(started[0]!.AttachmentId);

  await transfer(t, customer.contactId, 'q');
  expect((await startUpload(t, customer, 'after-transfer.txt', 'text/plain', 2)).AttachmentId).toBeDefined();
});

test('a completion refused after the upload was found (the contact is full) leaves no kept file behind', async () => {
  const customer = await startChat(t);
  const upload = await startUpload(t, customer, 'late.pdf', 'application/pdf', PDF.length);
  await putToUrl(upload, PDF);
  // Full, as after QUOTAS.ItemsPerContact items: the item cannot be added.
  await t.server.clients.db.send(
    new UpdateCommand({
      TableName: t.server.config.tableName,
      Key: { pk: `CONTACT#${customer.contactId}`, sk: 'SESSION' },
      UpdateExpression: 'SET contactItems = :n',
      ExpressionAttributeValues: { ':n': QUOTAS.ItemsPerContact },
    }),
  );
  const refused = complete(t, customer, upload.AttachmentId!);
  await expect(refused).rejects.toBeInstanceOf(ServiceQuotaExceededException);
  await expect(refused).rejects.toMatchObject({ $metadata: { httpStatusCode: 402 } });
  const store = new DynamoContactStore(t.server.clients.db, t.server.config.tableName);
  const attachment = (await store.getAttachment(upload.AttachmentId!))!;
  expect(attachment.status).toBe('UPLOADING');
  expect(await t.server.clients.s3.head(attachment.key)).toBeUndefined();
  // The upload itself stays where the lifecycle rule (locally, the sweep at start) removes it.
  expect(await t.server.clients.s3.head(attachment.uploadKey)).toMatchObject({ contentLength: PDF.length });
});

describe('idempotency', () => {
  it('StartAttachmentUpload with the same ClientToken is the same attachment; CompleteAttachmentUpload adds one item once', async () => {
    const customer = await startChat(t);
    const first = await startUpload(t, customer, 'same.pdf', 'application/pdf', PDF.length, 'token-a');
    const again = await startUpload(t, customer, 'same.pdf', 'application/pdf', PDF.length, 'token-a');
    expect(again.AttachmentId).toBe(first.AttachmentId);
    // Reused with other parameters: StartAttachmentUpload's model lists no ConflictException.
    await expect(startUpload(t, customer, 'other.pdf', 'application/pdf', PDF.length, 'token-a')).rejects.toBeInstanceOf(ValidationException);

    await putToUrl(again, PDF);
    await complete(t, customer, first.AttachmentId!, 'complete-1');
    await complete(t, customer, first.AttachmentId!, 'complete-1'); // a retry: replayed
    await expect(complete(t, customer, first.AttachmentId!, 'complete-2')).rejects.toBeInstanceOf(ConflictException);
    expect(await attachmentItems(t, customer)).toHaveLength(1);
  });
});

test('the SDK and the model agree: ClientToken is filled in by the SDK when the caller gives none', async () => {
  const customer = await startChat(t);
  const upload = await t.participant.send(
    new StartAttachmentUploadCommand({
      ConnectionToken: customer.connectionToken,
      AttachmentName: 'n.txt',
      ContentType: 'text/plain',
      AttachmentSizeInBytes: 2,
    } as never),
  );
  expect(upload.AttachmentId).toBeDefined();
});

test('an upload never completed is removed after a day (the local server sweeps at start; the stack has a lifecycle rule)', async () => {
  const customer = await startChat(t);
  const kept = await sendFile(t, customer, 'kept.pdf', 'application/pdf', PDF);
  const abandoned = await startUpload(t, customer, 'abandoned.pdf', 'application/pdf', PDF.length);
  await putToUrl(abandoned, PDF);
  const pendingKey = `connect/PendingAttachments/${INSTANCE}/${abandoned.AttachmentId}`;
  expect(await t.server.clients.s3.head(pendingKey)).toMatchObject({ contentLength: PDF.length });

  await t.restart(); // not a day yet: nothing goes
  expect(await t.server.clients.s3.head(pendingKey)).toBeDefined();
  clock = 24 * 60 * 60 * 1000 + 60_000;
  await t.restart();
  expect(await t.server.clients.s3.head(pendingKey)).toBeUndefined();
  const store = new DynamoContactStore(t.server.clients.db, t.server.config.tableName);
  expect(await store.getAttachment(abandoned.AttachmentId!)).toBeUndefined();
  // A completed attachment is not an upload: kept.
  expect(await t.server.clients.s3.head((await store.getAttachment(kept))!.key)).toMatchObject({ contentLength: PDF.length });
});
