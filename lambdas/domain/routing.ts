import type { Contacts } from './contacts';
import { grantFor } from './contacts';
import { accessDenied, DomainError, invalidRequest } from './errors';
import { QUOTAS } from './limits';
import type { Contact } from './model';
import { type ContactStore, type QueuedContact, WriteConflict } from './ports';
import { hashToken, newToken } from './tokens';
import type { RoutingSettings } from './queues';
import type { Websockets } from './websockets';

/**
 * Routing, the agents' side (queues.ts places each new contact in a queue): a queue's waiting list is one
 * query of the store's queue index, at any length; accepting is one conditional transaction, so of agents
 * accepting at once exactly one wins, and the winner joins as an AGENT exactly as CreateParticipant joins one.
 */

/** Tries of one accept when other accepts by the same agent keep changing its record (its chats are counted again each time). */
const ACCEPT_ATTEMPTS = 5;

/** An agent, as its token names it: Cognito's `username`, and its groups as queues. */
export interface SignedInAgent {
  username: string;
  queues: readonly string[];
}

/** A contact of a waiting list, as the agent API answers it. */
export interface WaitingContact {
  ContactId: string;
  InitialContactId: string;
  QueueId: string;
  CustomerName: string;
  EnqueueTimestamp: string;
  WaitingSeconds: number;
  ReturningCustomer: boolean;
  /** Reserved for the caller: a transfer to it, or a continued chat it served before. */
  ReservedForMe: boolean;
  ReservedUntil?: string;
}

export interface AgentChat {
  ContactId: string;
  InitialContactId: string;
  QueueId?: string;
  CustomerName?: string;
  ParticipantId: string;
  AcceptedTimestamp?: string;
}

export interface AgentRoutingDeps {
  store: ContactStore;
  contacts: Contacts;
  settings: RoutingSettings;
  /** The instance the agent API serves (the widget's). */
  instanceId: string;
  /** The desks' WebSocket URLs (websockets.ts). */
  desks: Pick<Websockets, 'deskUrl'>;
  now: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The agents' side of routing: what waits for them, accepting, and the chats they serve. */
export class AgentRouting {
  constructor(private readonly deps: AgentRoutingDeps) {}

  /** The contacts waiting in the agent's queues and for the agent, oldest first; seen as signed in. */
  async waiting(agent: SignedInAgent): Promise<WaitingContact[]> {
    const { store, instanceId } = this.deps;
    const now = this.deps.now();
    await store.agentSeen(instanceId, agent.username, now);
    const lists = await Promise.all([
      ...agent.queues.slice(0, QUOTAS.AgentQueues).map((queueId) => store.queuedContacts({ instanceId, queueId }, QUOTAS.WaitingListContacts)),
      store.queuedContacts({ instanceId, agentId: agent.username }, QUOTAS.WaitingListContacts),
    ]);
    const seen = new Set<string>();
    return lists
      .flat()
      .filter((contact) => !seen.has(contact.contactId) && seen.add(contact.contactId) && offeredTo(contact, agent.username, now))
      .sort((a, b) => (a.enqueueTimestamp ?? 0) - (b.enqueueTimestamp ?? 0))
      .map((contact) => waitingView(contact, agent.username, now));
  }

  /** Accepts a waiting contact: exactly one of the agents accepting it at once gets it; the others are told it was taken. */
  async accept(
    agent: SignedInAgent,
    contactId: string,
  ): Promise<{ ContactId: string; ParticipantId: string; ParticipantToken: string; Expiry: string }> {
    const { store, contacts, instanceId } = this.deps;
    for (let attempt = 1; ; attempt++) {
      const now = this.deps.now();
      const contact = await contacts.find(instanceId, contactId);
      if (contact.state !== 'ACTIVE' || contact.routingState !== 'QUEUED') throw taken(contactId);
      if (!offeredTo(contact, agent.username, now)) throw new DomainError('Taken', `Contact ${contactId} is reserved for another agent`);
      if (contact.reservedFor !== agent.username && !agent.queues.includes(contact.queueId ?? '')) {
        throw accessDenied(`Contact ${contactId} waits in queue ${contact.queueId}, which is not one of yours`);
      }
      const record = await store.getAgent(instanceId, agent.username);
      const serving = await this.stillServing(agent.username, record?.contactIds ?? []);
      if (serving.length >= this.deps.settings.agentChatLimit) {
        throw new DomainError('QuotaExceeded', `You are already in ${serving.length} chats, the most an agent handles at once`);
      }
      try {
        const joined = await contacts.addParticipant({
          instanceId,
          contactId,
          role: 'AGENT',
          displayName: agent.username,
          accept: {
            at: now,
            seenVersion: record?.version,
            agent: {
              instanceId,
              username: agent.username,
              contactIds: [...serving.map((c) => c.contactId), contactId],
              version: (record?.version ?? 0) + 1,
              lastSeenAt: now,
            },
          },
        });
        return { ContactId: contactId, ...joined };
      } catch (error) {
        if (!(error instanceof WriteConflict)) throw error;
        if (error.reason === 'already-accepted') throw taken(contactId);
        // Another accept of this agent's changed its record: count its chats again.
        if (error.reason !== 'agent-changed' || attempt >= ACCEPT_ATTEMPTS) throw error;
      }
    }
  }

