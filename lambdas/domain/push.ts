import { newItemId, isoTime } from './items';
import type { ChatConnection, Receipt, TranscriptItem } from './model';
import type { ConnectionStore } from './ports';

/**
 * Real-time delivery. The domain names what a chat's participants must see (`ChatPush.toChat`);
 * where the sockets live (API Gateway's WebSocket API, or the local server's own) is an adapter's
 * business behind `ConnectionTransport`.
 */

/** The one topic chatjs subscribes to. */
export const CHAT_TOPIC = 'aws/chat';

/** Ours, to agent desks: a waiting list the desk shows has changed (`{"QueueId"}`), so the desk reads it again. */
export const WAITING_TOPIC = 'agent/waiting';

/**
 * Where an instance's agent desks are connected: the connections of one "chat" of their own, so that
 * telling them is one Query, as a chat's fan-out is.
 */
export const agentDesks = (instanceId: string): string => `DESKS#${encodeURIComponent(instanceId)}`;

/** A change to a queue's waiting list: a contact of `queueId` (or reserved for one agent) started or stopped waiting. */
export interface QueueChange {
  instanceId: string;
  queueId?: string;
  reservedFor?: string;
}

/** What the `aws/chat` topic carries: a transcript item (or a receipt) of the chat, with its chat and contact. */
export interface ChatFrame extends Omit<TranscriptItem, 'Type'> {
  /** `MESSAGEMETADATA`: a delivered or read receipt; chatjs shows it to the message's sender. */
  Type: TranscriptItem['Type'] | 'MESSAGEMETADATA';
  InitialContactId: string;
  ContactId: string;
}

/** Who should be cut off once the frames are out: participants who left, or everyone when the chat ended. */
export type Closing = readonly string[] | 'everyone';

/** A chat's connections, being read: see `ChatPush.recipients`. */
export type Recipients = Promise<readonly ChatConnection[]>;

export interface ChatPush {
  /**
   * Sends the frames, in order, to every open connection of the chat (the sender's included), read after
   * the call, or the `recipients` read before. Never throws.
   */
  toChat(initialContactId: string, frames: readonly ChatFrame[], closing?: Closing, recipients?: Recipients): Promise<void>;
  /**
   * Starts reading the chat's connections now, for a write about to go in, so the read and the write
   * overlap. They are all that must see the write's items only if the write holds while the chat's
   * `connectionsVersion` is as it was read before this call (AppendItemWrite.connectionsVersion): any
   * connection recorded since then refuses the write; one recorded after it reads the items itself.
   */
  recipients(initialContactId: string): Recipients;
  /** Sends the frames to one connection. Never throws. */
  toConnection(connection: ChatConnection, frames: readonly ChatFrame[]): Promise<void>;
  /** Closes these connections and forgets them. Never throws. */
  disconnect(connections: readonly ChatConnection[]): Promise<void>;
  /** Tells the desks of the agents who may accept in the queue (or the one it is reserved for) that its list changed. Never throws. */
  toQueue(change: QueueChange): Promise<void>;
}

/** The management side of the sockets: API Gateway's `@connections` API, or the local server's sockets. */
export interface ConnectionTransport {
  /** Sends one text frame; `gone` when the connection no longer exists (API Gateway's 410). */
  post(connectionId: string, data: string): Promise<'sent' | 'gone'>;
  /** Closes the connection; a connection already gone is not an error. */
  close(connectionId: string): Promise<void>;
}

export const itemFrames = (initialContactId: string, contactId: string, items: readonly TranscriptItem[]): ChatFrame[] =>
  items.map((item) => ({ ...item, InitialContactId: initialContactId, ContactId: contactId }));

