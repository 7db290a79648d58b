import { type Cursor, decodeCursor, encodeCursor } from './cursor';
import { invalidParameter } from './errors';
import { idBoundsAt } from './items';
import type { KeyRing } from './keys';
import { contactRef, type LineLink, MAX_LINE_STEPS } from './line';
import type { ChatSession, TranscriptItem } from './model';
import type { Reader } from './participants';
import type { ContactTranscript, Position, Transcripts } from './transcripts';
import type { ContactStore } from './ports';

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

export interface TranscriptPagesDeps {
  store: Pick<ContactStore, 'getContact'>;
  transcripts: Transcripts;
  keys: KeyRing;
  now: () => number;
}

interface Start {
  link: LineLink;
  position?: Position;
  /** The contact already opened (StartPosition.Id found the item in it): read on from what that lookup read. */
  opened?: ContactTranscript;
}

/** An item with the contact it came from, and whether that contact is of the reader's chat. */
type Collected = TranscriptItem & { link: LineLink; current: boolean };

/**
 * GetTranscript over the whole line of a persistent chat. The line runs from the chat's newest
 * contact back through PreviousContactId inside a chat and, at a chat's first contact, through the
 * contact it was continued from, into past chats — cumulatively, to the very first. A page is full
 * whenever the line has that many items in its direction, however many contacts it spans; each
 * contact costs one store read (its file, or its items with its record), cached files none.
 * FORWARD scans, StartPosition and the ContactId filter stay within the current chat, as in Amazon Connect.
 */