  /** The chats the agent accepted and is still in. */
  async chats(agent: SignedInAgent): Promise<AgentChat[]> {
    const record = await this.deps.store.getAgent(this.deps.instanceId, agent.username);
    const serving = await this.stillServing(agent.username, record?.contactIds ?? []);
    return serving.map((contact) => ({
      ContactId: contact.contactId,
      InitialContactId: contact.initialContactId,
      QueueId: contact.queueId,
      CustomerName: contact.customerName,
      ParticipantId: contact.agentParticipantId!,
      AcceptedTimestamp: contact.acceptedByAgentTimestamp === undefined ? undefined : iso(contact.acceptedByAgentTimestamp),
    }));
  }

  /** A fresh participant token for the agent's participant on a chat it serves (a reloaded desk). */
  async rejoin(agent: SignedInAgent, contactId: string): Promise<{ ParticipantId: string; ParticipantToken: string; Expiry: string }> {
    const contact = await this.serving(agent, contactId);
    const session = await this.deps.contacts.session(contact);
    const participant = contact.participants.find((p) => p.participantId === contact.agentParticipantId)!;
    const token = newToken();
    await this.deps.store.putGrant(hashToken(token), grantFor(session, contact, participant, 'participant', this.deps.now()));
    return { ParticipantId: participant.participantId, ParticipantToken: token, Expiry: iso(session.expiresAt) };
  }

  /** TransferContact from the agent's chat: to a queue, or reserved for another agent. */
  async transfer(agent: SignedInAgent, contactId: string, to: { queueId?: string; userId?: string }): Promise<{ ContactId: string }> {
    if (!to.queueId === !to.userId) throw invalidRequest('Name exactly one of QueueId and UserId');
    const contact = await this.serving(agent, contactId);
    return this.deps.contacts.transfer({ instanceId: contact.instanceId, contactId, contactFlowId: contact.contactFlowId, ...to });
  }

  /** StopContact on the agent's chat. */
  async end(agent: SignedInAgent, contactId: string): Promise<void> {
    const contact = await this.serving(agent, contactId);
    await this.deps.contacts.stop(contact.instanceId, contactId);
  }

  /**
   * A WebSocket URL for the agent's desk, which is then told when a waiting list of the agent's changes
   * and reads it again (polling only while it has no socket); `{}` without a WebSocket API.
   */
  connection(agent: SignedInAgent): { Url?: string; ConnectionExpiry?: string } {
    return this.deps.desks.deskUrl(this.deps.instanceId, agent) ?? {};
  }

  /** The agent is no longer signed in: continued chats are no longer held for it. */
  async signOut(agent: SignedInAgent): Promise<void> {
    await this.deps.store.agentSeen(this.deps.instanceId, agent.username, undefined);
  }

  /** The contact, if the agent accepted it and is still in it. */
  private async serving(agent: SignedInAgent, contactId: string): Promise<Contact> {
    const contact = await this.deps.contacts.find(this.deps.instanceId, contactId);
    if (!isServing(contact, agent.username)) throw accessDenied(`You are not in the chat of contact ${contactId}`);
    return contact;
  }

  /** Of the contacts an agent accepted, those still going on with the agent in them (at most the chat limit: a read each). */
  private async stillServing(username: string, contactIds: readonly string[]): Promise<Contact[]> {
    const contacts = await Promise.all(contactIds.map((id) => this.deps.store.getContact(id)));
    return contacts.filter((contact): contact is Contact => contact !== undefined && isServing(contact, username));
  }
}

const isServing = (contact: Contact, username: string) =>
  contact.state === 'ACTIVE' &&
  contact.agentId === username &&
  contact.participants.some((p) => p.participantId === contact.agentParticipantId && p.leftAt === undefined);

/** Whether the contact is offered to this agent now: reserved for it, or for nobody (any more). */
const offeredTo = (contact: QueuedContact, username: string, now: number) =>
  !contact.reservedFor || contact.reservedFor === username || (contact.reservedUntil !== undefined && contact.reservedUntil <= now);

const taken = (contactId: string) => new DomainError('Taken', `Contact ${contactId} was accepted by another agent, or is no longer waiting`);

function waitingView(contact: QueuedContact, username: string, now: number): WaitingContact {
  const reservedForMe = contact.reservedFor === username && (contact.reservedUntil === undefined || contact.reservedUntil > now);
  return {
    ContactId: contact.contactId,
    InitialContactId: contact.initialContactId,
    QueueId: contact.queueId ?? '',
    CustomerName: contact.customerName ?? '',
    EnqueueTimestamp: iso(contact.enqueueTimestamp ?? now),
    WaitingSeconds: Math.max(0, Math.floor((now - (contact.enqueueTimestamp ?? now)) / 1000)),
    ReturningCustomer: contact.returningCustomer === true,
    ReservedForMe: reservedForMe,
    ...(reservedForMe && contact.reservedUntil !== undefined && { ReservedUntil: iso(contact.reservedUntil) }),
  };
}
