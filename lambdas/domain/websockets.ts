import { randomUUID } from 'node:crypto';
import { accessDenied } from './errors';
import { EVENT, isoTime } from './items';
import type { KeyRing } from './keys';
import { continuesPastChat } from './line';
import type { ChatConnection } from './model';
import type { Participants, Reader } from './participants';
import { agentDesks, CHAT_TOPIC, type ChatPush, itemFrames } from './push';
import { type GrantPayload, grantFromPayload, grantPayload, openToken, type SignedPayload, signToken } from './signed-token';
import { type ConnectionStore, type ContactStore, WriteConflict } from './ports';
import { LIMITS, QUOTAS } from './limits';

/** Amazon Connect: the WebSocket URL must be connected to within 100 seconds of being issued. */
export const WEBSOCKET_URL_TTL_MS = 100_000;
/** A connection lives an hour; chatjs opens its next one after 59 minutes. */
export const WEBSOCKET_CONNECTION_TTL_MS = 60 * 60_000;
/**
 * A connection's frames are counted per window of this length (aligned on the clock); QUOTAS.FramesPerConnectionWindow
 * bounds how many one connection may send in it.
 */
export const FRAME_WINDOW_MS = 10_000;
/**
 * Frames of a connection per window that one container only counts in memory: chatjs' pace costs no
 * write. Past them, each frame is also counted on the connection's record, where the counts of every
 * container (Lambda spreads one socket's frames over many) add up. A connection is thus refused after
 * at most the quota + FRAMES_COUNTED_IN_MEMORY x (containers that served it) frames in a window.
 */
export const FRAMES_COUNTED_IN_MEMORY = 4;
/** Connections whose window counts one container keeps (those of older windows are dropped first). */
const FRAME_COUNTS_KEPT = 10_000;

/**
 * What a WebSocket URL says, signed: its own id (a URL serves one connection), the participant it
 * speaks for, and when it stops being usable. Browsers cannot set headers on a WebSocket, so the
 * URL carries its credential itself; its own signing purpose keeps it from passing for any other token.
 */
/** A grant, plus the URL's own id (`j`): claimed at $connect, so the URL serves one connection. */
interface UrlPayload extends GrantPayload {
  j: string;
}

/**
 * An agent desk's WebSocket URL (its own signing purpose): the instance, the agent and its queues as its
 * access token named them when the URL was asked for, and the URL's own id.
 */
interface DeskUrlPayload extends SignedPayload {
  n: string;
  u: string;
  q: string[];
  j: string;
}

export interface WebsocketsDeps {
  participants: Participants;
  connections: ConnectionStore;
  store: Pick<ContactStore, 'getContact' | 'queryItems'>;
  push: ChatPush;
  keys: KeyRing;
  now: () => number;
  /** The WebSocket endpoint the URLs point at: API Gateway's `wss://` stage URL, or the local server's `ws://127.0.0.1:<port>/...`. */
  baseUrl: string;
}

/** A frame of chatjs' protocol, as the client sends it. */
interface ClientFrame {
  topic?: unknown;
  content?: { topics?: unknown };
}

/** API Gateway's answer to a throttled frame. */
const THROTTLED = 'Too Many Requests';

/** The WebSocket side of the participant API: issuing URLs, admitting connections, answering chatjs' frames. */
export class Websockets {
  /** This container's frame counts: connection id -> its window and the frames seen in it. */
  private readonly frameCounts = new Map<string, { window: number; frames: number }>();

  constructor(private readonly deps: WebsocketsDeps) {}

  /** CreateParticipantConnection's `Websocket`: a single-use URL for the participant, valid for 100 seconds. */
  url(reader: Reader): { Url: string; ConnectionExpiry: string } {
    const now = this.deps.now();
    const payload: UrlPayload = { ...grantPayload(reader.grant, now, now + WEBSOCKET_URL_TTL_MS), j: randomUUID() };
    const url = new URL(this.deps.baseUrl);
    url.searchParams.set('token', signToken(this.deps.keys, 'websocket-url', payload));
    return { Url: url.toString(), ConnectionExpiry: isoTime(payload.x * 1000) };
  }

  /**
   * An agent desk's URL (`POST /agent-api/connection`): single use, valid for 100 seconds, like a
   * participant's. None without a WebSocket API: the desk then polls.
   */
  deskUrl(instanceId: string, agent: { username: string; queues: readonly string[] }): { Url: string; ConnectionExpiry: string } | undefined {
    if (!this.deps.baseUrl) return undefined;
    const now = this.deps.now();
    const payload: DeskUrlPayload = {
      n: instanceId,
      u: agent.username,
      q: [...agent.queues],
      j: randomUUID(),
      x: Math.floor((now + WEBSOCKET_URL_TTL_MS) / 1000),
    };
    const url = new URL(this.deps.baseUrl);
    url.searchParams.set('token', signToken(this.deps.keys, 'desk-websocket-url', payload));
    return { Url: url.toString(), ConnectionExpiry: isoTime(payload.x * 1000) };
  }

