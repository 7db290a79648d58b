import { StartChatContactCommand, StopContactCommand, UpdateParticipantRoleConfigCommand } from '@aws-sdk/client-connect';
import WebSocket from 'ws';
import { PDF, pngPicture, sendFile } from '../support/attachments';
import { INSTANCE, joinAgent, say, startChat, transfer } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';

/**
 * amazon-connect-chatjs itself, unmodified, against the local server: only its endpoint changes.
 * chatjs 5 is a browser bundle; in Node it needs a few browser globals, and `WebSocket` from `ws`.
 */
interface ChatjsItem {
  Id: string;
  Type: string;
  Content?: string;
  ContentType: string;
  ParticipantRole?: string;
  Attachments?: { AttachmentId: string; AttachmentName: string; ContentType: string; Status: string }[];
}
interface ChatjsSession {
  sendAttachment(args: { attachment: File }): Promise<unknown>;
  downloadAttachment(args: { attachmentId: string }): Promise<Blob>;
  getAttachmentURL(args: { attachmentId: string }): Promise<string>;
  connect(): Promise<unknown>;
  onMessage(callback: (event: { data: ChatjsItem }) => void): void;
  onChatRehydrated(callback: (event: { data: ChatjsItem }) => void): void;
  onParticipantIdle(callback: (event: { data: ChatjsItem }) => void): void;
  onParticipantReturned(callback: (event: { data: ChatjsItem }) => void): void;
  onAutoDisconnection(callback: (event: { data: ChatjsItem }) => void): void;
  sendMessage(args: { contentType: string; message: string }): Promise<unknown>;
  getTranscript(args: {
    scanDirection?: string;
    sortOrder?: string;
    maxResults?: number;
    nextToken?: string;
  }): Promise<{ data: { Transcript: ChatjsItem[]; NextToken?: string } }>;
  disconnectParticipant(): Promise<unknown>;
}
interface Chatjs {
  ChatSession: {
    setGlobalConfig(config: object): void;
    create(args: object): ChatjsSession;
  };
}

const globals = globalThis as unknown as Record<string, unknown>;
Object.assign(globals, { self: globalThis, window: globalThis, WebSocket });
Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'node', onLine: true, language: 'en' }, configurable: true });
// Loaded after the shims: the bundle reads them, and sets `connect` on the global object, as it loads.
require('amazon-connect-chatjs');
const chatjs = globals.connect as Chatjs;

let t: TestServer;
const sessions: ChatjsSession[] = [];
/** The server's clock runs this far ahead of the real one (the idle timers' test moves it). */
let skew = 0;

beforeAll(async () => {
  t = await startTestServer({ now: () => Date.now() + skew, sweepIntervalMs: 100 });
  chatjs.ChatSession.setGlobalConfig({ region: 'us-east-1', endpoint: t.server.url, loggerConfig: { useDefaultLogger: false } });
});
afterAll(async () => {
  // Leaving ends each chat, and the server closes the sockets: chatjs keeps no timers running.
  await Promise.allSettled(sessions.map((session) => session.disconnectParticipant()));
  await t.stop();
});

async function customerSession(
  contactId: string,
  participantId: string,
  participantToken: string,
  listen?: (session: ChatjsSession) => void,
): Promise<ChatjsSession> {
  const session = chatjs.ChatSession.create({
    chatDetails: { ContactId: contactId, ParticipantId: participantId, ParticipantToken: participantToken },
    type: 'CUSTOMER',
    options: { region: 'us-east-1' },
    disableCSM: true,
  });
  sessions.push(session);
  listen?.(session);
  await session.connect();
  return session;
}

const start = (extra: object = {}) =>
  t.connect.send(new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'flow', ParticipantDetails: { DisplayName: 'Ann' }, ...extra }));

