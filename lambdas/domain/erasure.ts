import { createHash, randomUUID } from 'node:crypto';
import type { Contacts } from './contacts';
import { DomainError, notFound } from './errors';
import { contactRef } from './line';
import type { ChatSession, Contact } from './model';
import { type ContactStore, type ErasureRecord, type ErasureStore, type ObjectVersions, WriteConflict } from './ports';

export const lineErasing = () => new DomainError('Conflict', "The customer's line is being erased; try again in a moment");

/**
 * Safety net for a line that keeps growing while it is marked (each round marks what the last found):
 * chats continue only from unmarked contacts, so a second round finds nothing new unless a continuation
 * committed between the walk and the marks.
 */
const MARKING_ROUNDS = 5;

export interface ErasureDeps {
  store: Pick<ContactStore, 'getContact' | 'getSession' | 'getCustomerLine'>;
  erasures: ErasureStore;
  contacts: Pick<Contacts, 'endChat'>;
  objects: ObjectVersions;
  /** Where an ended contact's transcript file is (Transcripts.key). */
  transcriptKey: (contact: Contact) => string;
  /** The audit record of each erasure: ids, counts and times, never content. */
  audit: (message: string, fields: Record<string, unknown>) => void;
  now: () => number;
}

export type EraseRequest = { instanceId: string } & ({ customerId: string } | { contactId: string });

/**
 * A customer's right to be forgotten, as an operator call: the whole line of a customer (by the host's
 * customer id) or of a contact (any contact of it) goes, every chat, contact, session, transcript item,
 * token grant, idempotency record, index entry, transcript file and attachment, every version of each
 * object. An active chat ends first (its participants are told). The erasure's record is written before
 * anything is removed and every removal can be repeated, so a run stopped half way is finished by
 * calling again; once done, calling again erases nothing.
 */
export class Erasure {
  constructor(private readonly deps: ErasureDeps) {}

  async erase(request: EraseRequest): Promise<{ ErasedContactIds: string[] }> {
    const record = await this.begin(request);
    if (!record) return { ErasedContactIds: [] };
    const { erasures, objects } = this.deps;
    // The table first: once a contact's record is gone nothing writes its file again (archives need the record).
    for (const contact of record.contacts) await erasures.removeContact(contact.contactId);
    for (const chat of record.chats) await erasures.removeChat(chat);
    if (record.customerId) await erasures.removeCustomerLine(record.instanceId, record.customerId);
    let objectVersions = 0;
    for (const key of record.objectKeys) objectVersions += await objects.deleteAllVersions(key);
    const finishedAt = this.deps.now();
    await erasures.erasureFinished(record.erasureId, finishedAt);
    this.deps.audit('customer line erased', {
      erasureId: record.erasureId,
      instanceId: record.instanceId,
      by: 'customerId' in request ? 'CustomerId' : 'ContactId',
      customerIdDigest: record.customerId && digest(record.customerId),
      erasedContactIds: record.contacts.map((contact) => contact.contactId),
      chats: record.chats.length,
      objects: record.objectKeys.length,
      objectVersions,
      startedAt: new Date(record.startedAt).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
    });
    return { ErasedContactIds: record.contacts.map((contact) => contact.contactId) };
  }

  /** The erasure to carry out: one left unfinished, or a new one of the line as it stands; none when it is gone already. */
  private async begin(request: EraseRequest): Promise<ErasureRecord | undefined> {
    const { store } = this.deps;
    const { instanceId } = request;
    let start: Contact | undefined;
    let customerId: string | undefined;
    let erasureId: string | undefined;
    if ('contactId' in request) {
      const erasedBy = await this.deps.erasures.erasedBy(request.contactId);
      if (erasedBy) return this.unfinished(erasedBy, instanceId);
      start = await store.getContact(request.contactId);
      if (!start || start.instanceId !== instanceId) throw notFound(`Contact ${request.contactId} not found`);
      // A run stopped before it recorded what it erases marked the contacts: this one goes on under its id.
      erasureId = start.erasure;
      customerId = start.customerId;
    } else {
      const line = await store.getCustomerLine(instanceId, request.customerId);
      if (!line) return undefined;
      if (line.erasure) {
        const unfinished = await this.unfinished(line.erasure, instanceId);
        if (unfinished) return unfinished;
        erasureId = line.erasure;
      }
      customerId = request.customerId;
      start = await store.getContact(line.latestInitialContactId);
    }
    erasureId ??= randomUUID();
    const { chats, contacts } = await this.markLine(start, erasureId);
    // The customer's index entry goes with the line it leads into (or into nothing any more).
    const line = customerId === undefined ? undefined : await store.getCustomerLine(instanceId, customerId);
    const ownsIndex = line !== undefined && (!start || chats.some((chat) => chat.initialContactId === line.latestInitialContactId));
    if (ownsIndex && (await this.deps.erasures.markCustomerLine(instanceId, line.customerId, erasureId)) !== erasureId) throw lineErasing();
    for (const session of chats) await this.endIfActive(session);
    const attachments = (await Promise.all(chats.map((chat) => this.deps.erasures.chatAttachments(chat.initialContactId)))).flat();
    const record: ErasureRecord = {
      erasureId,
      instanceId,
      customerId: ownsIndex ? line.customerId : undefined,
      contacts: contacts.map(contactRef),
      chats: chats.map((chat) => ({ initialContactId: chat.initialContactId, customerParticipantId: chat.customer.participantId })),
      objectKeys: [...contacts.map(this.deps.transcriptKey), ...attachments.flatMap((attachment) => [attachment.uploadKey, attachment.key])],
      state: 'ERASING',
      startedAt: this.deps.now(),
    };
    await this.deps.erasures.recordErasure(record);
    return record;
  }