export class TranscriptPages {
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
      start = { link: cursor.contact, position: cursor.position && { ...cursor.position, inclusive: false } };
    } else {
      // A StartPosition naming no position (`{}`) is no StartPosition: the newest items first, as without one.
      const { id, absoluteTime, mostRecent } = request.startPosition ?? {};
      const startPosition = id !== undefined || absoluteTime !== undefined || mostRecent !== undefined ? request.startPosition : undefined;
      direction = request.scanDirection ?? (startPosition ? 'FORWARD' : 'BACKWARD');
      const only = request.contactId === undefined ? undefined : await this.currentContact(session, request.contactId);
      filter = only?.contactId;
      start = await this.start(session, direction, only, startPosition);
    }

    // An ended contact whose transcript file could not be written yet is read from the table: the sweep writes it.
    const { items, next } = await this.walk(session, start, direction, request.maxResults, { filter, pastChats: true });
    // A history reader has no chat of its own: every item of the line is a past item to it.
    const Transcript = items.map(
      ({ link, current, ...item }): PageItem =>
        current && !reader.history ? { ...item, ContactId: link.contactId } : { ...item, RelatedContactId: link.contactId },
    );
    const ascending = request.sortOrder === 'ASCENDING';
    if ((direction === 'BACKWARD') === ascending) Transcript.reverse();
    const cursor: Cursor | undefined = next && { contact: next.link, position: next.position, direction, filter };
    return {
      InitialContactId: session.initialContactId,
      Transcript,
      NextToken: cursor && encodeCursor(this.deps.keys, cursor, session.initialContactId, this.deps.now()),
    };
  }

  /**
   * Reads from `start` in `direction` until `maxResults` items are collected or the line (the current
   * chat, without `pastChats`; the one contact, with a filter) has no more, stepping at most
   * MAX_LINE_STEPS contacts on; `next` is where a following page starts, given only when there is more.
   */
  private async walk(
    session: ChatSession,
    start: Start,
    direction: ScanDirection,
    maxResults: number,
    scope: { filter?: string; pastChats: boolean },
  ) {
    const collected: Collected[] = [];
    const result = (next?: Start) => ({ items: collected, next });
    let { link, position } = start;
    for (let steps = 0; ; steps++) {
      const transcript = steps === 0 && start.opened ? start.opened : this.open(session, link);
      const need = maxResults - collected.length;
      // One more than needed tells whether this contact has more to give.
      const items = await transcript.read(direction, position, need + 1);
      const taken = items.slice(0, need);
      const current = transcript.initialContactId === session.initialContactId;
      collected.push(...taken.map((item) => ({ ...item, link, current })));
      if (items.length > need) {
        const last = taken[taken.length - 1];
        return result({ link, position: last ? { time: last.AbsoluteTime, id: last.Id, inclusive: false } : position });
      }
      const following = scope.filter ? undefined : await transcript.neighbour(direction);
      if (!following || (!scope.pastChats && following.initialContactId !== session.initialContactId)) return result();
      // At the line's bound the page is handed back short, with a NextToken: the reader reads on from there.
      if (collected.length >= maxResults || steps >= MAX_LINE_STEPS) return result({ link: following });
      link = following;
      position = undefined;
    }
  }

  private open(session: ChatSession, link: LineLink): ContactTranscript {
    return this.deps.transcripts.open(session.instanceId, link, link.contactId === session.latestContactId ? session.state : undefined);
  }

  /** Where a first call starts: the newest (BACKWARD) or oldest (FORWARD) item, or its StartPosition. */
  private async start(
    session: ChatSession,
    direction: ScanDirection,
    only: LineLink | undefined,
    startPosition: TranscriptRequest['startPosition'],
  ): Promise<Start> {
    const filter = only?.contactId;
    const newest: LineLink = only ?? { contactId: session.latestContactId, initialContactId: session.initialContactId };
    if (!startPosition) {
      // The chat's first contact started with the chat.
      const first: LineLink = filter
        ? newest
        : { contactId: session.initialContactId, initialContactId: session.initialContactId, initiationTimestamp: session.startedAt };
      return { link: direction === 'BACKWARD' ? newest : first };
    }
    if (startPosition.id !== undefined) {
      // Newest contact first, back through the current chat.
      for (let link: LineLink | undefined = newest; link && link.initialContactId === session.initialContactId; ) {
        const transcript = this.open(session, link);
        const found = await transcript.find(startPosition.id);
        if (found) return { link, position: { time: found.AbsoluteTime, id: found.Id, inclusive: true }, opened: transcript };
        link = filter ? undefined : await transcript.neighbour('BACKWARD');
      }
      throw invalidParameter('StartPosition.Id is not an item of the current chat');
    }
    if (startPosition.absoluteTime !== undefined) {
      const ms = Date.parse(startPosition.absoluteTime);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(startPosition.absoluteTime) || Number.isNaN(ms)) {
        throw invalidParameter('StartPosition.AbsoluteTime must be yyyy-MM-ddThh:mm:ss.SSSZ');
      }
      if (ms < session.startedAt) throw invalidParameter('StartPosition cannot point at past chats; page back with NextToken');
      const time = new Date(ms).toISOString();
      const bounds = idBoundsAt(ms);
      const position = { time, id: direction === 'FORWARD' ? bounds.lowest : bounds.highest, inclusive: true };
      return { link: await this.contactAt(session, newest, ms, filter), position };
    }
    // MostRecent: start at the n-th newest item of the current chat (0 is the newest).
    const back = await this.walk(session, { link: newest }, 'BACKWARD', (startPosition.mostRecent ?? 0) + 1, { filter, pastChats: false });
    const item = back.items[back.items.length - 1];
    if (!item) return { link: newest };
    return { link: item.link, position: { time: item.AbsoluteTime, id: item.Id, inclusive: true } };
  }

  /** The contact of the current chat that was active at `ms`: the newest that started by then, else the first. */
  private async contactAt(session: ChatSession, newest: LineLink, ms: number, filter: string | undefined): Promise<LineLink> {
    if (filter) return newest;
    let link = newest;
    for (;;) {
      const contact = await this.deps.transcripts.record(link.contactId);
      const previous = contact.contactId === session.initialContactId ? undefined : contact.previousContactId;
      if (contact.initiationTimestamp <= ms || !previous)
        return { contactId: contact.contactId, initialContactId: contact.initialContactId, initiationTimestamp: contact.initiationTimestamp };
      link = { contactId: previous, initialContactId: session.initialContactId };
    }
  }

  private async currentContact(session: ChatSession, contactId: string): Promise<LineLink> {
    const contact = await this.deps.store.getContact(contactId);
    if (!contact || contact.initialContactId !== session.initialContactId) {
      throw invalidParameter('ContactId must be a contact of the current chat; page back to past chats with NextToken');
    }
    return contactRef(contact);
  }
}
