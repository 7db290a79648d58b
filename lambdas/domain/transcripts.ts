import { compareItems } from './items';
import type { Contact, TranscriptItem } from './model';
import type { ContactStore, ItemRange, TranscriptFile, TranscriptFiles } from '../stores/ports';

/** A position in transcript order: an item's time and id. */
export interface Position {
  time: string;
  id: string;
  inclusive: boolean;
}

export interface TranscriptsDeps {
  store: Pick<ContactStore, 'getContact' | 'queryItems' | 'markArchived' | 'deleteItems' | 'endedWithoutTranscript'>;
  files: TranscriptFiles;
  accountId: string;
  /** Key prefix, `connect` as Amazon Connect writes it. */
  prefix: string;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

/** Transcript files never change once written: keep the newest few hundred parsed per container. */
const FILE_CACHE_SIZE = 256;
/** Items read per query while archiving a contact. */
const ARCHIVE_BATCH = 500;

/**
 * Where a contact's transcript lives: its items in the table while it is active (and until its file
 * is durable), then one file per contact in the transcript bucket, named and shaped as Amazon
 * Connect writes them, so files Amazon Connect exported read back the same way.
 */
export class Transcripts {
  private readonly cache = new Map<string, TranscriptItem[]>();

  constructor(private readonly deps: TranscriptsDeps) {}

  /** `connect/<instance>/ChatTranscripts/YYYY/MM/DD/<ContactId>_<YYYYMMDD>T<HH:mm>_UTC.json`, by the contact's start. */
  key(contact: Contact): string {
    const iso = new Date(contact.initiationTimestamp).toISOString();
    const [y, m, d, hh, mm] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16)];
    const instance = encodeURIComponent(contact.instanceId);
    return `${this.deps.prefix}/${instance}/ChatTranscripts/${y}/${m}/${d}/${contact.contactId}_${y}${m}${d}T${hh}:${mm}_UTC.json`;
  }

  /**
   * Writes an ended contact's transcript file, then marks the contact archived, then deletes its
   * items from the table: in that order, so no item is ever only in flight. Safe to repeat.
   */
  async archive(contact: Contact): Promise<void> {
    if (contact.state !== 'ENDED' || contact.transcriptKey) return;
    const items = await this.allTableItems(contact.contactId);
    const participants = new Set(items.map((item) => item.ParticipantId).filter((id): id is string => !!id));
    const file: TranscriptFile = {
      Version: '2019-08-26',
      AWSAccountId: this.deps.accountId,
      InstanceId: contact.instanceId,
      InitialContactId: contact.initialContactId,
      ContactId: contact.contactId,
      Participants: [...participants].map((ParticipantId) => ({ ParticipantId })),
      Transcript: items,
    };
    const key = this.key(contact);
    await this.deps.files.put(key, file);
    await this.deps.store.markArchived(contact.contactId, key);
    await this.deps.store.deleteItems(contact.contactId, items.map((item) => item.Id));
  }

  /** Archives, and reports rather than throws: the contact has ended either way, and its items stay readable. */
  async archiveOrWarn(contact: Contact): Promise<void> {
    try {
      await this.archive(contact);
    } catch (error) {
      this.deps.warn('transcript archive failed; items stay in the table until a retry', {
        contactId: contact.contactId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** After a crash: writes the files of every ended contact that has none. Returns how many it wrote. */
  async recover(): Promise<number> {
    const pending = await this.deps.store.endedWithoutTranscript();
    for (const contact of pending) await this.archiveOrWarn(contact);
    return pending.length;
  }

  private async allTableItems(contactId: string): Promise<TranscriptItem[]> {
    const items: TranscriptItem[] = [];
    for (;;) {
      const last = items[items.length - 1];
      const range: ItemRange = { direction: 'FORWARD', from: last && { id: last.Id, inclusive: false } };
      const batch = await this.deps.store.queryItems(contactId, range, ARCHIVE_BATCH);
      items.push(...batch);
      if (batch.length < ARCHIVE_BATCH) return items;
    }
  }

  /** Up to `limit` items of the contact from `from` in `direction`, wherever they live now. */
  async read(contact: Contact, direction: ItemRange['direction'], from: Position | undefined, limit: number): Promise<TranscriptItem[]> {
    if (!contact.transcriptKey) {
      const items = await this.deps.store.queryItems(contact.contactId, { direction, from: from && { id: from.id, inclusive: from.inclusive } }, limit);
      // The contact may have been archived between reading its record and its items.
      if (items.length || contact.state === 'ACTIVE') return items;
      const fresh = await this.deps.store.getContact(contact.contactId);
      if (!fresh?.transcriptKey) return items;
      contact = fresh;
    }
    const all = await this.fileItems(contact);
    return slice(all, direction, from, limit);
  }

  /** Whether reading the contact's items needs no store read. */
  isCached(contact: Contact): boolean {
    return !!contact.transcriptKey && this.cache.has(contact.transcriptKey);
  }

  private async fileItems(contact: Contact): Promise<TranscriptItem[]> {
    const key = contact.transcriptKey ?? this.key(contact);
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const file = await this.deps.files.get(key);
    // Files written by Amazon Connect need not be sorted, and may carry items of no known type.
    const items = (file?.Transcript ?? []).filter((item) => item && typeof item.Id === 'string' && typeof item.AbsoluteTime === 'string');
    items.sort(compareItems);
    this.cache.set(key, items);
    if (this.cache.size > FILE_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return items;
  }
}

/** The items after (FORWARD) or before (BACKWARD) a position in a sorted list, nearest first. */
function slice(items: TranscriptItem[], direction: ItemRange['direction'], from: Position | undefined, limit: number): TranscriptItem[] {
  if (direction === 'FORWARD') {
    let start = 0;
    if (from) start = lowerBound(items, from, from.inclusive);
    return items.slice(start, start + limit);
  }
  let end = items.length;
  if (from) end = lowerBound(items, from, !from.inclusive);
  return items.slice(Math.max(0, end - limit), end).reverse();
}

/** The index of the first item at or after `position` (`atOrAfter`), or of the first strictly after it. */
function lowerBound(items: TranscriptItem[], position: { time: string; id: string }, atOrAfter: boolean): number {
  let low = 0;
  let high = items.length;
  const target = { AbsoluteTime: position.time, Id: position.id };
  while (low < high) {
    const mid = (low + high) >>> 1;
    const order = compareItems(items[mid]!, target);
    if (order < 0 || (!atOrAfter && order === 0)) low = mid + 1;
    else high = mid;
  }
  return low;
}
