import { accessDenied, DomainError, invalidParameter } from './errors';
import type { Contacts } from './contacts';
import { Idempotency, type Response } from './idempotency';
import { checkMessage, EVENT, eventItem, isoTime, messageItem, newItemId } from './items';
import { inCommitOrder } from './item-clock';
import type { KeyRing } from './keys';
import { type ChatPush, itemFrames, type Recipients, receiptFrame } from './push';
import type { ChatSession, Contact, Participant, ParticipantActivity, TokenGrant, TranscriptItem } from './model';
import { type GrantPayload, grantFromPayload, grantPayload, openToken, signToken } from './signed-token';
import { hasTimers, timerState, timersStartedAt } from './timers';
import { hashToken } from './tokens';
import { readHistoryToken } from './history';
import { type AppendItemWrite, type ContactStore, type IdempotencyKey, type IdempotencyRecord, WriteConflict } from './ports';

/** Amazon Connect: a connection token is valid for one day. */
export const CONNECTION_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** Who is calling the participant API, with the chat as it stands. */
export interface Reader {
  grant: TokenGrant;
  participant: Participant;
  session: ChatSession;
  /** A history credential's reader (/widget/history): reads the line, every item of it as a past item. */
  history?: boolean;
}

export interface ParticipantsDeps {
  store: ContactStore;
  keys: KeyRing;
  contacts: Contacts;
  push: ChatPush;
  now: () => number;
}

export interface Sent {
  Id: string;
  AbsoluteTime: string;
}

/** One item a participant adds to the chat, and what the call answers. */
export interface Post<R extends Response> {
  /** The operation's name, for its ClientToken. */
  operation: string;
  clientToken?: string;
  /** The call's parameters: its ClientToken reused with other parameters is refused. */
  request: unknown;
  item: (time: number) => TranscriptItem;
  response: (item: TranscriptItem) => R;
  /** The upload the item completes (CompleteAttachmentUpload), claimed in the same write. */
  completes?: AppendItemWrite['completes'];
}

/** An item as written, with the contact it landed on. */
export interface Appended {
  item: TranscriptItem;
  /** `participant.returned`, written before the item when its sender had gone idle. */
  returned?: TranscriptItem;
  contactId: string;
}

/** The participant API's rules: connections, messages, events, receipts and leaving. */
export class Participants {
  private readonly idempotency: Idempotency;

  constructor(private readonly deps: ParticipantsDeps) {
    this.idempotency = new Idempotency(deps.store, deps.keys);
  }

  /**
   * CreateParticipantConnection: trades a participant token for a connection token. Connection
   * tokens are signed, not stored: every participant call then costs no token lookup, and a
   * participant who leaves is refused all the same, since `authorize` checks who is still there.
   */
  async connect(participantToken: string | undefined): Promise<{ ConnectionToken: string; Expiry: string; reader: Reader }> {
    const reader = await this.authorize(participantToken, 'participant', { active: true });
    const now = this.deps.now();
    const payload = grantPayload(reader.grant, now, now + CONNECTION_TOKEN_TTL_MS);
    return { ConnectionToken: signToken(this.deps.keys, 'connection-token', payload), Expiry: isoTime(payload.x * 1000), reader };
  }

  /**
   * The participant a token speaks for. Refused (403) when the token is unknown, forged, expired or
   * of the wrong kind, when the participant has left, and, for `active`, when the chat has ended.
   */
  async authorize(token: string | undefined, kind: TokenGrant['kind'], options: { active: boolean }): Promise<Reader> {
    if (!token) throw accessDenied('The X-Amz-Bearer token is missing');
    const now = this.deps.now();
    const grant = kind === 'connection' ? this.connectionGrant(token, now) : await this.deps.store.getGrant(hashToken(token));
    if (!grant || grant.kind !== kind) throw accessDenied('The token is invalid or has expired');
    return this.admit(grant, options);
  }

  /** The participant a grant speaks for, if it may still act: unexpired, still in the chat, and the chat active if asked. */
  async admit(grant: TokenGrant, options: { active: boolean }): Promise<Reader> {
    const now = this.deps.now();
    if (grant.expiresAt <= now) throw accessDenied('The token is invalid or has expired');
    let session = await this.deps.store.getSession(grant.initialContactId);
    if (!session) throw accessDenied('The token is invalid or has expired');
    if (session.state === 'ACTIVE' && session.expiresAt <= now) session = await this.expire(session);
    const participant =
      grant.role === 'CUSTOMER'
        ? session.customer
        : (await this.contact(grant.contactId)).participants.find((p) => p.participantId === grant.participantId);
    if (!participant || participant.leftAt !== undefined) throw accessDenied('The participant has disconnected from this chat');
    // The browser forgot this chat: its customer's credentials from before then are dead, copies included.
    const forgotten = session.resumeTokensRevokedBefore;
    if (grant.role === 'CUSTOMER' && forgotten !== undefined && (grant.issuedAt ?? 0) <= forgotten)
      throw accessDenied('The token is invalid or has expired');
    if (options.active && session.state !== 'ACTIVE') throw accessDenied('The chat has ended');
    return { grant, participant, session };
  }

