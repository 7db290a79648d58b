import { readFileSync } from 'node:fs';
import { CreateParticipantCommand } from '@aws-sdk/client-connect';
import { CreateParticipantConnectionCommand, GetTranscriptCommand } from '@aws-sdk/client-connectparticipant';
import type { Page } from 'playwright-core';
import { formatBytes } from '../../lambdas/domain/attachment-types';
import { download, PDF, PNG, pngPicture, sendFile } from '../support/attachments';
import { browserTestbed, screenshot, WIDGET_INSTANCE } from '../support/browser';
import type { Connected } from '../support/chat';

/** The customer's page sending and receiving files, against the local server and its embedded S3; the agent on the SDK. */
const LIMIT = 256 * 1024;
const bed = browserTestbed({ attachments: { extensions: ['pdf', 'png', 'jpg', 'txt', 'csv'], maxSizeInBytes: LIMIT } });
const t = () => bed.server();

async function phone(): Promise<Page> {
  const context = await bed.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    acceptDownloads: true,
  });
  return context.newPage();
}

const log = (page: Page) => page.getByRole('log');
const alert = (page: Page) => page.getByRole('alert');

async function startChat(page: Page, name: string): Promise<string> {
  await page.goto(t().server.url);
  await page.getByLabel('Your name').fill(name);
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="contact-id"]')?.textContent?.length);
  return (await page.getByTestId('contact-id').textContent())!;
}

/** An agent on the contact, through the SDK, with a connection token for the attachment calls. */
async function agentOn(contactId: string): Promise<Connected> {
  const joined = await t().connect.send(
    new CreateParticipantCommand({
      InstanceId: WIDGET_INSTANCE,
      ContactId: contactId,
      ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Sam' },
    }),
  );
  const { ConnectionCredentials } = await t().participant.send(
    new CreateParticipantConnectionCommand({ ParticipantToken: joined.ParticipantCredentials!.ParticipantToken!, Type: ['CONNECTION_CREDENTIALS'] }),
  );
  return { contactId, participantId: joined.ParticipantId!, connectionToken: ConnectionCredentials!.ConnectionToken! };
}

/** Picks files as a person does: "Attach a file", then the file chooser. */
async function attach(page: Page, ...files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach a file' }).click();
  await (await chooser).setFiles(files);
}

/** The attachment ids in the agent's view of the chat, newest page. */
async function attachmentIds(agent: Connected): Promise<{ id: string; name: string; status: string }[]> {
  const page = await t().participant.send(
    new GetTranscriptCommand({ ConnectionToken: agent.connectionToken, MaxResults: 100, SortOrder: 'ASCENDING' }),
  );
  return (page.Transcript ?? [])
    .filter((item) => item.Type === 'ATTACHMENT')
    .map((item) => ({ id: item.Attachments![0]!.AttachmentId!, name: item.Attachments![0]!.AttachmentName!, status: item.Attachments![0]!.Status! }));
}

/** Drops files on the chat, as dragging them from the desktop does. */
async function drop(page: Page, file: { name: string; mimeType: string; text: string }): Promise<void> {
  const dataTransfer = await page.evaluateHandle(({ name, mimeType, text }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], name, { type: mimeType }));
    return transfer;
  }, file);
  await page.locator('.chat-view').dispatchEvent('dragover', { dataTransfer });
  await page.locator('.chat-view').dispatchEvent('drop', { dataTransfer });
}

