import type { Item } from './api';

/** chatjs' heartbeat period: an unanswered heartbeat by the next one means the socket is dead. */
const HEARTBEAT_MS = 10_000;
/** Reconnect backoff after a drop: 1 s, doubling, at most 30 s. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

export interface LiveOptions {
  /**
   * A fresh single-use WebSocket URL (CreateParticipantConnection with `WEBSOCKET`); each connect needs a
   * new one. Undefined: the service has no WebSocket API, and the channel stays down (items are polled).
   */
  url: () => Promise<string | undefined>;
  /** A transcript item, typing event or receipt pushed on `aws/chat`. */
  onItem: (item: Item) => void;
  /** Subscribed: from now on items arrive pushed. */
  onUp: () => void;
  /** The socket dropped: items must be polled until `onUp` again. */
  onDown: () => void;
}

/**
 * The push channel, speaking the frame protocol amazon-connect-chatjs speaks: subscribe to
 * `aws/chat`, heartbeat every 10 s, items as JSON strings in `content`. A dropped socket is
 * reopened with a new URL, backing off, until `close()`.
 */
export class LiveChannel {
  private socket?: WebSocket;
  private heartbeat?: ReturnType<typeof setInterval>;
  private retry?: ReturnType<typeof setTimeout>;
  private retryMs = RETRY_FIRST_MS;
  private up = false;
  private closed = false;

  constructor(private readonly options: LiveOptions) {}

  start(): void {
    void this.connect();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
    this.drop();
  }

  private async connect(): Promise<void> {
    let url: string | undefined;
    try {
      url = await this.options.url();
    } catch (error) {
      // Refused: this participant may no longer read the chat; polling finds that out and says so.
      if (!(error instanceof Error && error.name === 'AccessDeniedException')) this.reconnectLater();
      return;
    }
    if (this.closed || url === undefined) return;
    const socket = new WebSocket(url);
    this.socket = socket;
    let answered = true;
    socket.addEventListener('open', () => socket.send(JSON.stringify({ topic: 'aws/subscribe', content: { topics: ['aws/chat'] } })));
    socket.addEventListener('message', (event: MessageEvent<string>) => {
      let frame: { topic?: string; content?: unknown };
      try {
        frame = JSON.parse(event.data) as typeof frame;
      } catch {
        return;
      }
      if (frame.topic === 'aws/heartbeat') answered = true;
      else if (frame.topic === 'aws/subscribe' && (frame.content as { status?: string } | undefined)?.status === 'success') {
        this.up = true;
        this.retryMs = RETRY_FIRST_MS;
        this.heartbeat = setInterval(() => {
          if (!answered) return void socket.close(); // dead without a close event: start over
          answered = false;
          socket.send(JSON.stringify({ topic: 'aws/heartbeat' }));
        }, HEARTBEAT_MS);
        this.options.onUp();
      } else if (frame.topic === 'aws/chat' && typeof frame.content === 'string') {
        this.options.onItem(JSON.parse(frame.content) as Item);
      }
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.drop();
      if (!this.closed) this.reconnectLater();
    });
  }

  private drop(): void {
    clearInterval(this.heartbeat);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close();
    if (this.up) {
      this.up = false;
      if (!this.closed) this.options.onDown();
    }
  }

  private reconnectLater(): void {
    this.retry = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
