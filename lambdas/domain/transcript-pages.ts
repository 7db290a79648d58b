import { type Cursor, decodeCursor, encodeCursor } from './cursor';
import { DomainError, invalidParameter } from './errors';
import { idBoundsAt } from './items';
import type { KeyRing } from './keys';
import type { ChatSession, Contact, TranscriptItem } from './model';
import type { Reader } from './participants';
import type { Position, Transcripts } from './transcripts';
import type { ContactStore } from '../stores/ports';

export type ScanDirection = 'FORWARD' | 'BACKWARD';
export type SortOrder = 'ASCENDING' | 'DESCENDING';

export interface TranscriptRequest {
  contactId?: string;
  maxResults: number;
  nextToken?: string;
  scanDirection?: ScanDirection;
  sortOrder: SortOrder;
  startPosition?: { id?: string; absoluteTime?: string; mostRecent?: number };
}

/** An item as GetTranscript returns it: ContactId on the current chat's items, RelatedContactId on past ones. */
export type PageItem = TranscriptItem & { ContactId?: string; RelatedContactId?: string };

export interface TranscriptPage {
  InitialContactId: string;
  Transcript: PageItem[];
  NextToken?: string;
}

/**
 * What one page may cost, however long the line behind it: at most this many store reads while
 * walking (the caller's session read comes on top, for 3 in all), and at most this many contacts
 * even when they are all cached. A contact costs a read for its record and one for its items, each
 * saved when cached; the walk goes on to the next contact only while its cost fits, and a page that
 * stops early still carries a NextToken.
 */
export const MAX_WALK_READS = 2;
export const MAX_CONTACTS_PER_PAGE = 8;
/** Ended contacts are immutable once their transcript file is written: keep them per container. */
const CONTACT_CACHE_SIZE = 1024;

export interface TranscriptPagesDeps {
  store: ContactStore;
  transcripts: Transcripts;
  keys: KeyRing;
  now: () => number;
}

interface Start {
  contactId: string;
  position?: Position;
}

/**
 * GetTranscript over the whole line of a persistent chat. The line runs from the chat's newest
 * contact back through PreviousContactId inside a session and, at a session's first contact,
 * through the contact it was continued from, into past sessions — cumulatively, to the very first.
 * FORWARD scans and StartPosition stay within the current chat, as in Amazon Connect.
 */
export class TranscriptPages {
  private readonly contacts = new Map<string, Contact>();

  constructor(private readonly deps: TranscriptPagesDeps) {}

  async page(reader: Reader, request: TranscriptRequest): Promise<TranscriptPage> {
    const session = reader.session;
    let direction: ScanDirection;
    let filter: string | undefined;
    let start: Start;
    if (request.nextToken) {
      const cursor = decodeCursor(this.deps.keys, request.nextToken, session.initialContactId, this.deps.now());
      if (request.scanDirection && request.scanDirection !== cursor.direction) {
        throw invalidParameter('The NextToken was issued for the other ScanDirection');
      }
      if ((request.contactId ?? cursor.filter) !== cursor.filter) throw invalidParameter('The NextToken was issued for another ContactId');
      direction = cursor.direction;
      filter = cursor.filter;
      start = { contactId: cursor.contactId, position: cursor.position && { ...cursor.position, inclusive: false } };
    } else {
      // A StartPosition naming no position (`{}`) is no StartPosition: the newest items first, as without one.
      const { id, absoluteTime, mostRecent } = request.startPosition ?? {};
      const startPosition = id !== undefined || absoluteTime !== undefined || mostRecent !== undefined ? request.startPosition : undefined;
      direction = request.scanDirection ?? (startPosition ? 'FORWARD' : 'BACKWARD');
      filter = request.contactId && (await this.currentContact(session, request.contactId)).contactId;
      start = await this.start(session, direction, filter, startPosition);
    }

    const { items, next, unarchived } = await this.walk(start, direction, request.maxResults, { filter, pastChats: true });
    // An ended contact whose transcript file could not be written yet is read from the table; try the file again now.
    await Promise.all(unarchived.map((contact) => this.deps.transcripts.archiveOrWarn(contact)));
    const Transcript = items.map((item) => this.label(item, session));
    const ascending = request.sortOrder === 'ASCENDING';
    if ((direction === 'BACKWARD') === ascending) Transcript.reverse();
    const cursor: Cursor | undefined = next && { ...next, direction, filter };
    return {
      InitialContactId: session.initialContactId,
      Transcript,
      NextToken: cursor && encodeCursor(this.deps.keys, cursor, session.initialContactId, this.deps.now()),
    };
  }

  /** Reads forward or backward from `start`, following the line from contact to contact. */
  private async walk(start: Start, direction: ScanDirection, maxResults: number, scope: { filter?: string; pastChats: boolean }) {
    const collected: (TranscriptItem & { contact: Contact })[] = [];
    const unarchived: Contact[] = [];
    const result = (next?: { contactId: string; position?: { time: string; id: string } }) => ({ items: collected, next, unarchived });
    let contactId: string | undefined = start.contactId;
    let position = start.position;
    let reads = 0;
    for (let visited = 1; contactId; visited++) {
      reads += this.readCost(contactId);
      const contact = await this.contact(contactId);
      if (contact.state === 'ENDED' && !contact.transcriptKey) unarchived.push(contact);
      const need = maxResults - collected.length;
      // One more than needed tells whether this contact has more to give.
      const items = await this.deps.transcripts.read(contact, direction, position, need + 1);
      const taken = items.slice(0, need);
      collected.push(...taken.map((item) => ({ ...item, contact })));
      const last = taken[taken.length - 1];
      if (items.length > need) {
        const at = last ? { time: last.AbsoluteTime, id: last.Id } : position;
        return result({ contactId: contact.contactId, position: at && { time: at.time, id: at.id } });
      }
      const following = scope.filter
        ? undefined
        : direction === 'FORWARD'
          ? contact.nextContactId
          : (contact.previousContactId ?? (scope.pastChats ? contact.continuedFromContactId : undefined));
      if (!following) return result();
      if (collected.length >= maxResults || visited >= MAX_CONTACTS_PER_PAGE || reads + this.readCost(following) > MAX_WALK_READS) {
        return result({ contactId: following });
      }
      contactId = following;
      position = undefined;
    }
    return result();
  }