  /** An erasure left unfinished (to finish now); undefined once it is done. */
  private async unfinished(erasureId: string, instanceId: string): Promise<ErasureRecord | undefined> {
    const record = await this.deps.erasures.getErasure(erasureId);
    if (!record || record.instanceId !== instanceId) return undefined;
    return record.state === 'ERASING' ? record : undefined;
  }

  /**
   * Every chat and contact of the line through `start`, each contact marked as being erased (no chat can
   * continue from it once marked): walked again until a walk finds nothing the marks missed.
   */
  private async markLine(start: Contact | undefined, erasureId: string): Promise<{ chats: ChatSession[]; contacts: Contact[] }> {
    const marked = new Set<string>();
    for (let round = 0; ; round++) {
      const line = start ? await this.walk(start.initialContactId) : { chats: [], contacts: [] };
      const unmarked = line.contacts.filter((contact) => !marked.has(contact.contactId));
      if (!unmarked.length) return line;
      if (round >= MARKING_ROUNDS) throw lineErasing();
      await this.deps.erasures.markContacts(
        unmarked.map((contact) => contact.contactId),
        erasureId,
      );
      for (const contact of unmarked) marked.add(contact.contactId);
    }
  }

  /**
   * The chats connected to `initialContactId` through persistent chat, both ways: the chat each one
   * continues (its first contact's source) and the chats continued from any of its contacts.
   */
  private async walk(initialContactId: string): Promise<{ chats: ChatSession[]; contacts: Contact[] }> {
    const chats: ChatSession[] = [];
    const contacts: Contact[] = [];
    const seen = new Set<string>([initialContactId]);
    const queue = [initialContactId];
    const visit = (chat: string | undefined) => {
      if (chat === undefined || seen.has(chat)) return;
      seen.add(chat);
      queue.push(chat);
    };
    for (let chat = queue.shift(); chat !== undefined; chat = queue.shift()) {
      const session = await this.deps.store.getSession(chat);
      if (!session) continue; // removed by an earlier, interrupted run
      chats.push(session);
      // The chat's contacts, newest first, back through transfers to its first.
      for (let id: string | undefined = session.latestContactId; id !== undefined; ) {
        const contact = await this.deps.store.getContact(id);
        if (!contact) break;
        contacts.push(contact);
        if (contact.persistentChatSourceOf) visit(contact.persistentChatSourceOf);
        if (contact.continuedFromContactId) visit((await this.deps.store.getContact(contact.continuedFromContactId))?.initialContactId);
        id = contact.contactId === chat ? undefined : contact.previousContactId;
      }
    }
    return { chats, contacts };
  }

  /** An active chat ends as StopContact ends it: everyone is told, its sockets close, its transcript is written (and then erased). */
  private async endIfActive(session: ChatSession): Promise<void> {
    if (session.state !== 'ACTIVE') return;
    const contact = await this.deps.store.getContact(session.latestContactId);
    if (!contact) return;
    try {
      await this.deps.contacts.endChat(contact, session, { reason: 'API', customerLeft: false });
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error; // it ended meanwhile
    }
  }
}

/** Audit records name the customer by a digest of the id: enough to match a request, not to read the id back. */
const digest = (customerId: string) => createHash('sha256').update(customerId).digest('base64url').slice(0, 22);
