import { DomainError } from './errors';
import { compareItems } from './items';
import { inFull, type LineLink, lineNext, linePrevious } from './line';
import type { ChatSession, Contact, ContactRef, TranscriptItem } from './model';
import type { ContactStore, FileContactRef, ItemRange, TranscriptFile, TranscriptFiles } from './ports';

/** A position in transcript order: an item's time and id. */
export interface Position {
  time: string;
  id: string;
  inclusive: boolean;
}

export interface TranscriptsDeps {
  store: Pick<ContactStore, 'getContact' | 'queryItems' | 'contactWithItems' | 'markArchived' | 'deleteItems' | 'archiveFinished'>;
  files: TranscriptFiles;
  accountId: string;
  /** Key prefix, `connect` as Amazon Connect writes it. */
  prefix: string;
  warn: (message: string, fields: Record<string, unknown>) => void;
  now?: () => number;
}

/**
 * How long an ended contact's file waits for attachment checks still running: a check runs within
 * one CompleteAttachmentUpload call, so one that has not finished by then never will (the process died).
 */
export const ATTACHMENT_CHECK_WAIT_MS = 15 * 60 * 1000;

/** Transcript files never change once written: keep the newest few hundred parsed per container. */
const FILE_CACHE_SIZE = 256;
/** What `ContactTranscript.find` reads along from the item it looks up: one page of 100, and one more to tell whether there is more. */
const READ_AHEAD = 101;
/** Nor do the records of archived contacts, read when a file does not name its neighbours. */
const RECORD_CACHE_SIZE = 1024;

/** A transcript file as readers use it: items in transcript order, and the contact's neighbours when the file names them. */
interface ParsedFile {
  initialContactId: string;
  items: TranscriptItem[];
  line?: { previous?: LineLink; next?: LineLink };
}
/** Items read per query while archiving a contact. */
const ARCHIVE_BATCH = 500;

/**
 * Where a contact's transcript lives: its items in the table while it is active (and until its file
 * is durable, and a grace after), then one file per contact in the transcript bucket, named and shaped as Amazon
 * Connect writes them, so files Amazon Connect exported read back the same way.
 */
export class Transcripts {
  private readonly files = new Map<string, ParsedFile>();
  private readonly records = new Map<string, Contact>();

  constructor(private readonly deps: TranscriptsDeps) {}

