import { CreateParticipantCommand } from '@aws-sdk/client-connect';
import { CreateParticipantConnectionCommand } from '@aws-sdk/client-connectparticipant';
import WebSocket from 'ws';
import type { ApiClients, TestServer } from './local-server';

/** An `aws/chat` frame's content: a transcript item with its chat and contact. */
export interface PushedItem {
  Id: string;
  Type: string;
  ContentType: string;
  Content?: string;
  ParticipantId?: string;
  ParticipantRole?: string;
  AbsoluteTime: string;
  InitialContactId: string;
  ContactId: string;
  MessageMetadata?: { MessageId: string; Receipts: { RecipientParticipantId: string; ReadTimestamp?: string; DeliveredTimestamp?: string }[] };
}

/** A raw WebSocket client speaking chatjs' frames, keeping every frame it receives. */
export class FrameClient {
  readonly frames: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Opens the socket, or rejects with the HTTP status the handshake was refused with. */
  static open(url: string): Promise<FrameClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new FrameClient(socket)));
      socket.once('unexpected-response', (_request, response) => {
        reject(new Error(`refused: ${response.statusCode}`));
        socket.terminate();
      });
      socket.once('error', reject);
    });
  }

  send(frame: object): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The first frame (seen or to come) that matches, within `ms`. */
  async next(match: (frame: Record<string, unknown>) => boolean, ms = 1000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (this.closed) throw new Error('the socket closed first');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${ms} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The `aws/chat` items received so far. */
  items(): PushedItem[] {
    return this.frames.filter((frame) => frame.topic === 'aws/chat').map((frame) => JSON.parse(frame.content as string) as PushedItem);
  }

  /** The first pushed item that matches, within `ms`. */
  async item(match: (item: PushedItem) => boolean, ms = 1000): Promise<PushedItem> {
    const frame = await this.next((f) => f.topic === 'aws/chat' && match(JSON.parse(f.content as string) as PushedItem), ms);
    return JSON.parse(frame.content as string) as PushedItem;
  }

  async waitClosed(ms = 2000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the socket is still open');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** CreateParticipantConnection with WEBSOCKET and CONNECTION_CREDENTIALS, as chatjs calls it. */
export async function websocketConnection(t: ApiClients, participantToken: string) {
  const response = await t.participant.send(
    new CreateParticipantConnectionCommand({ ParticipantToken: participantToken, Type: ['WEBSOCKET', 'CONNECTION_CREDENTIALS'] }),
  );
  return {
    url: response.Websocket!.Url!,
    expiry: response.Websocket!.ConnectionExpiry!,
    connectionToken: response.ConnectionCredentials!.ConnectionToken!,
  };
}

/** An agent joined to the contact only to watch: its subscribed socket, receiving every `aws/chat` frame of the chat. */
export async function watchChat(t: TestServer, instanceId: string, contactId: string): Promise<FrameClient> {
  const joined = await t.connect.send(
    new CreateParticipantCommand({
      InstanceId: instanceId,
      ContactId: contactId,
      ParticipantDetails: { ParticipantRole: 'AGENT', DisplayName: 'Watcher' },
    }),
  );
  const socket = await FrameClient.open((await websocketConnection(t, joined.ParticipantCredentials!.ParticipantToken!)).url);
  socket.send({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } });
  await socket.next((frame) => frame.topic === 'aws/subscribe');
  return socket;
}
