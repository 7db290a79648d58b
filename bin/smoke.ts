import { randomUUID } from 'node:crypto';
import {
  ConnectClient,
  type ConnectClientConfig,
  StartChatContactCommand,
  type StartChatContactCommandInput,
  StopContactCommand,
} from '@aws-sdk/client-connect';
import {
  CompleteAttachmentUploadCommand,
  ConnectParticipantClient,
  CreateParticipantConnectionCommand,
  GetAttachmentCommand,
  GetTranscriptCommand,
  type Item,
  SendMessageCommand,
  StartAttachmentUploadCommand,
} from '@aws-sdk/client-connectparticipant';
import WebSocket from 'ws';

/**
 * `npm run smoke -- <api-url>`: a short persistent chat against a deployed stack, through the
 * unmodified SDK clients and the caller's AWS credentials (the default provider chain). It starts
 * a chat, says something, ends it, continues it as a persistent chat (ENTIRE_PAST_SESSION) and
 * pages the transcript BACKWARD until the first chat's message comes back; then opens the
 * continued chat's WebSocket as chatjs does and waits for its own next message to be pushed. A file
 * sent in the first chat (pre-signed PUT to the bucket) is downloaded from the continued one.
 */
const INSTANCE = 'smoke-test';

async function main(apiUrl: string | undefined): Promise<void> {
  if (!apiUrl) throw new Error('usage: npm run smoke -- <api-url>   (the ApiUrl output of the stack)');
  const endpoint = apiUrl.replace(/\/+$/, '');
  const region = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(endpoint)?.[1] ?? process.env.AWS_REGION;
  if (!region) throw new Error('cannot tell the region from the URL: set AWS_REGION');

  // The Connect client signs for `connect` by default; API Gateway's IAM authorization checks `execute-api`.
  const connectConfig: ConnectClientConfig & { signingName: string } = { endpoint, region, signingName: 'execute-api' };
  const connect = new ConnectClient(connectConfig);
  // The participant API authorizes by X-Amz-Bearer; the SDK signs as well, which the gateway ignores there.
  const participant = new ConnectParticipantClient({ endpoint, region });

  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await run();
    process.stdout.write(`ok  ${name} (${Date.now() - started} ms)\n`);
    return result;
  };
  const startChat = async (extra: Partial<StartChatContactCommandInput> = {}) => {
    const started = await connect.send(
      new StartChatContactCommand({ InstanceId: INSTANCE, ContactFlowId: 'smoke', ParticipantDetails: { DisplayName: 'Smoke test' }, ...extra }),
    );
    const { ConnectionCredentials } = await participant.send(
      new CreateParticipantConnectionCommand({
        ParticipantToken: started.ParticipantToken!,
        Type: ['CONNECTION_CREDENTIALS'],
        ConnectParticipant: true,
      }),
    );
    return {
      contactId: started.ContactId!,
      participantToken: started.ParticipantToken!,
      connectionToken: ConnectionCredentials!.ConnectionToken!,
      continuedFrom: started.ContinuedFromContactId,
    };
  };

  const text = `smoke ${randomUUID()}`;
  const first = await step('StartChatContact + CreateParticipantConnection', () => startChat());
  await step('SendMessage', () =>
    participant.send(new SendMessageCommand({ ConnectionToken: first.connectionToken, ContentType: 'text/plain', Content: text })),
  );
  const file = Buffer.from(`${text}\n`);
  const attachmentId = await step('StartAttachmentUpload, PUT to the pre-signed URL, CompleteAttachmentUpload', async () => {
    const upload = await participant.send(
      new StartAttachmentUploadCommand({
        ConnectionToken: first.connectionToken,
        AttachmentName: 'smoke.txt',
        ContentType: 'text/plain',
        AttachmentSizeInBytes: file.length,
      }),
    );
    const put = await fetch(upload.UploadMetadata!.Url!, {
      method: 'PUT',
      headers: upload.UploadMetadata!.HeadersToInclude,
      body: new Uint8Array(file),
    });
    if (!put.ok) throw new Error(`the bucket refused the upload: ${put.status} ${await put.text()}`);
    await participant.send(new CompleteAttachmentUploadCommand({ ConnectionToken: first.connectionToken, AttachmentIds: [upload.AttachmentId!] }));
    return upload.AttachmentId!;
  });
  await step('StopContact', () => connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: first.contactId })));

  const second = await step('StartChatContact (persistent chat, ENTIRE_PAST_SESSION)', () =>
    startChat({ PersistentChat: { RehydrationType: 'ENTIRE_PAST_SESSION', SourceContactId: first.contactId } }),
  );
  if (second.continuedFrom !== first.contactId) throw new Error(`ContinuedFromContactId is ${second.continuedFrom}, expected ${first.contactId}`);

  const items = await step('GetTranscript, BACKWARD until no NextToken', async () => {
    const seen: Item[] = [];
    let nextToken: string | undefined;
    do {
      const page = await participant.send(
        new GetTranscriptCommand({ ConnectionToken: second.connectionToken, ScanDirection: 'BACKWARD', MaxResults: 2, NextToken: nextToken }),
      );
      seen.push(...(page.Transcript ?? []));
      nextToken = page.NextToken;
    } while (nextToken && seen.length < 1000);
    return seen;
  });
  const found = items.find((item) => item.Content === text);
  if (!found) throw new Error(`the first chat's message is not in the continued chat's transcript (${items.length} items read)`);
  if (found.RelatedContactId !== first.contactId)
    throw new Error(`the past message has RelatedContactId ${found.RelatedContactId}, expected ${first.contactId}`);
  const status = items.find((item) => item.Attachments?.[0]?.AttachmentId === attachmentId)?.Attachments?.[0]?.Status;
  if (status !== 'APPROVED') throw new Error(`the past chat's file is ${status ?? 'not in the transcript'}, expected APPROVED`);

  await step("GetAttachment of the past chat's file from the continued chat, and a GET of its URL", async () => {
    const got = await participant.send(new GetAttachmentCommand({ ConnectionToken: second.connectionToken, AttachmentId: attachmentId }));
    const bytes = Buffer.from(await (await fetch(got.Url!)).arrayBuffer());
    if (!bytes.equals(file)) throw new Error(`the downloaded file differs from the one sent (${bytes.length} bytes, expected ${file.length})`);
  });

  await step('WebSocket: connect, subscribe, SendMessage pushed as an aws/chat frame', async () => {
    const { Websocket } = await participant.send(
      new CreateParticipantConnectionCommand({ ParticipantToken: second.participantToken, Type: ['WEBSOCKET'] }),
    );
    const socket = new WebSocket(Websocket!.Url!);
    try {
      const pushed = `pushed ${randomUUID()}`;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no subscription answer and pushed message within 10 s')), 10_000);
        socket.once('error', reject);
        socket.once('open', () => socket.send(JSON.stringify({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } })));
        socket.on('message', (data) => {
          const frame = JSON.parse(data.toString()) as { topic?: string; content?: unknown };
          if (frame.topic === 'aws/subscribe') {
            participant
              .send(new SendMessageCommand({ ConnectionToken: second.connectionToken, ContentType: 'text/plain', Content: pushed }))
              .catch(reject);
          } else if (frame.topic === 'aws/chat' && (JSON.parse(String(frame.content)) as Item).Content === pushed) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      socket.close();
    }
  });

  await step('StopContact (the continued chat)', () => connect.send(new StopContactCommand({ InstanceId: INSTANCE, ContactId: second.contactId })));
  process.stdout.write(`smoke test passed against ${endpoint}\n`);
}

main(process.argv[2]).catch((error: unknown) => {
  const name = error instanceof Error ? error.name : 'Error';
  process.stderr.write(`smoke test failed: ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
