import { grantFor, type Contacts, type StartChatResult } from './contacts';
import { accessDenied, DomainError, invalidParameter, notFound } from './errors';
import type { KeyRing } from './keys';
import type { ChatSession, Contact } from './model';
import type { Participants } from './participants';
import { chatsFrom } from './line';
import { hashToken, newToken } from './tokens';
import { openToken, signToken } from './signed-token';
import { type ContactStore, WriteConflict } from './ports';
import { lineErasing } from './erasure';

/**
 * The public web-chat widget: a browser starts a chat without AWS credentials, and comes back to it
 * with a resume token. The token is the browser's only claim on a past chat, so it must name exactly
 * one chat line and nothing a browser could choose: a signed token (signed-token.ts) with its own
 * purpose's subkey, so no other signed value (a NextToken) can pass for one.
 */
export const RESUME_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

interface ResumePayload {
  v: 1;
  i: string; // InstanceId
  c: string; // the initial contact of the chat the token was issued for
  x: number; // expiry, epoch seconds
}

export interface WidgetChat extends StartChatResult {
  ResumeToken: string;
}

export interface WidgetDeps {
  store: ContactStore;
  contacts: Contacts;
  participants: Participants;
  keys: KeyRing;
  instanceId: string;
  contactFlowId: string;
  now: () => number;
}

export class Widget {
  constructor(private readonly deps: WidgetDeps) {}

  /**
   * Without a token: a new chat. With one: the chat it names if that is still active (the person
   * reloaded or opened a second tab), else a persistent chat continuing the whole past session.
   */
  async start(input: { displayName?: string; resumeToken?: string }): Promise<WidgetChat> {
    const displayName = input.displayName?.trim() || undefined;
    if (input.resumeToken === undefined) {
      if (!displayName) throw invalidParameter('DisplayName is required to start a chat');
      return this.started(await this.startChat(displayName));
    }
    return this.resume(readResumeToken(this.deps.keys, input.resumeToken, this.deps.instanceId, this.deps.now()), displayName);
  }