  /**
   * $connect: admits a connection if its URL is authentic, unexpired and unused, and its participant
   * is still in an active chat. The URL is claimed in the same write that records the connection,
   * so two connects racing with one URL cannot both get in.
   */
  async open(token: string | undefined, connectionId: string): Promise<ChatConnection> {
    const now = this.deps.now();
    const payload = token ? openToken<UrlPayload>(this.deps.keys, 'websocket-url', token, now) : 'invalid';
    const desk = token && payload === 'invalid' ? openToken<DeskUrlPayload>(this.deps.keys, 'desk-websocket-url', token, now) : 'invalid';
    if (desk !== 'invalid') return this.openDesk(desk, connectionId);
    if (payload === 'expired') throw accessDenied('The WebSocket URL has expired; call CreateParticipantConnection for a new one');
    if (payload === 'invalid' || payload.v !== 1) throw accessDenied('The WebSocket URL is not valid');
    const grant = grantFromPayload(payload);
    await this.deps.participants.admit(grant, { active: true });
    const connection: ChatConnection = {
      connectionId,
      initialContactId: payload.i,
      participantId: payload.p,
      role: payload.r,
      connectedAt: now,
      expiresAt: now + WEBSOCKET_CONNECTION_TTL_MS,
    };
    try {
      await this.deps.connections.openConnection(connection, { id: payload.j, expiresAt: grant.expiresAt }, { chat: true });
    } catch (error) {
      if (error instanceof WriteConflict && error.reason === 'already-exists')
        throw accessDenied('The WebSocket URL has been used already; call CreateParticipantConnection for a new one');
      // The chat was erased since the check above.
      if (error instanceof WriteConflict) throw accessDenied('The token is invalid or has expired');
      throw error;
    }
    // A leave or an end between the check above and the write pushed its closing before this connection
    // was on record, so it would have stayed open: check again. A leave after the write finds it on record.
    try {
      await this.deps.participants.admit(grant, { active: true });
    } catch (error) {
      await this.deps.connections.removeConnection(connection);
      throw error;
    }
    await this.closeOldest(connection);
    // A newer connection of the participant may have closed this one meanwhile: then it is refused, not left open unheard.
    if (!(await this.deps.connections.getConnection(connectionId))) {
      throw accessDenied(`A participant keeps at most ${QUOTAS.ConnectionsPerParticipant} WebSocket connections; newer ones replaced this one`);
    }
    return connection;
  }

  /**
   * An agent desk's connection: recorded among the instance's desks, claiming its URL as a participant's
   * does. It carries only nudges that a waiting list changed (`ChatPush.toQueue`), never a chat's content.
   */
  private async openDesk(payload: DeskUrlPayload | 'expired', connectionId: string): Promise<ChatConnection> {
    if (payload === 'expired') throw accessDenied('The WebSocket URL has expired; ask /agent-api/connection for a new one');
    const now = this.deps.now();
    const connection: ChatConnection = {
      connectionId,
      initialContactId: agentDesks(payload.n),
      participantId: payload.u,
      role: 'AGENT',
      connectedAt: now,
      expiresAt: now + WEBSOCKET_CONNECTION_TTL_MS,
      queues: payload.q,
    };
    try {
      await this.deps.connections.openConnection(connection, { id: payload.j, expiresAt: payload.x * 1000 }, { chat: false });
    } catch (error) {
      if (error instanceof WriteConflict) throw accessDenied('The WebSocket URL has been used already; ask /agent-api/connection for a new one');
      throw error;
    }
    await this.closeOldest(connection);
    return connection;
  }

  /**
   * Keeps the participant's newest QUOTAS.ConnectionsPerParticipant connections, this one among them:
   * one Query on the chat's connections, read after this one is on record, so of connections opened at
   * once the last to read sees them all.
   */
  private async closeOldest(connection: ChatConnection): Promise<void> {
    const others = (await this.deps.connections.chatConnections(connection.initialContactId)).filter(
      (other) => other.participantId === connection.participantId && other.connectionId !== connection.connectionId,
    );
    const excess = others.length + 1 - QUOTAS.ConnectionsPerParticipant;
    if (excess <= 0) return;
    others.sort((a, b) => a.connectedAt - b.connectedAt || (a.connectionId < b.connectionId ? -1 : 1));
    await this.deps.push.disconnect(others.slice(0, excess));
  }