  /**
   * The reader of GetTranscript and GetAttachment: a connection token's participant, or the customer a
   * history credential (history.ts) reads the line for. Undefined: a history credential of a customer
   * with no chat yet. Only these two operations take history credentials.
   */
  async reader(token: string | undefined): Promise<Reader | undefined> {
    const history = token === undefined ? undefined : readHistoryToken(this.deps.keys, token, this.deps.now());
    if (!history) return this.authorize(token, 'connection', { active: false });
    if (history.initialContactId === undefined) return undefined;
    const session = await this.deps.store.getSession(history.initialContactId);
    // Erased, or forgotten by a browser since: refused as the line's other customer credentials are.
    if (!session || session.instanceId !== history.instanceId || (session.resumeTokensRevokedBefore ?? 0) >= history.issuedAt) {
      throw accessDenied('The token is invalid or has expired');
    }
    const grant: TokenGrant = {
      kind: 'history',
      instanceId: session.instanceId,
      initialContactId: session.initialContactId,
      contactId: session.latestContactId,
      participantId: session.customer.participantId,
      role: 'CUSTOMER',
      expiresAt: session.expiresAt,
      issuedAt: history.issuedAt,
    };
    return { grant, participant: session.customer, session, history: true };
  }

  private connectionGrant(token: string, now: number): TokenGrant | undefined {
    const payload = openToken<GrantPayload>(this.deps.keys, 'connection-token', token, now);
    return typeof payload === 'string' || payload.v !== 1 ? undefined : grantFromPayload(payload);
  }

  /** A chat past its ChatDurationInMinutes ends the first time anyone touches it. */
  async expire(session: ChatSession): Promise<ChatSession> {
    try {
      await this.deps.contacts.endChat(await this.contact(session.latestContactId), session, { reason: 'EXPIRED', customerLeft: false });
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error; // someone else ended it first
    }
    return (await this.deps.store.getSession(session.initialContactId)) ?? session;
  }

  private async contact(contactId: string): Promise<Contact> {
    const contact = await this.deps.store.getContact(contactId);
    if (!contact) throw new Error(`contact ${contactId} is missing`);
    return contact;
  }

  async sendMessage(reader: Reader, contentType: string, content: string, clientToken?: string): Promise<Sent> {
    const problem = checkMessage(contentType, content, reader.session.supportedMessagingContentTypes);
    if (problem) throw invalidParameter(problem);
    const { response } = await this.post(reader, {
      operation: 'SendMessage',
      clientToken,
      request: { contentType, content },
      item: (time) => messageItem(reader.participant, contentType, content, time),
      response: (item): Sent & Response => ({ Id: item.Id, AbsoluteTime: item.AbsoluteTime }),
    });
    return response;
  }

  /**
   * Adds one item a participant sends (a message, an attachment): at most once per ClientToken, on
   * the chat's active contact, timed by the chat's item clock, then pushed to every connection.
   * `appended` is the item and the contact it landed on when this call wrote it; a replay of an
   * earlier call (same ClientToken) has none.
   */
  async post<R extends Response>(reader: Reader, post: Post<R>): Promise<{ response: R; appended?: Appended }> {
    let appended: Appended | undefined;
    const key = participantIdempotencyKey(reader, post.operation, post.clientToken);
    const response = await this.idempotency.run<R>(key, post.request, this.deps.now(), async (record) => {
      const { recipients, ...written } = await this.append(reader, post.item, (item) => record?.(post.response(item)), post.completes);
      // Inside the idempotent part: a retried call is not pushed twice.
      const pushed = written.returned ? [written.returned, written.item] : [written.item];
      const { initialContactId } = reader.session;
      await this.deps.push.toChat(initialContactId, itemFrames(initialContactId, written.contactId, pushed), undefined, recipients);
      appended = written;
      return post.response(written.item);
    });
    return { response, appended };
  }