/** Amazon Connect's receipt frame: the message's metadata with the one new receipt. */
export function receiptFrame(initialContactId: string, contactId: string, messageId: string, receipt: Receipt, now: number): ChatFrame {
  return {
    Id: newItemId(now),
    AbsoluteTime: isoTime(now),
    Type: 'MESSAGEMETADATA',
    ContentType: 'application/vnd.amazonaws.connect.event.message.metadata',
    MessageMetadata: { MessageId: messageId, Receipts: [receipt] },
    InitialContactId: initialContactId,
    ContactId: contactId,
  };
}

/** The frame on the wire: chatjs parses `content`, a JSON string, as the item. */
const onTopic = (frame: ChatFrame): string => JSON.stringify({ topic: CHAT_TOPIC, contentType: 'application/json', content: JSON.stringify(frame) });

export interface FanoutDeps {
  connections: ConnectionStore;
  transport: ConnectionTransport;
  now: () => number;
  warn: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * Fan-out: one query for the chat's connections, then the frames to each of them in parallel.
 * A message is stored before it is pushed, so a failed push loses nothing (the reader catches up
 * with GetTranscript); it is logged, never thrown back at the sender.
 */
export class ConnectionFanout implements ChatPush {
  constructor(private readonly deps: FanoutDeps) {}

  async toChat(initialContactId: string, frames: readonly ChatFrame[], closing?: Closing, recipients?: Recipients): Promise<void> {
    if (!frames.length && !closing) return;
    try {
      const connections = await (recipients ?? this.deps.connections.chatConnections(initialContactId));
      const texts = frames.map(onTopic);
      await Promise.all(connections.map((connection) => this.deliver(connection, texts, closing)));
    } catch (error) {
      this.deps.warn('push failed', { initialContactId, error: String(error) });
    }
  }

  recipients(initialContactId: string): Recipients {
    const read = this.deps.connections.chatConnections(initialContactId);
    // Handled where it is awaited (toChat); a write refused before that leaves it unawaited, which must not crash the process.
    read.catch(() => undefined);
    return read;
  }

  async toQueue({ instanceId, queueId, reservedFor }: QueueChange): Promise<void> {
    try {
      const desks = (await this.deps.connections.chatConnections(agentDesks(instanceId))).filter(
        (desk) => desk.participantId === reservedFor || (queueId !== undefined && desk.queues?.includes(queueId)),
      );
      const text = JSON.stringify({ topic: WAITING_TOPIC, contentType: 'application/json', content: JSON.stringify({ QueueId: queueId }) });
      await Promise.all(desks.map((desk) => this.deliver(desk, [text], undefined)));
    } catch (error) {
      this.deps.warn('push to agent desks failed', { instanceId, queueId, error: String(error) });
    }
  }

  async toConnection(connection: ChatConnection, frames: readonly ChatFrame[]): Promise<void> {
    await this.deliver(connection, frames.map(onTopic), undefined);
  }

  async disconnect(connections: readonly ChatConnection[]): Promise<void> {
    await Promise.all(
      connections.map((connection) =>
        this.cut(connection).catch((error: unknown) =>
          this.deps.warn('closing a connection failed', { connectionId: connection.connectionId, error: String(error) }),
        ),
      ),
    );
  }

  private async deliver(connection: ChatConnection, texts: readonly string[], closing: Closing | undefined): Promise<void> {
    try {
      if (connection.expiresAt <= this.deps.now()) return await this.cut(connection);
      for (const text of texts) {
        if ((await this.deps.transport.post(connection.connectionId, text)) === 'gone') {
          return await this.deps.connections.removeConnection(connection);
        }
      }
      if (closing === 'everyone' || closing?.includes(connection.participantId)) await this.cut(connection);
    } catch (error) {
      this.deps.warn('push to a connection failed', { connectionId: connection.connectionId, error: String(error) });
    }
  }

  /** Removed from the store first: no later push reaches it, whether or not the close event comes. */
  private async cut(connection: ChatConnection): Promise<void> {
    await this.deps.connections.removeConnection(connection);
    await this.deps.transport.close(connection.connectionId);
  }
}