  /** $disconnect: the connection is forgotten (a connection the fan-out removed first is no error). */
  async close(connectionId: string): Promise<void> {
    const connection = await this.deps.connections.getConnection(connectionId);
    if (connection) await this.deps.connections.removeConnection(connection);
  }

  /**
   * chatjs' frames: subscribe (to `aws/chat` only), the heartbeat, and the deep heartbeat `aws/ping`,
   * which answers 200 only while the connection is still on record and unexpired. Anything else gets
   * API Gateway's answer to an unknown route, which chatjs reports as a topic failure.
   */
  async answer(connectionId: string, text: string | undefined): Promise<object> {
    if (!(await this.withinFrameLimit(connectionId))) return { message: THROTTLED, connectionId };
    let frame: ClientFrame;
    try {
      frame = JSON.parse(text ?? '') as ClientFrame;
    } catch {
      frame = {};
    }
    switch (frame?.topic) {
      case 'aws/subscribe': {
        const topics = frame.content?.topics;
        const valid = Array.isArray(topics) && topics.length > 0 && topics.every((topic) => topic === CHAT_TOPIC);
        if (valid) await this.announceRehydration(connectionId);
        return { topic: 'aws/subscribe', content: { status: valid ? 'success' : 'failure', topics: Array.isArray(topics) ? topics : [] } };
      }
      case 'aws/heartbeat':
        return { topic: 'aws/heartbeat' };
      case 'aws/ping': {
        // Eventually consistent (0.5 RRU, every 10 s a socket: most of the stack's reads at scale). A stale
        // read can only answer 200 for a connection removed a moment ago, whose socket is already closing
        // ($disconnect, or the server closing it); expiry is the record's own time, which never changes.
        const connection = await this.deps.connections.getConnection(connectionId, { eventual: true });
        const alive = connection !== undefined && connection.expiresAt > this.deps.now();
        return alive ? { topic: 'aws/ping', statusCode: 200 } : { topic: 'aws/ping', statusCode: 410, statusContent: 'The connection has expired' };
      }
      default:
        return { message: 'Forbidden', connectionId };
    }
  }

  /**
   * Counts the frame against its connection's QUOTAS.FramesPerConnectionWindow; past it, the socket is closed
   * (the first container to see the count over closes it; a closed connection is no longer on record).
   */
  private async withinFrameLimit(connectionId: string): Promise<boolean> {
    const window = Math.floor(this.deps.now() / FRAME_WINDOW_MS);
    const seen = this.frameCounts.get(connectionId);
    const local = seen?.window === window ? seen.frames + 1 : 1;
    this.frameCounts.delete(connectionId);
    this.frameCounts.set(connectionId, { window, frames: local });
    if (this.frameCounts.size > FRAME_COUNTS_KEPT) this.frameCounts.delete(this.frameCounts.keys().next().value!);
    if (local <= FRAMES_COUNTED_IN_MEMORY) return true;
    const counted = await this.deps.connections.countFrame(connectionId, window);
    // Not counted: a frame late for a window already over (let through), or no record to count on: the
    // connection is gone, closed for this very flood by a frame a moment ahead (refused).
    if (counted === undefined) return (await this.deps.connections.getConnection(connectionId)) !== undefined;
    if (counted <= QUOTAS.FramesPerConnectionWindow - FRAMES_COUNTED_IN_MEMORY) return true;
    const connection = await this.deps.connections.getConnection(connectionId);
    if (connection) await this.deps.push.disconnect([connection]);
    return false;
  }

  /**
   * chatjs learns that a chat continues an earlier one from its `chat rehydrated` event (widgets then
   * offer the earlier messages). That event is written when the chat starts, before anyone can be
   * connected, so the customer gets it pushed at its first subscription, once: later reconnections
   * (chatjs opens a new socket every hour) do not announce it again.
   */
  private async announceRehydration(connectionId: string): Promise<void> {
    const connection = await this.deps.connections.getConnection(connectionId);
    if (connection?.role !== 'CUSTOMER') return;
    const first = await this.deps.store.getContact(connection.initialContactId);
    if (!first || !continuesPastChat(first)) return;
    // Written right after `participant joined`, among the first contact's first items (gone once its transcript is archived).
    const opening = await this.deps.store.queryItems(first.contactId, { direction: 'FORWARD' }, 3);
    const rehydrated = opening.find((item) => item.ContentType === EVENT.chatRehydrated);
    if (!rehydrated) return;
    const longestChat = LIMITS.ChatDurationInMinutes.max * 60_000;
    if (
      !(await this.deps.connections.claimOnce(`REHYDRATED#${connection.initialContactId}#${connection.participantId}`, this.deps.now() + longestChat))
    )
      return;
    await this.deps.push.toConnection(connection, itemFrames(first.initialContactId, first.contactId, [rehydrated]));
  }
}
