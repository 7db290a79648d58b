import { CreateParticipantCommand, DescribeContactCommand } from '@aws-sdk/client-connect';
import { AccessDeniedException, ValidationException } from '@aws-sdk/client-connectparticipant';
import { type AttachmentCheck, SniffingCheck, type UploadedFile } from '../../lambdas/domain/attachment-check';
import { complete, download, PDF, putToUrl, sendFile, startUpload } from '../support/attachments';
import { type Connected, INSTANCE, leave, pageBack, startChat } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';
import { DynamoContactStore } from '../../lambdas/stores/dynamodb/contact-store';
import { watchChat, websocketConnection } from '../support/websocket';

/**
 * A deployment's own check behind the AttachmentCheck port, as a malware scanner would be plugged
 * in: here one the test controls. It rejects `virus*` files, fails on `broken*`, holds `slow*` until
 * released, and leaves the rest to the default sniffing.
 */
let t: TestServer;
let release: () => void = () => undefined;
let checking: Promise<void> = Promise.resolve();
const seen: UploadedFile[] = [];

class TestScanner implements AttachmentCheck {
  constructor(private readonly sniffing: AttachmentCheck) {}

  async check(file: UploadedFile) {
    seen.push(file);
    if (file.name.startsWith('virus')) return 'REJECTED' as const;
    if (file.name.startsWith('broken')) throw new Error('scanner unreachable');
    if (file.name.startsWith('slow')) await checking;
    return this.sniffing.check(file);
  }
}

beforeAll(async () => {
  t = await startTestServer({ attachmentCheck: (files) => new TestScanner(new SniffingCheck(files)) });
});
afterAll(() => t.stop());

const statusOf = async (who: Connected, attachmentId: string) =>
  (await pageBack(t, who, 100)).flat().find((item) => item.Attachments?.[0]?.AttachmentId === attachmentId)?.Attachments?.[0]?.Status;

/** Starts an upload and completes it without waiting: returns the pending call. */
async function completeLater(customer: Connected, name: string) {
  const upload = await startUpload(t, customer, name, 'application/pdf', PDF.length);
  await putToUrl(upload, PDF);
  checking = new Promise((resolve) => (release = resolve));
  return { attachmentId: upload.AttachmentId!, completed: complete(t, customer, upload.AttachmentId!) };
}

async function until(condition: () => Promise<boolean>) {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('never happened');
}

it('a plugged-in check sees the kept file and its declared name, type and size', async () => {
  const customer = await startChat(t);
  const attachmentId = await sendFile(t, customer, 'scan me.pdf', 'application/pdf', PDF);
  expect(seen.find((file) => file.attachmentId === attachmentId)).toEqual({
    attachmentId,
    instanceId: INSTANCE,
    key: expect.stringMatching(
      new RegExp(`^connect/${INSTANCE}/Attachments/chat/\\d{4}/\\d\\d/\\d\\d/${customer.contactId}/${attachmentId}_scan_me\\.pdf$`),
    ),
    name: 'scan me.pdf',
    contentType: 'application/pdf',
    sizeInBytes: PDF.length,
  });
  expect(await statusOf(customer, attachmentId)).toBe('APPROVED');
});

it('while the check runs the item is IN_PROGRESS, pushed so, and not served; then APPROVED, pushed again', async () => {
  const customer = await startChat(t);
  const socket = await watchChat(t, INSTANCE, customer.contactId);
  const { attachmentId, completed } = await completeLater(customer, 'slow.pdf');
  await until(async () => (await statusOf(customer, attachmentId)) === 'IN_PROGRESS');
  await socket.item((item) => (item as { Attachments?: { Status: string }[] }).Attachments?.[0]?.Status === 'IN_PROGRESS');
  await expect(download(t, customer, attachmentId)).rejects.toMatchObject({
    name: 'ValidationException',
    message: expect.stringMatching(/still being checked/),
  });

  release();
  await completed;
  expect(await statusOf(customer, attachmentId)).toBe('APPROVED');
  await socket.item((item) => (item as { Attachments?: { Status: string }[] }).Attachments?.[0]?.Status === 'APPROVED');
  expect((await download(t, customer, attachmentId)).bytes.equals(PDF)).toBe(true);
  socket.close();
});

it.each([
  ['rejects it', 'virus.pdf'],
  ['fails (a file nobody could check is not handed out)', 'broken.pdf'],
])('when the check %s, the item is REJECTED and the file is not served', async (_what, name) => {
  const customer = await startChat(t);
  const attachmentId = await sendFile(t, customer, name, 'application/pdf', PDF);
  expect(await statusOf(customer, attachmentId)).toBe('REJECTED');
  await expect(download(t, customer, attachmentId)).rejects.toBeInstanceOf(ValidationException);
});

it('a chat that ends during the check: its transcript file waits for the verdict, and a continuation sees APPROVED', async () => {
  const customer = await startChat(t);
  const { attachmentId, completed } = await completeLater(customer, 'slow-then-gone.pdf');
  await until(async () => (await statusOf(customer, attachmentId)) === 'IN_PROGRESS');
  await leave(t, customer);
  // Ended, but its file not written yet: the item is still in the table.
  const ended = await t.connect.send(new DescribeContactCommand({ InstanceId: INSTANCE, ContactId: customer.contactId }));
  expect(ended.Contact!.DisconnectTimestamp).toBeDefined();

  release();
  await completed.catch(() => undefined); // the customer left meanwhile: the call may or may not have answered
  const later = await startChat(t, { PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: customer.contactId } });
  expect(await statusOf(later, attachmentId)).toBe('APPROVED');
  expect((await download(t, later, attachmentId)).bytes.equals(PDF)).toBe(true);
  // The file was written with the verdict in it.
  expect(await t.server.clients.s3.get(await transcriptKey(customer.contactId))).toContain('"Status":"APPROVED"');
});

it('GetAttachment is refused to a bot, as Amazon Connect refuses CUSTOM_BOT', async () => {
  const customer = await startChat(t);
  const attachmentId = await sendFile(t, customer, 'for humans.pdf', 'application/pdf', PDF);
  const bot = await t.connect.send(
    new CreateParticipantCommand({
      InstanceId: INSTANCE,
      ContactId: customer.contactId,
      ParticipantDetails: { ParticipantRole: 'CUSTOM_BOT', DisplayName: 'Bot' },
    }),
  );
  const { connectionToken } = await websocketConnection(t, bot.ParticipantCredentials!.ParticipantToken!);
  await expect(
    download(t, { contactId: customer.contactId, participantId: bot.ParticipantId!, connectionToken }, attachmentId),
  ).rejects.toBeInstanceOf(AccessDeniedException);
});

async function transcriptKey(contactId: string): Promise<string> {
  const contact = await new DynamoContactStore(t.server.clients.db, t.server.config.tableName).getContact(contactId);
  if (!contact?.transcriptKey) throw new Error('no transcript file');
  return contact.transcriptKey;
}