  /** `connect/<instance>/ChatTranscripts/YYYY/MM/DD/<ContactId>_<YYYYMMDD>T<HH:mm>_UTC.json`, by the contact's start. */
  key(contact: Pick<Contact, 'instanceId' | 'contactId' | 'initiationTimestamp'>): string {
    const iso = new Date(contact.initiationTimestamp).toISOString();
    const [y, m, d, hh, mm] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13), iso.slice(14, 16)];
    const instance = encodeURIComponent(contact.instanceId);
    return `${this.deps.prefix}/${instance}/ChatTranscripts/${y}/${m}/${d}/${contact.contactId}_${y}${m}${d}T${hh}:${mm}_UTC.json`;
  }

  /**
   * Writes an ended contact's transcript file, then marks the contact archived: readers read the file
   * from then on. Its items stay in the table for readers that began before; the sweep deletes them
   * later (`freeTable`), so no item is ever only in flight, and whatever a failure or a crash leaves
   * undone the sweep does again. Safe to repeat, and to run twice at once (a request and the sweep):
   * both read every item, since none leaves the table before the contact has been marked for a while.
   */
  async archive(contact: Contact): Promise<void> {
    if (contact.state !== 'ENDED' || contact.transcriptKey) return;
    // The check that finishes last writes the file (Attachments.complete); until then reads serve the table.
    const now = this.now();
    if (contact.attachmentsInCheck && now - (contact.disconnectTimestamp ?? 0) < ATTACHMENT_CHECK_WAIT_MS) return;
    // At most QUOTAS.ItemsPerContact (and a few closing events): a bounded read.
    const items = await this.allTableItems(contact.contactId);
    const key = this.key(contact);
    await this.deps.files.put(key, this.transcriptFile(contact, items));
    await this.deps.store.markArchived(contact.contactId, key, this.now());
  }

  /**
   * Deletes an archived contact's items from the table, then takes it out of the sweep's index. Only
   * the sweep calls it, once no reader can have begun on the table before the contact was archived.
   */
  async freeTable(contact: Contact): Promise<void> {
    if (!contact.transcriptKey) throw new Error(`contact ${contact.contactId} has no transcript file: its items are kept`);
    const items = await this.allTableItems(contact.contactId);
    await this.deps.store.deleteItems(
      contact.contactId,
      items.map((item) => item.Id),
    );
    await this.deps.store.archiveFinished(contact.contactId);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private transcriptFile(contact: Contact, items: TranscriptItem[]): TranscriptFile {
    const participants = new Set(items.map((item) => item.ParticipantId).filter((id): id is string => !!id));
    return {
      Version: '2019-08-26',
      AWSAccountId: this.deps.accountId,
      InstanceId: contact.instanceId,
      InitialContactId: contact.initialContactId,
      ContactId: contact.contactId,
      Participants: [...participants].map((ParticipantId) => ({ ParticipantId })),
      Transcript: items,
      ContactLine: fileLine(contact),
    };
  }

  /**
   * Archives, and reports rather than throws: the contact has ended either way, its items stay
   * readable from the table, and the sweep tries again (`Sweep`).
   */
  async archiveOrWarn(contact: Contact): Promise<void> {
    try {
      await this.archive(contact);
    } catch (error) {
      this.deps.warn('transcript archive failed; items stay in the table until the sweep retries', {
        contactId: contact.contactId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
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

  /**
   * One contact's transcript, as a reader meets it along the line. `latest`: the chat's state, when
   * this is the chat's newest contact, whose items are in the table while the chat is active; any
   * other contact is looked for in its file first, found by the key its ref makes.
   */
  open(instanceId: string, link: LineLink, latest: ChatSession['state'] | undefined): ContactTranscript {
    return new ContactTranscript(this, this.deps.store, instanceId, link, latest);
  }

  /** The parsed file at `key`, from the cache or the bucket; undefined when there is none. */
  async file(key: string): Promise<ParsedFile | undefined> {
    const cached = this.files.get(key);
    if (cached) {
      this.files.delete(key);
      this.files.set(key, cached);
      return cached;
    }
    const file = await this.deps.files.get(key);
    if (!file) return undefined;
    // Files written by Amazon Connect need not be sorted, and may carry items of no known type.
    const items = (file.Transcript ?? []).filter((item) => item && typeof item.Id === 'string' && typeof item.AbsoluteTime === 'string');
    items.sort(compareItems);
    const line = file.ContactLine && { previous: fromFileRef(file.ContactLine.Previous), next: fromFileRef(file.ContactLine.Next) };
    const parsed: ParsedFile = { initialContactId: file.InitialContactId, items, line };
    remember(this.files, key, parsed, FILE_CACHE_SIZE);
    return parsed;
  }

  /** The contact's record; archived ones never change, so they are kept. */
  async record(contactId: string): Promise<Contact> {
    const cached = this.records.get(contactId);
    if (cached) return cached;
    const contact = await this.deps.store.getContact(contactId);
    if (!contact) throw new DomainError('NotFound', `Contact ${contactId} of this chat's history is missing`);
    if (contact.transcriptKey) remember(this.records, contactId, contact, RECORD_CACHE_SIZE);
    return contact;
  }
}

/**
 * A contact's transcript read along the line: from its file (one read, and it names the contact's
 * neighbours), or from the table together with the contact's record (one read). The record is read
 * on its own only for what files and table reads written before neighbours were kept do not say.
 */
export class ContactTranscript {
  private parsed?: ParsedFile;
  private contact?: Contact;
  /** What `find` read from the table: the item and those after it, so a FORWARD read from it costs nothing more. */
  private readAhead?: { from: string; items: TranscriptItem[]; complete: boolean };

  constructor(
    private readonly transcripts: Transcripts,
    private readonly store: Pick<ContactStore, 'getContact' | 'queryItems' | 'contactWithItems'>,
    private readonly instanceId: string,
    readonly link: LineLink,
    private readonly latest: ChatSession['state'] | undefined,
  ) {}

  get contactId(): string {
    return this.link.contactId;
  }

  /** Whose chat the contact belongs to; known once it has been read. */
  get initialContactId(): string | undefined {
    return this.parsed?.initialContactId ?? this.contact?.initialContactId ?? this.link.initialContactId;
  }

  /** Up to `limit` items from `from` in `direction`, nearest first. */
  async read(direction: ItemRange['direction'], from: Position | undefined, limit: number): Promise<TranscriptItem[]> {
    if (await this.fromFile()) return slice(this.parsed!.items, direction, from, limit);
    const ahead = this.readAhead;
    const { contact, items } =
      ahead && direction === 'FORWARD' && from?.inclusive && from.id === ahead.from && (ahead.complete || ahead.items.length >= limit)
        ? { contact: undefined, items: ahead.items.slice(0, limit) }
        : await this.store.contactWithItems(this.contactId, { direction, from: from && { id: from.id, inclusive: from.inclusive } }, limit);
    this.contact = contact ?? this.contact;
    // The record is needed to name the contact's chat, and to go on past a contact that ran out (but
    // for the newest contact of an active chat read FORWARD: nothing comes after it). An ended chat's
    // newest contact may have run out because it is archived: its record says so, and where the file is.
    const goesOn = items.length < limit && !(direction === 'FORWARD' && this.latest === 'ACTIVE');
    if (!this.contact && (goesOn || !this.initialContactId)) this.contact = await this.transcripts.record(this.contactId);
    if (await this.archivedMeanwhile()) return slice(this.parsed!.items, direction, from, limit);
    return items;
  }

  /** The item with this id, if the contact has it. */
  async find(id: string): Promise<TranscriptItem | undefined> {
    // Files written by Amazon Connect are not ordered by id: look the item up by id alone.
    if (await this.fromFile()) return this.parsed!.items.find((item) => item.Id === id);
    // A page of FORWARD reads from the item is fetched along: polls start from the newest item they hold.
    const items = await this.store.queryItems(this.contactId, { direction: 'FORWARD', from: { id, inclusive: true } }, READ_AHEAD);
    if (items[0]?.Id === id) {
      this.readAhead = { from: id, items, complete: items.length < READ_AHEAD };
      return items[0];
    }
    this.contact ??= await this.transcripts.record(this.contactId);
    return (await this.archivedMeanwhile()) ? this.parsed!.items.find((entry) => entry.Id === id) : undefined;
  }

  /** The contact before (BACKWARD) or after (FORWARD) this one in the line, if any. */
  async neighbour(direction: ItemRange['direction']): Promise<LineLink | undefined> {
    // The chat's newest contact has no next one (a transfer would have made another the newest).
    if (direction === 'FORWARD' && this.latest !== undefined) return undefined;
    const line = this.parsed?.line;
    if (line) return direction === 'FORWARD' ? line.next : line.previous;
    this.contact ??= await this.transcripts.record(this.contactId);
    return direction === 'FORWARD' ? lineNext(this.contact) : linePrevious(this.contact);
  }

  /** Reads the file the ref points at, unless the contact is the chat's newest or its ref has no start time. */
  private async fromFile(): Promise<boolean> {
    if (this.parsed) return true;
    const { initiationTimestamp } = this.link;
    if (this.latest !== undefined || initiationTimestamp === undefined) return false;
    this.parsed = await this.transcripts.file(this.transcripts.key({ instanceId: this.instanceId, contactId: this.contactId, initiationTimestamp }));
    return this.parsed !== undefined;
  }

  /**
   * Whether the table read met a contact whose file is (now) written: then its items leave the table
   * once the grace after the file is over (REQUEST_GRACE_MS), so the file is read instead. An ended contact without one is checked again,
   * since its archive may be under way (an ended contact whose file could not be written is read from
   * the table until the sweep writes it).
   */
  private async archivedMeanwhile(): Promise<boolean> {
    let contact = this.contact;
    if (contact?.state === 'ENDED' && !contact.transcriptKey) contact = this.contact = await this.store.getContact(this.contactId);
    if (!contact?.transcriptKey) return false;
    this.parsed = await this.transcripts.file(contact.transcriptKey);
    if (!this.parsed) throw new Error(`transcript file ${contact.transcriptKey} of contact ${contact.contactId} is missing`);
    return true;
  }
}

const remember = <T>(cache: Map<string, T>, key: string, value: T, size: number) => {
  cache.set(key, value);
  if (cache.size > size) cache.delete(cache.keys().next().value!);
};

/** What an archived file says of the contact's neighbours: only when each one it has is known in full. */
function fileLine(contact: Contact): TranscriptFile['ContactLine'] {
  const previous = linePrevious(contact);
  const next = lineNext(contact);
  if ((previous && !inFull(previous)) || (next && !inFull(next))) return undefined;
  return { Previous: previous && toFileRef(previous), Next: next && toFileRef(next) };
}

const toFileRef = (ref: ContactRef): FileContactRef => ({
  ContactId: ref.contactId,
  InitialContactId: ref.initialContactId,
  InitiationTimestamp: new Date(ref.initiationTimestamp).toISOString(),
});

const fromFileRef = (ref: FileContactRef | undefined): ContactRef | undefined =>
  ref && { contactId: ref.ContactId, initialContactId: ref.InitialContactId, initiationTimestamp: Date.parse(ref.InitiationTimestamp) };

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