  /**
   * A customer the host site vouches for (customers.ts): the customer's line, found by instance and
   * customer id in one read, from any device. A first chat starts the line; another device starting it
   * at the same moment wins, and this one rejoins that chat.
   */
  async startForCustomer(customerId: string, displayName: string | undefined): Promise<WidgetChat> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const line = await this.deps.store.getCustomerLine(this.deps.instanceId, customerId);
      if (line?.erasure) throw lineErasing();
      // A verified customer is not a copied token: a browser that forgot the chat does not bar its customer.
      if (line) return this.resume({ initialContactId: line.latestInitialContactId, issuedAt: Number.POSITIVE_INFINITY }, displayName);
      if (!displayName) throw invalidParameter('DisplayName is required to start a chat (the customer token has no name)');
      try {
        return this.started(await this.startChat(displayName, undefined, { customerId, first: true }));
      } catch (error) {
        if (!(error instanceof WriteConflict && error.reason === 'line-exists')) throw error;
      }
    }
    throw new DomainError('Conflict', "The customer's line is changing too fast; try again");
  }

  /**
   * The browser forgets its chat (a shared device): every customer credential of the line issued until
   * now (resume tokens wherever they enter the line, participant, connection and WebSocket tokens) is
   * refused from here on, so a copy kept elsewhere stops working too; and a chat of the line still going
   * on ends as if the customer had left, which closes its sockets.
   */
  async forget(resumeToken: string): Promise<void> {
    const claim = readResumeToken(this.deps.keys, resumeToken, this.deps.instanceId, this.deps.now());
    // Tokens carry their times in whole seconds, so their issue time reads up to a second early or late.
    const before = this.deps.now() + 1000;
    const chats: Contact[] = [];
    for await (const chat of chatsFrom(this.contact, claim.initialContactId)) chats.push(chat);
    await Promise.all(chats.map((chat) => this.deps.store.revokeResumeTokens(chat.contactId, before)));
    const session = await this.deps.contacts.session(chats[chats.length - 1]!);
    if (session.state !== 'ACTIVE') return;
    try {
      await this.deps.contacts.endChat(await this.contact(session.latestContactId), session, { reason: 'CUSTOMER_DISCONNECT', customerLeft: true });
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error; // it ended meanwhile
    }
  }

  /** The chats of a line from `initialContactId` on, each continued from the one before, by their initial contacts. */
  async line(initialContactId: string): Promise<string[]> {
    const chats: string[] = [];
    for await (const chat of chatsFrom(this.contact, initialContactId)) chats.push(chat.contactId);
    return chats;
  }

  /**
   * A source seeds only one persistent chat, so a token naming a chat that was already continued
   * (an older token, or a second tab that clicked at the same moment) is followed to the chat that
   * continued it: whoever holds a token for a chat holds it for the chats continued from it.
   */
  private async resume(claim: ResumeClaim, displayName: string | undefined): Promise<WidgetChat> {
    let refused: DomainError | undefined;
    for await (const chat of chatsFrom(this.contact, claim.initialContactId)) {
      refused = undefined;
      let session = await this.deps.contacts.session(chat);
      if ((session.resumeTokensRevokedBefore ?? 0) >= claim.issuedAt) throw accessDenied('The resume token is invalid or has expired');
      if (session.state === 'ACTIVE' && session.expiresAt <= this.deps.now()) session = await this.deps.participants.expire(session);
      if (session.state === 'ACTIVE') return this.rejoin(session);
      if (chat.persistentChatSourceOf) continue;
      try {
        // The customer's line (the index) moves on with the chat, when the chat was a customer's.
        const customer = chat.customerId === undefined ? undefined : { customerId: chat.customerId, first: false };
        return this.started(await this.startChat(displayName ?? session.customer.displayName, chat.contactId, customer));
      } catch (error) {
        // Lost the race to another tab continuing this chat: the line leads on to the chat it started.
        if (!(error instanceof DomainError)) throw error;
        refused = error;
      }
    }
    // The line ended at a chat that could not be continued, and nobody else continued it.
    throw refused;
  }

  private async startChat(displayName: string, continueFrom?: string, customer?: { customerId: string; first: boolean }): Promise<StartChatResult> {
    try {
      return await this.deps.contacts.startChat({
        instanceId: this.deps.instanceId,
        contactFlowId: this.deps.contactFlowId,
        displayName,
        persistentChat: continueFrom ? { rehydrationType: 'ENTIRE_PAST_SESSION', sourceContactId: continueFrom } : undefined,
        customerId: customer?.customerId,
        customerLine: customer && { first: customer.first },
      });
    } catch (error) {
      if (error instanceof WriteConflict && error.reason === 'line-erasing') throw lineErasing();
      throw error;
    }
  }

  /** The same customer participant of the active chat, with a fresh participant token for this browser. */
  private async rejoin(session: ChatSession): Promise<WidgetChat> {
    const contact = await this.contact(session.latestContactId);
    const token = newToken();
    await this.deps.store.putGrant(hashToken(token), grantFor(session, contact, session.customer, 'participant', this.deps.now()));
    return {
      ContactId: contact.contactId,
      ParticipantId: session.customer.participantId,
      ParticipantToken: token,
      ResumeToken: this.tokenFor(session.initialContactId),
    };
  }

  /** A newly started chat's ContactId is its initial contact: the next visit continues from it. */
  private started(result: StartChatResult): WidgetChat {
    return { ...result, ResumeToken: this.tokenFor(result.ContactId) };
  }

  private tokenFor(initialContactId: string): string {
    return issueResumeToken(this.deps.keys, this.deps.instanceId, initialContactId, this.deps.now());
  }

  private readonly contact = async (contactId: string): Promise<Contact> => {
    const contact = await this.deps.store.getContact(contactId);
    if (!contact || contact.instanceId !== this.deps.instanceId) throw notFound('The chat this resume token names no longer exists');
    return contact;
  };
}

/** A resume token naming the chat whose initial contact is `initialContactId`, valid for 30 days from `now`. */
export function issueResumeToken(keys: KeyRing, instanceId: string, initialContactId: string, now: number): string {
  const payload: ResumePayload = { v: 1, i: instanceId, c: initialContactId, x: Math.ceil((now + RESUME_TOKEN_TTL_MS) / 1000) };
  return signToken(keys, 'resume-token', payload);
}

/** What a genuine resume token says: the chat it names, and when it was issued. */
export interface ResumeClaim {
  initialContactId: string;
  issuedAt: number;
}

/** Malformed: 400; forged, altered, expired or another instance's: 403. */
export function readResumeToken(keys: KeyRing, token: string, instanceId: string, now: number): ResumeClaim {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) throw invalidParameter('ResumeToken is malformed');
  const payload = openToken<ResumePayload>(keys, 'resume-token', token, now);
  if (typeof payload === 'string' || payload.v !== 1 || payload.i !== instanceId || typeof payload.c !== 'string' || typeof payload.x !== 'number') {
    throw accessDenied('The resume token is invalid or has expired');
  }
  return { initialContactId: payload.c, issuedAt: payload.x * 1000 - RESUME_TOKEN_TTL_MS };
}