  /**
   * SendEvent: typing is pushed but not kept; delivered and read receipts land in the message's
   * MessageMetadata and are pushed as Amazon Connect pushes them (`MESSAGEMETADATA`);
   * `connection.acknowledged` (deprecated by Amazon Connect) is accepted and ignored.
   */
  async sendEvent(reader: Reader, contentType: string, content: string | undefined): Promise<Sent> {
    const now = this.deps.now();
    const { initialContactId, latestContactId } = reader.session;
    switch (contentType) {
      case EVENT.typing: {
        const item = eventItem(EVENT.typing, now, reader.participant);
        await this.deps.push.toChat(initialContactId, itemFrames(initialContactId, latestContactId, [item]));
        return { Id: item.Id, AbsoluteTime: item.AbsoluteTime };
      }
      case EVENT.connectionAcknowledged:
        return { Id: newItemId(now), AbsoluteTime: isoTime(now) };
      case EVENT.delivered:
      case EVENT.read: {
        const messageId = receiptMessageId(content);
        const kind = contentType === EVENT.delivered ? 'delivered' : 'read';
        const time = isoTime(now);
        const receipt = {
          RecipientParticipantId: reader.participant.participantId,
          ...(kind === 'delivered' ? { DeliveredTimestamp: time } : { ReadTimestamp: time }),
        };
        // Receipts are kept for messages of the active contact; older ones have their transcript written.
        await this.deps.store.addReceipt(latestContactId, messageId, kind, receipt);
        const frame = receiptFrame(initialContactId, latestContactId, messageId, receipt, now);
        await this.deps.push.toChat(initialContactId, [frame]);
        return { Id: frame.Id, AbsoluteTime: frame.AbsoluteTime };
      }
      default:
        throw invalidParameter(`ContentType ${contentType} is not a supported event`);
    }
  }

  /**
   * DisconnectParticipant: the customer leaving ends the chat; an agent leaving ends only its part.
   * A transfer racing the customer's leaving moves the ending to the contact the transfer started.
   */
  async disconnect(reader: Reader): Promise<void> {
    if (reader.grant.role === 'CUSTOMER') return this.customerLeaves(reader.session);
    const left = await inCommitOrder(this.deps, reader.session, async (session, clock) => {
      const contact = await this.contact(reader.grant.contactId);
      // A contact transferred away (or a chat that ended) has let its agents go already.
      if (session.state !== 'ACTIVE' || session.latestContactId !== contact.contactId) return undefined;
      const item = eventItem(EVENT.left, clock.next(), reader.participant);
      const leftAt = Date.parse(item.AbsoluteTime);
      const participants = contact.participants.map((p) => (p.participantId === reader.participant.participantId ? { ...p, leftAt } : p));
      await this.deps.store.participantLeft({ contactId: contact.contactId, participants, item, clock: clock.claim() });
      return { contact, item };
    });
    if (!left) return;
    const { initialContactId, contactId } = left.contact;
    await this.deps.push.toChat(initialContactId, itemFrames(initialContactId, contactId, [left.item]), [reader.participant.participantId]);
  }