  private label({ contact, ...item }: TranscriptItem & { contact: Contact }, session: ChatSession): PageItem {
    return contact.initialContactId === session.initialContactId
      ? { ...item, ContactId: contact.contactId }
      : { ...item, RelatedContactId: contact.contactId };
  }

  /** Where a first call starts: the newest (BACKWARD) or oldest (FORWARD) item, or its StartPosition. */
  private async start(session: ChatSession, direction: ScanDirection, filter: string | undefined, startPosition: TranscriptRequest['startPosition']): Promise<Start> {
    const newest = filter ?? session.latestContactId;
    if (!startPosition) {
      return { contactId: direction === 'BACKWARD' ? newest : (filter ?? session.initialContactId) };
    }
    if (startPosition.id !== undefined) {
      for (const contact of await this.currentContacts(session, filter)) {
        const [item] = await this.deps.transcripts.read(contact, 'FORWARD', { time: '', id: startPosition.id, inclusive: true }, 1);
        const found = item?.Id === startPosition.id ? item : await this.findInFile(contact, startPosition.id);
        if (found) return { contactId: contact.contactId, position: { time: found.AbsoluteTime, id: found.Id, inclusive: true } };
      }
      throw invalidParameter('StartPosition.Id is not an item of the current chat');
    }
    if (startPosition.absoluteTime !== undefined) {
      const ms = Date.parse(startPosition.absoluteTime);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(startPosition.absoluteTime) || Number.isNaN(ms)) {
        throw invalidParameter('StartPosition.AbsoluteTime must be yyyy-MM-ddThh:mm:ss.SSSZ');
      }
      if (ms < session.startedAt) throw invalidParameter('StartPosition cannot point at past chats; page back with NextToken');
      const contacts = await this.currentContacts(session, filter);
      const contact = contacts.find((c) => c.initiationTimestamp <= ms) ?? contacts[contacts.length - 1]!;
      const time = new Date(ms).toISOString();
      const bounds = idBoundsAt(ms);
      return { contactId: contact.contactId, position: { time, id: direction === 'FORWARD' ? bounds.lowest : bounds.highest, inclusive: true } };
    }
    // MostRecent: start at the n-th newest item of the current chat (0 is the newest).
    const back = await this.walk({ contactId: newest }, 'BACKWARD', (startPosition.mostRecent ?? 0) + 1, { filter, pastChats: false });
    const item = back.items[back.items.length - 1];
    if (!item) return { contactId: newest };
    return { contactId: item.contact.contactId, position: { time: item.AbsoluteTime, id: item.Id, inclusive: true } };
  }

  /** Files written by Amazon Connect are not ordered by id: look the item up by id alone. */
  private async findInFile(contact: Contact, id: string): Promise<TranscriptItem | undefined> {
    if (!contact.transcriptKey) return undefined;
    const all = await this.deps.transcripts.read(contact, 'FORWARD', undefined, Number.MAX_SAFE_INTEGER);
    return all.find((item) => item.Id === id);
  }

  /** The contacts of the current chat, newest first (a chat has a handful: one per transfer). */
  private async currentContacts(session: ChatSession, filter: string | undefined): Promise<Contact[]> {
    if (filter) return [await this.contact(filter)];
    const contacts: Contact[] = [];
    for (let id: string | undefined = session.latestContactId; id; ) {
      const contact = await this.contact(id);
      contacts.push(contact);
      id = contact.contactId === session.initialContactId ? undefined : contact.previousContactId;
    }
    return contacts;
  }

  private async currentContact(session: ChatSession, contactId: string): Promise<Contact> {
    const contact = await this.deps.store.getContact(contactId);
    if (!contact || contact.initialContactId !== session.initialContactId) {
      throw invalidParameter('ContactId must be a contact of the current chat; page back to past chats with NextToken');
    }
    return contact;
  }

  /** Store reads that visiting the contact will take: its record and its items, unless cached. */
  private readCost(contactId: string): number {
    const cached = this.contacts.get(contactId);
    return cached ? (this.deps.transcripts.isCached(cached) ? 0 : 1) : 2;
  }

  private async contact(contactId: string): Promise<Contact> {
    const cached = this.contacts.get(contactId);
    if (cached) return cached;
    const contact = await this.deps.store.getContact(contactId);
    if (!contact) throw new DomainError('NotFound', `Contact ${contactId} of this chat's history is missing`);
    if (contact.transcriptKey) {
      this.contacts.set(contactId, contact);
      if (this.contacts.size > CONTACT_CACHE_SIZE) this.contacts.delete(this.contacts.keys().next().value!);
    }
    return contact;
  }
}
