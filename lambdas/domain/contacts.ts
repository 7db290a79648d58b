import { randomUUID } from 'node:crypto';
import { DomainError, invalidParameter, invalidRequest, notFound } from './errors';
import { Idempotency } from './idempotency';
import type { KeyRing } from './keys';
import type { ChatSession, Contact, Participant, ParticipantRole, SegmentAttributeValue, TokenGrant, TranscriptItem } from './model';
import { inCommitOrder, ItemClock } from './item-clock';
import { checkMessage, EVENT, eventItem, messageItem } from './items';
import { type Continuation, continuation, contactRef, type RehydrationType } from './line';
import { type ChatPush, itemFrames } from './push';
import { hashToken, newToken } from './tokens';
import { changeTimers, type TimerChange, timerState, timersStartedAt } from './timers';
import type { Transcripts } from './transcripts';
import { type AcceptWrite, type ContactStore, WriteConflict } from './ports';
import { QUOTAS } from './limits';
import type { RoutingRules } from './queues';

export const DEFAULT_CHAT_DURATION_MINUTES = 1500;
export const DEFAULT_SUPPORTED_CONTENT_TYPES = ['text/plain'];

export const attributesSize = (attributes: Record<string, string>): number =>
  Object.entries(attributes).reduce((total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(value), 0);

/** The attribute quota, checked wherever a chat's attributes are set: at its start (copies included) and on every update. */
function checkAttributesQuota(attributes: Record<string, string>, copiedFrom?: string): void {
  if (attributesSize(attributes) <= QUOTAS.ContactAttributesBytes) return;
  const copied = copiedFrom ? `, with those copied from contact ${copiedFrom},` : '';
  throw new DomainError('QuotaExceeded', `Contact attributes${copied} would exceed ${QUOTAS.ContactAttributesBytes} bytes in total`);
}

export interface StartChatInput {
  instanceId: string;
  contactFlowId: string;
  displayName: string;
  attributes?: Record<string, string>;
  initialMessage?: { contentType: string; content: string };
  clientToken?: string;
  chatDurationInMinutes?: number;
  supportedMessagingContentTypes?: string[];
  persistentChat?: { rehydrationType?: RehydrationType; sourceContactId?: string };
  relatedContactId?: string;
  segmentAttributes?: Record<string, SegmentAttributeValue>;
  customerId?: string;
  /** Not an API member: the chat carries on the line of `customerId` in the customer index (the widget's chats). */
  customerLine?: { first: boolean };
}

export interface StartChatResult extends Record<string, string> {
  ContactId: string;
  ParticipantId: string;
  ParticipantToken: string;
}

export interface TransferInput {
  instanceId: string;
  contactId: string;
  contactFlowId: string;
  queueId?: string;
  userId?: string;
  clientToken?: string;
}

export interface AddParticipantInput {
  instanceId: string;
  contactId: string;
  role: Exclude<ParticipantRole, 'CUSTOMER' | 'SYSTEM'>;
  displayName?: string;
  clientToken?: string;
  /** An agent accepting the contact from its queue (domain/routing.ts): the join happens only if it wins. */
  accept?: AcceptWrite;
}

export interface ContactServiceDeps {
  store: ContactStore;
  keys: KeyRing;
  transcripts: Transcripts;
  push: ChatPush;
  /** Where each new contact waits for an agent. */
  routing: RoutingRules;
  now: () => number;
}

/** How a chat ends: who asked, and whether the customer left (DisconnectParticipant) or was let go. */
export interface ChatEnding {
  reason?: string;
  customerLeft: boolean;
}

/** The contact lifecycle of a chat: start, transfer, stop, participants and attributes. */
export class Contacts {
  private readonly idempotency: Idempotency;

  constructor(private readonly deps: ContactServiceDeps) {
    this.idempotency = new Idempotency(deps.store, deps.keys);
  }

  /** The contact, if it exists in this instance. Contacts of other instances do not exist here. */
  async find(instanceId: string, contactId: string): Promise<Contact> {
    const contact = await this.deps.store.getContact(contactId);
    if (!contact || contact.instanceId !== instanceId) throw notFound(`Contact ${contactId} not found`);
    return contact;
  }

  async session(contact: Contact): Promise<ChatSession> {
    const session = await this.deps.store.getSession(contact.initialContactId);
    if (!session) throw new Error(`chat session ${contact.initialContactId} is missing`);
    return session;
  }

  async startChat(input: StartChatInput): Promise<StartChatResult> {
    const { clientToken, ...request } = input;
    const now = this.deps.now();
    const key = clientToken ? { operation: 'StartChatContact', instanceId: input.instanceId, clientToken } : undefined;
    return this.idempotency.run<StartChatResult>(key, request, now, async (record) => {
      const supported = input.supportedMessagingContentTypes ?? DEFAULT_SUPPORTED_CONTENT_TYPES;
      if (!supported.includes('text/plain')) throw invalidParameter('SupportedMessagingContentTypes must contain text/plain');
      const messageProblem = input.initialMessage && checkMessage(input.initialMessage.contentType, input.initialMessage.content, supported);
      if (messageProblem) throw invalidRequest(`InitialMessage: ${messageProblem}`);
      const { related, continues } = await this.relation(input);
      const attributes = { ...related?.attributes, ...input.attributes };
      checkAttributesQuota(attributes, related?.contactId);
      const contactId = randomUUID();
      const customer: Participant = { participantId: randomUUID(), role: 'CUSTOMER', displayName: input.displayName, joinedAt: now };
      const token = newToken();
      const session: ChatSession = {
        initialContactId: contactId,
        instanceId: input.instanceId,
        state: 'ACTIVE',
        latestContactId: contactId,
        customer,
        attributes,
        attributesVersion: 0,
        supportedMessagingContentTypes: supported,
        expiresAt: now + (input.chatDurationInMinutes ?? DEFAULT_CHAT_DURATION_MINUTES) * 60_000,
        startedAt: now,
        // Carried along the line, so the agent who last served it is known to the chats that continue it.
        lastAgentId: continues?.lastAgentId,
      };
      // Nobody may ever touch the chat again: the sweep ends it on time.
      session.sweepAt = session.expiresAt;
      const placement = await this.deps.routing.newChat({
        instanceId: input.instanceId,
        contactFlowId: input.contactFlowId,
        customerName: input.displayName,
        continued: continues && { lastAgentId: continues.lastAgentId },
        now,
      });
      const contact: Contact = {
        contactId,
        instanceId: input.instanceId,
        initialContactId: contactId,
        relatedContactId: related?.contactId,
        continuedFromContactId: continues?.continued.contactId,
        linePrevious: continues?.continued,
        initiationMethod: 'API',
        contactFlowId: input.contactFlowId,
        state: 'ACTIVE',
        initiationTimestamp: now,
        lastUpdateTimestamp: now,
        participants: [],
        segmentAttributes: input.segmentAttributes,
        customerId: input.customerId,
        ...placement,
      };
      const clock = new ItemClock(session, now);
      const items = [eventItem(EVENT.joined, clock.next(), customer)];
      if (continues) items.push(eventItem(EVENT.chatRehydrated, clock.next()));
      if (input.initialMessage) items.push(messageItem(customer, input.initialMessage.contentType, input.initialMessage.content, clock.next()));
      const claim = clock.claim();
      session.lastItemAt = claim.last;
      session.contactItems = claim.contactItems;
      const result: StartChatResult = { ContactId: contactId, ParticipantId: customer.participantId, ParticipantToken: token };
      if (continues) result.ContinuedFromContactId = continues.continued.contactId;
      try {
        await this.deps.store.startChat({
          session,
          contact,
          items,
          grant: { tokenHash: hashToken(token), grant: grantFor(session, contact, customer, 'participant', now) },
          idempotency: record?.(result),
          sourceClaim: continues?.claim(contactId),
          customerLine: input.customerId ? input.customerLine : undefined,
        });
      } catch (error) {
        throw continues ? continues.refused(error) : error;
      }
      // Nothing to push to the chat, which nobody can be connected to yet; its queue's desks learn it waits.
      await this.waitingChanged(contact);
      return result;
    });
  }

  /**
   * The past contact the new chat relates to: a plain RelatedContactId only relates the contacts (and
   * copies the attributes); a persistent chat continues the customer's line from it (line.ts).
   */
  private async relation(
    input: StartChatInput,
  ): Promise<{ related?: { contactId: string; attributes: Record<string, string> }; continues?: Continuation }> {
    const { persistentChat, relatedContactId } = input;
    if (persistentChat && relatedContactId) throw invalidRequest('PersistentChat and RelatedContactId cannot both be provided');
    if (relatedContactId) {
      const session = await this.session(await this.find(input.instanceId, relatedContactId));
      return { related: { contactId: relatedContactId, attributes: session.attributes } };
    }
    if (!persistentChat) return {};
    const continues = await continuation(
      { contact: (id) => this.find(input.instanceId, id), session: (contact) => this.session(contact) },
      persistentChat,
    );
    return { related: { contactId: continues.continued.contactId, attributes: continues.attributes }, continues };
  }

  async transfer(input: TransferInput): Promise<{ ContactId: string }> {
    const { clientToken, ...request } = input;
    if (input.queueId && input.userId) throw invalidRequest('QueueId and UserId cannot both be provided');
    const now = this.deps.now();
    const key = clientToken ? { operation: 'TransferContact', instanceId: input.instanceId, clientToken } : undefined;
    const notActive = () => invalidRequest(`Contact ${input.contactId} is not active`);
    return this.idempotency.run(key, request, now, async (record) => {
      const found = await this.find(input.instanceId, input.contactId);
      if (found.state !== 'ACTIVE') throw notActive();
      const contactId = randomUUID();
      const result = { ContactId: contactId };
      const done = await inCommitOrder(this.deps, await this.session(found), async (session, clock, attempt) => {
        const from = attempt === 1 ? found : await this.find(input.instanceId, input.contactId);
        if (session.state !== 'ACTIVE' || session.latestContactId !== from.contactId) throw notActive();
        const { participants, items } = everyoneLeaves(from, clock);
        const toItems = [eventItem(EVENT.transferSucceeded, clock.next(), session.customer)];
        const to: Contact = {
          contactId,
          instanceId: input.instanceId,
          initialContactId: from.initialContactId,
          previousContactId: from.contactId,
          linePrevious: contactRef(from),
          initiationMethod: input.queueId || input.userId ? 'TRANSFER' : 'DISCONNECT',
          contactFlowId: input.contactFlowId,
          queueId: input.queueId,
          userId: input.userId,
          state: 'ACTIVE',
          initiationTimestamp: now,
          lastUpdateTimestamp: now,
          participants: [],
          segmentAttributes: from.segmentAttributes,
          customerId: from.customerId,
          ...this.deps.routing.transfer({
            contactFlowId: input.contactFlowId,
            queueId: input.queueId,
            userId: input.userId,
            customerName: session.customer.displayName,
            returningCustomer: from.returningCustomer,
            now,
          }),
        };
        const ended: Contact = {
          ...from,
          state: 'ENDED',
          disconnectTimestamp: now,
          nextContactId: to.contactId,
          lineNext: contactRef(to),
          participants,
        };
        const claim = clock.claim(toItems.length); // the new contact holds only its own
        await this.deps.store.transfer({
          from: { contactId: from.contactId, now, participants, items },
          to,
          toItems,
          clock: claim,
          idempotency: record?.(result),
        });
        return {
          from,
          to,
          ended,
          frames: [...itemFrames(from.initialContactId, from.contactId, items), ...itemFrames(from.initialContactId, to.contactId, toItems)],
        };
      });
      // The agents of the old segment have left it: their sockets close once they have seen the transfer.
      await this.deps.push.toChat(
        done.from.initialContactId,
        done.frames,
        done.from.participants.map((p) => p.participantId),
      );
      await this.waitingChanged(done.from);
      await this.waitingChanged(done.to);
      await this.deps.transcripts.archiveOrWarn(done.ended);
      return result;
    });
  }

  /** A contact started or stopped waiting (domain/routing.ts): the agent desks that list it are told. */
  private async waitingChanged(contact: Contact): Promise<void> {
    if (contact.routingState === 'QUEUED') await this.deps.push.toQueue(contact);
  }

  async stop(instanceId: string, contactId: string, disconnectReason?: string): Promise<void> {
    const contact = await this.find(instanceId, contactId);
    const notActive = new DomainError('ContactNotActive', `Contact ${contactId} is not active`);
    if (contact.state !== 'ACTIVE') throw notActive;
    try {
      await this.endChat(contact, await this.session(contact), { reason: disconnectReason, customerLeft: false });
    } catch (error) {
      if (error instanceof WriteConflict && error.reason === 'contact-not-active') throw notActive;
      throw error;
    }
  }

  /**
   * Ends the chat session at its active contact: every participant leaves, `chat ended` closes the
   * transcript, and the contact's transcript file is written. Throws WriteConflict if it already ended.
   */
  async endChat(contact: Contact, session: ChatSession, ending: ChatEnding): Promise<void> {
    const { ended, items } = await inCommitOrder(this.deps, session, async (session, clock, attempt) => {
      const current = attempt === 1 ? contact : await this.find(contact.instanceId, contact.contactId);
      if (session.state !== 'ACTIVE' || session.latestContactId !== current.contactId) throw new WriteConflict('contact-not-active');
      const now = this.deps.now();
      const { participants, items } = everyoneLeaves(current, clock);
      let customer = session.customer;
      if (ending.customerLeft) {
        const left = eventItem(EVENT.left, clock.next(), customer);
        items.push(left);
        customer = { ...customer, leftAt: Date.parse(left.AbsoluteTime) };
      }
      items.push(eventItem(EVENT.chatEnded, clock.next()));
      await this.deps.store.endSession({
        contactId: current.contactId,
        clock: clock.claim(),
        now,
        disconnectReason: ending.reason,
        customer,
        participants,
        items,
      });
      return { ended: { ...current, state: 'ENDED', disconnectTimestamp: now, participants } satisfies Contact, items };
    });
    await this.deps.push.toChat(ended.initialContactId, itemFrames(ended.initialContactId, ended.contactId, items), 'everyone');
    await this.waitingChanged(ended);
    await this.deps.transcripts.archiveOrWarn(ended);
  }

  async addParticipant(input: AddParticipantInput): Promise<{ ParticipantId: string; ParticipantToken: string; Expiry: string }> {
    const { clientToken, ...request } = input;
    const now = this.deps.now();
    const key = clientToken ? { operation: 'CreateParticipant', instanceId: input.instanceId, clientToken } : undefined;
    const notActive = () => invalidRequest(`Contact ${input.contactId} is not active`);
    return this.idempotency.run(key, request, now, async (record) => {
      const contact = await this.find(input.instanceId, input.contactId);
      if (contact.state !== 'ACTIVE') throw notActive();
      const participantId = randomUUID();
      const token = newToken();
      const { result, items } = await inCommitOrder(this.deps, await this.session(contact), async (session, clock) => {
        if (session.state !== 'ACTIVE' || session.latestContactId !== contact.contactId) throw notActive();
        clock.room(1);
        const joinedAt = clock.next();
        const participant: Participant = {
          participantId,
          role: input.role,
          displayName: input.displayName ?? defaultDisplayName[input.role],
          joinedAt,
        };
        const result = { ParticipantId: participantId, ParticipantToken: token, Expiry: new Date(session.expiresAt).toISOString() };
        const items = [eventItem(EVENT.joined, joinedAt, participant)];
        // An agent's timers start now, and the customer's with the first agent (or custom participant):
        // the sweep must look at the chat by the time the first runs out.
        const startedAt = timersStartedAt([...contact.participants, participant]);
        const dues = [session.customer, participant].map((p) => timerState(session, p, joinedAt, startedAt).next);
        const due = dues.reduce<number | undefined>((min, at) => (at === undefined ? min : Math.min(at, min ?? at)), undefined);
        await this.deps.store.addParticipant({
          sweepAt: due === undefined ? undefined : Math.min(due, session.sweepAt ?? due),
          contactId: contact.contactId,
          participant,
          items,
          grant: { tokenHash: hashToken(token), grant: grantFor(session, contact, participant, 'participant', now) },
          clock: clock.claim(),
          idempotency: record?.(result),
          accept: input.accept,
        });
        return { result, items };
      });
      await this.deps.push.toChat(contact.initialContactId, itemFrames(contact.initialContactId, contact.contactId, items));
      // An accept: the contact left its queue.
      if (input.accept) await this.waitingChanged(contact);
      return result;
    });
  }

  /** UpdateParticipantRoleConfig: changes the chat's participant timers; they hold for the rest of the chat, transfers included. */
  async updateTimers(instanceId: string, contactId: string, changes: readonly TimerChange[]): Promise<void> {
    const contact = await this.find(instanceId, contactId);
    const notActive = () => invalidRequest(`Contact ${contactId} is not active`);
    if (contact.state !== 'ACTIVE') throw notActive();
    const session = await this.session(contact);
    try {
      await this.deps.store.setTimers(session.initialContactId, changeTimers(session.timers, changes), this.deps.now());
    } catch (error) {
      if (error instanceof WriteConflict) throw notActive();
      throw error;
    }
  }

  async attributes(instanceId: string, initialContactId: string): Promise<Record<string, string>> {
    return (await this.session(await this.find(instanceId, initialContactId))).attributes;
  }

  /** Merges `attributes` into the session's, retrying when a concurrent update got there first. */
  async updateAttributes(instanceId: string, initialContactId: string, attributes: Record<string, string>): Promise<void> {
    const contact = await this.find(instanceId, initialContactId);
    for (let attempt = 0; ; attempt++) {
      const session = await this.session(contact);
      const merged = { ...session.attributes, ...attributes };
      checkAttributesQuota(merged);
      try {
        return await this.deps.store.replaceAttributes(contact.initialContactId, merged, session.attributesVersion, this.deps.now());
      } catch (error) {
        if (!(error instanceof WriteConflict && error.reason === 'stale') || attempt >= 10) throw error;
      }
    }
  }
}

/** Agents, bots and supervisors still on the contact leave it, each with a `participant left` item. */
function everyoneLeaves(contact: Contact, clock: ItemClock): { participants: Participant[]; items: TranscriptItem[] } {
  const items: TranscriptItem[] = [];
  const participants = contact.participants.map((participant) => {
    if (participant.leftAt !== undefined) return participant;
    const at = clock.next();
    items.push(eventItem(EVENT.left, at, participant));
    return { ...participant, leftAt: at };
  });
  return { participants, items };
}

const defaultDisplayName: Record<AddParticipantInput['role'], string> = {
  AGENT: 'Agent',
  CUSTOM_BOT: 'Bot',
  SUPERVISOR: 'Supervisor',
};

export function grantFor(session: ChatSession, contact: Contact, participant: Participant, kind: TokenGrant['kind'], issuedAt: number): TokenGrant {
  return {
    kind,
    instanceId: session.instanceId,
    initialContactId: session.initialContactId,
    contactId: contact.contactId,
    participantId: participant.participantId,
    role: participant.role,
    expiresAt: session.expiresAt,
    issuedAt,
  };
}