  /** The customer leaving ends the chat; a transfer racing it moves the ending to the contact the transfer started. */
  private async customerLeaves(session: ChatSession): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.deps.contacts.endChat(await this.contact(session.latestContactId), session, { reason: 'CUSTOMER_DISCONNECT', customerLeft: true });
        return;
      } catch (error) {
        if (!(error instanceof WriteConflict && error.reason === 'contact-not-active')) throw error;
        const fresh = await this.deps.store.getSession(session.initialContactId);
        if (fresh?.state !== 'ACTIVE') throw accessDenied('The chat has ended');
        session = fresh;
      }
    }
    throw new DomainError('Conflict', 'The chat is changing too fast; try again');
  }

  /**
   * Writes an item, timed by the chat's clock, to the chat's active contact, and returns it (after the
   * sender's `participant.returned`, when its idle timer had run out) with the contact it landed on. A
   * transfer racing the write moves a customer's item to the next contact; an agent left with the
   * transfer (agents are not carried over), so its item is refused rather than put on a contact it never joined.
   */
  private append(
    reader: Reader,
    build: (time: number) => TranscriptItem,
    idempotency: (item: TranscriptItem) => IdempotencyRecord | undefined,
    completes: AppendItemWrite['completes'],
  ): Promise<Appended & { recipients: Recipients }> {
    return inCommitOrder(this.deps, reader.session, async (session, clock) => {
      if (session.state !== 'ACTIVE') throw accessDenied('The chat has ended');
      const contactId = session.latestContactId;
      if (reader.grant.role !== 'CUSTOMER' && contactId !== reader.grant.contactId)
        throw accessDenied('The participant has disconnected from this chat');
      clock.room(1);
      const { participantId } = reader.participant;
      const returned =
        session.activity?.[participantId]?.idleAt !== undefined ? eventItem(EVENT.returned, clock.next(), reader.participant) : undefined;
      const item = build(clock.next());
      // With timers, a message renews its sender's activity (and ends its idleness).
      const activity = hasTimers(session) ? { ...session.activity, [participantId]: { activeAt: Date.parse(item.AbsoluteTime) } } : undefined;
      // Who must see the item is read while it is written, not after: a round trip less before the push.
      const recipients = this.deps.push.recipients(session.initialContactId);
      const connectionsVersion = session.connectionsVersion ?? 0;
      await this.deps.store.appendItem({
        contactId,
        item,
        returned,
        activity,
        clock: clock.claim(),
        idempotency: idempotency(item),
        completes,
        connectionsVersion,
      });
      return { item, returned, contactId, recipients };
    });
  }

  /**
   * The sweep's turn at a chat's participant timers: participants idle past their `IDLE` timer get
   * `participant.idle`; past `DISCONNECT_NONCUSTOMER` too, `participant.autodisconnection`, and every
   * participant but the customer leaves the contact (with its sockets), as in Amazon Connect: the
   * customer stays, the chat goes on, and no timer runs until an agent joins again. The chat is then due
   * again when the next timer runs out (or it expires).
   */
  async runTimers(session: ChatSession): Promise<void> {
    const fired = await inCommitOrder(this.deps, session, async (session, clock) => {
      if (session.state !== 'ACTIVE') return undefined;
      const now = this.deps.now();
      const contact = await this.contact(session.latestContactId);
      const startedAt = timersStartedAt(contact.participants);
      const items: TranscriptItem[] = [];
      const activity: Record<string, ParticipantActivity> = { ...session.activity };
      const disconnected: Participant[] = [];
      let next = session.expiresAt;
      for (const participant of [session.customer, ...contact.participants]) {
        const state = timerState(session, participant, now, startedAt);
        if (state.next !== undefined) next = Math.min(next, state.next);
        if (state.disconnectDue) disconnected.push(participant);
        else if (state.idleDue) {
          const idle = eventItem(EVENT.idle, clock.next(), participant);
          items.push(idle);
          activity[participant.participantId] = {
            activeAt: activity[participant.participantId]?.activeAt ?? participant.joinedAt,
            idleAt: Date.parse(idle.AbsoluteTime),
          };
        }
      }
      const gone: string[] = [];
      let participants = contact.participants;
      if (disconnected.length) {
        for (const participant of disconnected) items.push(eventItem(EVENT.autoDisconnection, clock.next(), participant));
        participants = contact.participants.map((participant) => {
          if (participant.leftAt !== undefined) return participant;
          const left = eventItem(EVENT.left, clock.next(), participant);
          items.push(left);
          gone.push(participant.participantId);
          return { ...participant, leftAt: Date.parse(left.AbsoluteTime) };
        });
        next = session.expiresAt; // no one is left to start the timers
      }
      if (!items.length) {
        await this.deps.store.rescheduleChat(session, next);
        return undefined;
      }
      const write = { contactId: contact.contactId, clock: clock.claim(), items, activity, sweepAt: next, timersSetAt: session.timersSetAt };
      await this.deps.store.timersFired(gone.length ? { ...write, participants } : write);
      return { contact, items, gone };
    });
    if (!fired) return;
    const { initialContactId, contactId } = fired.contact;
    await this.deps.push.toChat(initialContactId, itemFrames(initialContactId, contactId, fired.items), fired.gone);
  }
}

/**
 * A participant call's ClientToken, scoped to the participant: one participant's token never replays
 * another's call. A participant belongs to one chat, which its grant names: the record is kept there.
 */
export function participantIdempotencyKey(reader: Reader, operation: string, clientToken: string | undefined): IdempotencyKey | undefined {
  return clientToken
    ? {
        operation,
        instanceId: reader.grant.instanceId,
        clientToken: `${reader.participant.participantId}:${clientToken}`,
        initialContactId: reader.grant.initialContactId,
      }
    : undefined;
}

function receiptMessageId(content: string | undefined): string {
  try {
    const parsed: unknown = JSON.parse(content ?? '');
    const messageId = (parsed as { messageId?: unknown } | null)?.messageId;
    if (typeof messageId === 'string' && messageId.length > 0 && messageId.length <= 256) return messageId;
  } catch {
    // falls through to the refusal below
  }
  throw invalidParameter('A receipt needs Content {"messageId":"<message id>"}');
}