test('attach a picture with progress, see it inline; the agent gets the exact bytes; the agent’s form downloads on the page', async () => {
  const page = await phone();
  const contactId = await startChat(page, 'Ada');
  const agent = await agentOn(contactId);
  await log(page).getByText('Sam joined the chat').waitFor();

  // The PUT to the bucket is held a moment, so that the progress bar can be seen.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(`${t().server.s3Endpoint}/**`, async (route) => {
    if (route.request().method() === 'PUT') await held;
    await route.continue();
  });
  const picture = pngPicture(400, 300, [200, 60, 40]);
  await attach(page, { name: 'broken screen.png', mimeType: 'image/png', buffer: picture });
  const progress = page.getByRole('progressbar', { name: 'Uploading broken screen.png' });
  await progress.waitFor();
  await screenshot(page, 'attach-01-uploading');
  release();
  await progress.waitFor({ state: 'detached' });

  const link = log(page).getByRole('link', { name: 'broken screen.png' });
  await link.waitFor();
  await log(page).getByRole('img', { name: 'Picture: broken screen.png' }).waitFor();
  await log(page).getByText(formatBytes(picture.length), { exact: true }).waitFor();
  await screenshot(page, 'attach-02-picture-shown');
  const [sent] = await attachmentIds(agent);
  expect(sent).toMatchObject({ name: 'broken screen.png', status: 'APPROVED' });
  expect((await download(t(), agent, sent!.id)).bytes.equals(picture)).toBe(true);

  // The agent sends a form: the page shows its name and size, and the link saves the exact bytes.
  await sendFile(t(), agent, 'claim form.pdf', 'application/pdf', PDF);
  const form = log(page).getByRole('link', { name: 'claim form.pdf' });
  await form.waitFor();
  await log(page).getByText(`${PDF.length} bytes`).waitFor();
  const saving = page.waitForEvent('download');
  await form.click();
  const saved = await saving;
  expect(saved.suggestedFilename()).toBe('claim form.pdf');
  expect(readFileSync((await saved.path())!).equals(PDF)).toBe(true);
  await screenshot(page, 'attach-03-form-received');
});

test('a type or size the service refuses is said in words; drop and paste send files too', async () => {
  const page = await phone();
  const contactId = await startChat(page, 'Bo');
  const agent = await agentOn(contactId);

  await attach(page, { name: 'setup.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') });
  await alert(page).getByText("We couldn't send setup.exe: Files of this type cannot be sent. Allowed: pdf, png, jpg, txt, csv.").waitFor();
  await screenshot(page, 'attach-04-type-refused');
  await attach(page, { name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([PDF, Buffer.alloc(LIMIT)]) });
  await alert(page)
    .getByText(/We couldn't send scan\.pdf: The file is too large: at most 256 KB \(262144 bytes\) can be sent/)
    .waitFor();
  await screenshot(page, 'attach-05-size-refused');

  await drop(page, { name: 'order.csv', mimeType: 'text/csv', text: 'order,amount\n42,9.99\n' });
  await log(page).getByRole('link', { name: 'order.csv' }).waitFor();
  expect(await alert(page).isHidden()).toBe(true);

  // A screenshot pasted into the message box is sent as a file.
  await page.getByLabel('Message').focus();
  await page.evaluate(
    (bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
      document.getElementById('message')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    },
    [...PNG],
  );
  await log(page).getByRole('img', { name: 'Picture: pasted.png' }).waitFor();
  expect((await attachmentIds(agent)).map((file) => file.name)).toEqual(['order.csv', 'pasted.png']);
  await screenshot(page, 'attach-06-dropped-and-pasted');
});

test('a file that is not what its name says is shown as refused, not as a link', async () => {
  const page = await phone();
  await startChat(page, 'Cy');
  await attach(page, { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a pdf</html>') });
  await log(page)
    .getByText(/invoice\.pdf was refused/)
    .waitFor();
  expect(await log(page).getByRole('link', { name: 'invoice.pdf' }).count()).toBe(0);
  await screenshot(page, 'attach-07-content-refused');
});

test('after "Continue chat", a past conversation’s files show and download', async () => {
  const page = await phone();
  const contactId = await startChat(page, 'Di');
  const agent = await agentOn(contactId);
  await attach(page, { name: 'warranty.txt', mimeType: 'text/plain', buffer: Buffer.from('Warranty until 2031') });
  await log(page).getByRole('link', { name: 'warranty.txt' }).waitFor();
  await sendFile(t(), agent, 'label.png', 'image/png', PNG);
  await log(page).getByRole('img', { name: 'Picture: label.png' }).waitFor();
  await page.getByRole('button', { name: 'End chat' }).click();
  await page.getByRole('button', { name: 'Continue chat' }).click();
  await page.getByRole('button', { name: 'Load earlier messages' }).click();

  const past = log(page).getByRole('link', { name: 'warranty.txt' });
  await past.waitFor();
  await log(page).getByRole('img', { name: 'Picture: label.png' }).waitFor();
  const saving = page.waitForEvent('download');
  await past.click();
  expect(readFileSync((await (await saving).path())!).toString()).toBe('Warranty until 2031');
  await screenshot(page, 'attach-08-past-files-after-continue');
});