describe('amazon-connect-chatjs against the local server', () => {
  it("connects over the WebSocket and receives an agent's message within a second", async () => {
    const started = await start();
    const session = await customerSession(started.ContactId!, started.ParticipantId!, started.ParticipantToken!);
    const received: ChatjsItem[] = [];
    session.onMessage(({ data }) => received.push(data));
    const agent = await joinAgent(t, started.ContactId!, 'Bob');
    const id = await say(t, agent, 'hello from the agent');
    const deadline = Date.now() + 1000;
    while (!received.some((item) => item.Id === id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received.find((item) => item.Id === id)).toMatchObject({ Type: 'MESSAGE', Content: 'hello from the agent', ParticipantRole: 'AGENT' });
  });

  it('raises onParticipantIdle, onParticipantReturned and onAutoDisconnection from the idle timers', async () => {
    const started = await start();
    const seen: string[] = [];
    const session = await customerSession(started.ContactId!, started.ParticipantId!, started.ParticipantToken!, (s) => {
      s.onParticipantIdle(({ data }) => seen.push(`idle ${data.ParticipantRole}`));
      s.onParticipantReturned(({ data }) => seen.push(`returned ${data.ParticipantRole}`));
      s.onAutoDisconnection(({ data }) => seen.push(`autodisconnection ${data.ParticipantRole}`));
    });
    // Amazon Connect runs the timers only while an agent is on the chat.
    await joinAgent(t, started.ContactId!, 'Bob');
    const timer = (TimerType: 'IDLE' | 'DISCONNECT_NONCUSTOMER', minutes: number) => ({
      ParticipantRole: 'CUSTOMER' as const,
      TimerType,
      TimerValue: { ParticipantTimerDurationInMinutes: minutes },
    });
    await t.connect.send(
      new UpdateParticipantRoleConfigCommand({
        InstanceId: INSTANCE,
        ContactId: started.ContactId!,
        ChannelConfiguration: { Chat: { ParticipantTimerConfigList: [timer('IDLE', 2), timer('DISCONNECT_NONCUSTOMER', 2)] } },
      }),
    );
    // Each step waits for the sweep's next pass: seconds, or more on a busy machine. Moving on before the
    // frame came would change what the next step means (a message sent before idleness returns no one).
    const until = async (count: number) => {
      for (const deadline = Date.now() + 25_000; seen.length < count && Date.now() < deadline; )
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen).toHaveLength(count);
    };
    try {
      skew = 2.5 * 60_000;
      await until(1);
      await session.sendMessage({ contentType: 'text/plain', message: 'still here' });
      await until(2);
      skew = 5 * 60_000;
      await until(3);
      skew = 7 * 60_000;
      await until(4);
    } finally {
      skew = 0;
    }
    expect(seen).toEqual(['idle CUSTOMER', 'returned CUSTOMER', 'idle CUSTOMER', 'autodisconnection CUSTOMER']);
  }, 120_000);

  it('reads the whole chat after a transfer with one getTranscript, as chatjs does on load and on reconnect', async () => {
    const started = await start();
    const session = await customerSession(started.ContactId!, started.ParticipantId!, started.ParticipantToken!);
    const first = await joinAgent(t, started.ContactId!, 'A1');
    await say(t, first, 'before the transfer');
    const next = await transfer(t, started.ContactId!, 'billing');
    const second = await joinAgent(t, next, 'A2');
    await say(t, second, 'after the transfer');
    for (const maxResults of [15, 100]) {
      const page = await session.getTranscript({ scanDirection: 'BACKWARD', sortOrder: 'ASCENDING', maxResults });
      expect(page.data.Transcript.filter((item) => item.Type === 'MESSAGE').map((item) => item.Content)).toEqual([
        'before the transfer',
        'after the transfer',
      ]);
      expect(page.data.NextToken).toBeUndefined();
    }
  });

  it('raises onChatRehydrated once and loads the past transcript of a rehydrated chat with getTranscript BACKWARD and NextToken', async () => {
    const first = await startChat(t);
    const agent = await joinAgent(t, first.contactId, 'Bob');
    const past: string[] = [];
    for (let i = 0; i < 12; i++) past.push(await say(t, i % 2 ? agent : first, `past ${i}`).then(() => `past ${i}`));
    await t.connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: first.contactId }));

    const resumed = await start({ PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: first.contactId } });
    let rehydrated = 0;
    const session = await customerSession(resumed.ContactId!, resumed.ParticipantId!, resumed.ParticipantToken!, (created) =>
      created.onChatRehydrated(() => rehydrated++),
    );
    const seen: ChatjsItem[] = [];
    let page = await session.getTranscript({ scanDirection: 'BACKWARD', sortOrder: 'ASCENDING', maxResults: 5 });
    seen.push(...page.data.Transcript);
    while (page.data.NextToken) {
      page = await session.getTranscript({ scanDirection: 'BACKWARD', sortOrder: 'ASCENDING', maxResults: 5, nextToken: page.data.NextToken });
      seen.push(...page.data.Transcript);
    }
    const texts = seen.filter((item) => item.Type === 'MESSAGE').map((item) => item.Content);
    expect(texts.sort()).toEqual([...past].sort());
    expect(new Set(seen.map((item) => item.Id)).size).toBe(seen.length);
    // Pushed at the first subscription, before connect() resolved or right after: chatjs raised its event once.
    const deadline = Date.now() + 1000;
    while (rehydrated === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(rehydrated).toBe(1);
  });
});

describe('attachments with amazon-connect-chatjs', () => {
  it('sendAttachment uploads a file (StartAttachmentUpload, PUT, CompleteAttachmentUpload); its item comes back checked; downloadAttachment returns its exact bytes', async () => {
    const started = await start();
    const received: ChatjsItem[] = [];
    const session = await customerSession(started.ContactId!, started.ParticipantId!, started.ParticipantToken!, (s) =>
      s.onMessage(({ data }) => received.push(data)),
    );
    const picture = pngPicture(8, 8, [10, 200, 30]);
    await session.sendAttachment({ attachment: new File([new Uint8Array(picture)], 'photo.png', { type: 'image/png' }) });

    const deadline = Date.now() + 2000;
    const checked = () => received.find((item) => item.Type === 'ATTACHMENT' && item.Attachments?.[0]?.Status === 'APPROVED');
    while (!checked() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const item = checked()!;
    expect(item).toMatchObject({
      ContentType: 'image/png',
      ParticipantRole: 'CUSTOMER',
      Attachments: [{ AttachmentName: 'photo.png', ContentType: 'image/png', Status: 'APPROVED' }],
    });
    // Pushed twice with one Id, as Amazon Connect pushes a checked file: chatjs keeps the later one.
    expect(received.filter((entry) => entry.Id === item.Id).map((entry) => entry.Attachments![0]!.Status)).toEqual(['IN_PROGRESS', 'APPROVED']);

    const blob = await session.downloadAttachment({ attachmentId: item.Attachments![0]!.AttachmentId });
    expect(Buffer.from(await blob.arrayBuffer()).equals(picture)).toBe(true);
    expect(await session.getAttachmentURL({ attachmentId: item.Attachments![0]!.AttachmentId })).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/,
    );
  });

  it("an agent's file reaches chatjs' onMessage and downloads; a forbidden type is refused with the model's error", async () => {
    const started = await start();
    const received: ChatjsItem[] = [];
    const session = await customerSession(started.ContactId!, started.ParticipantId!, started.ParticipantToken!, (s) =>
      s.onMessage(({ data }) => received.push(data)),
    );
    const agent = await joinAgent(t, started.ContactId!, 'Bob');
    const attachmentId = await sendFile(t, agent, 'form.pdf', 'application/pdf', PDF);
    const deadline = Date.now() + 2000;
    while (!received.some((item) => item.Attachments?.[0]?.Status === 'APPROVED') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received.find((item) => item.Attachments?.[0]?.Status === 'APPROVED')).toMatchObject({
      ParticipantRole: 'AGENT',
      Attachments: [{ AttachmentId: attachmentId, AttachmentName: 'form.pdf' }],
    });
    expect(Buffer.from(await (await session.downloadAttachment({ attachmentId })).arrayBuffer()).equals(PDF)).toBe(true);

    await expect(session.sendAttachment({ attachment: new File(['MZ'], 'tool.exe', { type: 'application/x-msdownload' }) })).rejects.toMatchObject({
      type: 'ValidationException',
      statusCode: 400,
    });
  });
});
