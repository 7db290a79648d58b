import type {
  AgentRecord,
  Attachment,
  AttachmentStatus,
  ChatConnection,
  ChatSession,
  Contact,
  ContactRef,
  Participant,
  ParticipantActivity,
  ParticipantTimers,
  Receipt,
  TokenGrant,
  TranscriptItem,
} from './model';

/**
 * The contact store: contact records, chat sessions, token grants and idempotency records.
 * Every multi-record write is one atomic operation: it either happens whole or fails with
 * `WriteConflict`, naming which precondition did not hold, and changes nothing.
 */
export interface ContactStore {
  getContact(contactId: string): Promise<Contact | undefined>;
  getSession(initialContactId: string): Promise<ChatSession | undefined>;
  getGrant(tokenHash: string): Promise<TokenGrant | undefined>;
  getIdempotencyRecord(key: IdempotencyKey): Promise<IdempotencyRecord | undefined>;
  /** The line of a customer of the host site (instance and `sub`): one read, however long the line. */
  getCustomerLine(instanceId: string, customerId: string): Promise<CustomerLine | undefined>;

  /** Creates the session, its first contact, its first items and the customer's token grant. */
  startChat(write: StartChatWrite): Promise<void>;
  /** Ends `from` and starts `to` in the same session; `from` must still be the active contact. */
  transfer(write: TransferWrite): Promise<void>;
  /** Ends the active contact and with it the session. */
  endSession(write: EndSessionWrite): Promise<void>;
  /** Adds a participant to an active contact and stores its token grant. */
  addParticipant(write: AddParticipantWrite): Promise<void>;
  /** Stores a token grant (a connection token) for a participant of an active chat. */
  putGrant(tokenHash: string, grant: TokenGrant): Promise<void>;
  /** Appends an item to an active contact's transcript. */
  appendItem(write: AppendItemWrite): Promise<void>;
  /** Marks an agent (or bot, supervisor) as gone from an active contact. */
  participantLeft(write: ParticipantLeftWrite): Promise<void>;
  /** Records a delivered or read receipt on a message of the contact; false if the message is not there. */
  addReceipt(contactId: string, messageId: string, kind: 'delivered' | 'read', receipt: Receipt): Promise<boolean>;

  /** Up to `limit` items of a contact still kept in the table, in transcript order from `range`. */
  queryItems(contactId: string, range: ItemRange, limit: number): Promise<TranscriptItem[]>;
  /**
   * The same items with the contact's record, in one read: the record comes along whenever the read
   * reaches it (always when `range` has no bound; BACKWARD, once fewer than `limit` items remain).
   */
  contactWithItems(contactId: string, range: ItemRange, limit: number): Promise<{ contact?: Contact; items: TranscriptItem[] }>;
  /** Records that the ended contact's transcript file is durable since `at`; the sweep frees the table of its items from then on. */
  markArchived(contactId: string, transcriptKey: string, at: number): Promise<void>;
  /** Removes items whose transcript file is durable. */
  deleteItems(contactId: string, itemIds: string[]): Promise<void>;
  /** The ended contact's archive is complete (file durable, items gone): the sweep has nothing left to do on it. */
  archiveFinished(contactId: string): Promise<void>;
  /** Active chats whose `sweepAt` has come by `before`, soonest first, up to `limit`: their InitialContactIds. */
  dueChats(before: number, limit: number): Promise<string[]>;
  /**
   * Contacts whose archive is unfinished, oldest first, up to `limit`: their ContactIds. Those that
   * ended by `before` and have no file, and those whose file was durable by `before` (`markArchived`)
   * and whose items are still in the table.
   */
  unfinishedArchives(before: number, limit: number): Promise<string[]>;
  /** Refuses from now on the resume tokens that reach this chat and were issued up to `before`. */
  revokeResumeTokens(initialContactId: string, before: number): Promise<void>;
  /**
   * Sets an active chat's participant timers, and makes the chat due for the sweep at once (it works out
   * when each timer runs out). WriteConflict `contact-not-active` once the chat has ended.
   */
  setTimers(initialContactId: string, timers: ParticipantTimers, now: number): Promise<void>;
  /** What the sweep did to a chat's timers: idle and auto-disconnection events, agents gone, and when to look next. */
  timersFired(write: TimersFiredWrite): Promise<void>;
  /**
   * When the sweep must look at an active chat next, if the chat is as the sweep read it (no item and
   * no timer change since): else nothing, and the chat stays due.
   */
  rescheduleChat(session: Pick<ChatSession, 'initialContactId' | 'sweepAt' | 'lastItemAt' | 'timersSetAt'>, sweepAt: number): Promise<void>;
  /** Replaces the session's attributes if nobody changed them since `expectedVersion` (else `stale`). */
  replaceAttributes(initialContactId: string, attributes: Record<string, string>, expectedVersion: number, now: number): Promise<void>;

  getAttachment(attachmentId: string): Promise<Attachment | undefined>;
  /**
   * Records an upload that StartAttachmentUpload began (kept `expiresAt` unless completed), and counts it
   * on its contact: refused with `attachment-quota` when the contact has had `maxPerContact` already.
   */
  startAttachment(write: StartAttachmentWrite): Promise<void>;
  /**
   * Records the content check's verdict on a completed attachment, on its record and on its
   * transcript item; false when its contact's transcript file was written meanwhile (the item is
   * then read from the file): the record holds the verdict then.
   */
  attachmentChecked(checked: AttachmentChecked): Promise<boolean>;
  /** Uploads started before `before` and never completed: a full scan, for the local server's sweep. */
  abandonedUploads(before: number): Promise<Attachment[]>;
  /** Forgets an upload that was never completed (only while it is still `UPLOADING`). */
  forgetUpload(attachmentId: string): Promise<void>;

  /**
   * Contacts waiting in a queue (or for one agent), oldest first, up to `limit`: one query of the queue
   * index, which is eventually consistent (accepting is what decides, atomically).
   */
  queuedContacts(queue: QueueRef, limit: number): Promise<QueuedContact[]>;
  getAgent(instanceId: string, username: string): Promise<AgentRecord | undefined>;
  /** Records that the agent is signed in at `at`, or (undefined) that it signed out. */
  agentSeen(instanceId: string, username: string, at: number | undefined): Promise<void>;
}

/** A queue of an instance, or the contacts transferred to one agent (TransferContact with UserId). */
export type QueueRef = { instanceId: string; queueId: string } | { instanceId: string; agentId: string };

/** What a queue's index holds of a waiting contact. */
export type QueuedContact = Pick<
  Contact,
  'contactId' | 'initialContactId' | 'queueId' | 'enqueueTimestamp' | 'customerName' | 'returningCustomer' | 'reservedFor' | 'reservedUntil'
>;

export interface StartAttachmentWrite {
  attachment: Attachment;
  expiresAt: number;
  /** The chat's active contact, which the upload counts against. */
  contactId: string;
  maxPerContact: number;
  idempotency?: IdempotencyRecord;
}

export interface AttachmentChecked {
  attachmentId: string;
  contactId: string;
  itemId: string;
  contactStartedAt: number;
  status: Exclude<AttachmentStatus, 'IN_PROGRESS'>;
}

export interface IdempotencyKey {
  operation: string;
  instanceId: string;
  clientToken: string;
  /**
   * The chat the call is made on, when the token is scoped to it (a participant's call): the record
   * is kept with the chat, and erased with it. Absent for tokens looked up before there is a chat
   * (StartChatContact) or scoped to the instance (Connect calls).
   */
  initialContactId?: string;
}

export interface IdempotencyRecord extends IdempotencyKey {
  /** A digest of the request's parameters: the same token with other parameters is refused. */
  requestDigest: string;
  /** The first call's response; secrets in it are sealed. */
  response: Record<string, string>;
  expiresAt: number;
}

/** A bound in transcript order; `after` reads forward from it, `before` backward. Exclusive unless `inclusive`. */
export interface ItemRange {
  direction: 'FORWARD' | 'BACKWARD';
  from?: { id: string; inclusive: boolean };
}

export interface StartChatWrite {
  session: ChatSession;
  contact: Contact;
  items: TranscriptItem[];
  grant: { tokenHash: string; grant: TokenGrant };
  idempotency?: IdempotencyRecord;
  /** Persistent chat: the new chat's claim on the contact it continues. */
  sourceClaim?: SourceClaim;
  /**
   * The chat is the customer's newest on the line of `contact.customerId`: `first` starts the line (refused
   * with `line-exists` when another device started it meanwhile), else the line moves on to this chat
   * (refused with `line-erasing` while the line is being erased).
   */
  customerLine?: { first: boolean };
}

/**
 * The write-time half of the line's continuation rule (line.ts, `continuation`): the start holds only
 * if the source contact has seeded no chat yet and is not being erased (else `source-already-used`) and
 * its chat has ended (else `source-session-active`), and marks the source as seeding `claimedBy` (its
 * `persistentChatSourceOf`, which the line follows forward).
 */
export interface SourceClaim {
  sourceContactId: string;
  sourceInitialContactId: string;
  /** The new chat's initial contact. */
  claimedBy: string;
}

/**
 * A customer's line, as the index keyed by instance and customer id keeps it: the newest chat of the line
 * (its InitialContactId), which leads back through every earlier one.
 */
export interface CustomerLine {
  instanceId: string;
  customerId: string;
  latestInitialContactId: string;
  /** Set while the line is being erased: the erasure's id. */
  erasure?: string;
}

/**
 * A write's claim on the chat's item clock (ChatSession.lastItemAt): it holds only while the chat's
 * newest item is older than the write's first item, and moves the clock to its last item. Refused
 * with `stale` otherwise, as when the contact it writes to is no longer the chat's active contact.
 */
export interface ItemClockClaim {
  initialContactId: string;
  first: number;
  last: number;
  /** How many items the chat's active contact holds once the write is in (ChatSession.contactItems). */
  contactItems: number;
}

export interface TransferWrite {
  from: { contactId: string; now: number; participants: Participant[]; items: TranscriptItem[] };
  to: Contact;
  toItems: TranscriptItem[];
  clock: ItemClockClaim;
  idempotency?: IdempotencyRecord;
}

export interface EndSessionWrite {
  contactId: string;
  clock: ItemClockClaim;
  now: number;
  disconnectReason?: string;
  /** Everyone marked as left, and the closing items (left, chat ended). */
  customer: Participant;
  participants: Participant[];
  items: TranscriptItem[];
}

export interface AppendItemWrite {
  contactId: string;
  item: TranscriptItem;
  /** The sender was idle: its `participant.returned`, written just before the item. */
  returned?: TranscriptItem;
  /** The chat has timers: its participants' activity, the sender's renewed. */
  activity?: Record<string, ParticipantActivity>;
  clock: ItemClockClaim;
  idempotency?: IdempotencyRecord;
  /** The upload this item completes: it must still be `UPLOADING` (else `attachment-completed`), and becomes `IN_PROGRESS` on this item. */
  completes?: { attachmentId: string };
  /**
   * The chat's `connectionsVersion` as the write's session read it (0: absent): the write holds only
   * while no connection was recorded since (else `stale`), so connections read from then on are all
   * that must see its item.
   */
  connectionsVersion?: number;
}

export interface TimersFiredWrite {
  contactId: string;
  clock: ItemClockClaim;
  items: TranscriptItem[];
  activity: Record<string, ParticipantActivity>;
  /** The contact's participants, when agents were auto-disconnected. */
  participants?: Participant[];
  sweepAt: number;
  /** The timers the sweep worked from (ChatSession.timersSetAt): a change since refuses the write (`stale`). */
  timersSetAt: number | undefined;
}

export interface ParticipantLeftWrite {
  contactId: string;
  participants: Participant[];
  item: TranscriptItem;
  clock: ItemClockClaim;
}

export interface AddParticipantWrite {
  contactId: string;
  clock: ItemClockClaim;
  /** The chat has agent timers: the sweep must look at it by then (never later than it was due). */
  sweepAt?: number;
  participant: Participant;
  items: TranscriptItem[];
  grant: { tokenHash: string; grant: TokenGrant };
  idempotency?: IdempotencyRecord;
  /** An agent accepting the queued contact: it must still be queued and not reserved for another (else `already-accepted`). */
  accept?: AcceptWrite;
}

export interface AcceptWrite {
  at: number;
  /** The agent's record with this contact added; written only if nobody changed it since it was read (else `agent-changed`). */
  agent: AgentRecord;
  /** The version read; none when the agent had no record. */
  seenVersion?: number;
}

/** Why an atomic write was refused. */
export type ConflictReason =
  | 'contact-not-active' // the contact has ended, or is no longer the session's active contact
  | 'already-exists' // an id collided (practically never: ids are random UUIDs)
  | 'idempotency-token-used' // another request with the same ClientToken won
  | 'source-already-used' // a persistent-chat source can seed only one chat
  | 'source-session-active' // a persistent-chat source whose session has not ended
  | 'attachment-completed' // CompleteAttachmentUpload on an upload already completed
  | 'already-accepted' // another agent accepted the contact first (or it left its queue)
  | 'agent-changed' // the agent's record changed since it was read (another accept of the same agent)
  | 'attachment-quota' // StartAttachmentUpload on a contact that has had QUOTAS.AttachmentsPerContact uploads
  | 'line-exists' // a customer's first chat, when another device started the customer's line meanwhile
  | 'line-erasing' // the customer's line, or the contact a chat would continue, is being erased
  | 'stale'; // an optimistic write lost a race (the chat moved on): read again and retry

export class WriteConflict extends Error {
  constructor(readonly reason: ConflictReason) {
    super(`write refused: ${reason}`);
    this.name = 'WriteConflict';
  }
}

/** WebSocket connections, kept from $connect to $disconnect (and expiring by TTL if that never comes). */
export interface ConnectionStore {
  /**
   * Records a new connection, and claims the single-use URL it was opened with (kept until
   * `url.expiresAt`); a chat's connection (not an agent desk's: `chat` false) is also counted in the
   * chat's `connectionsVersion`, in the same write. Throws WriteConflict `already-exists` when the URL
   * was used before, `stale` when the chat is gone.
   */
  openConnection(connection: ChatConnection, url: { id: string; expiresAt: number }, options: { chat: boolean }): Promise<void>;
  /**
   * The connection's record; `eventual`: an eventually consistent read (half the read units), which may
   * still return a connection removed a moment ago.
   */
  getConnection(connectionId: string, read?: { eventual?: boolean }): Promise<ChatConnection | undefined>;
  /** Every connection of a chat: one query. */
  chatConnections(initialContactId: string): Promise<ChatConnection[]>;
  removeConnection(connection: Pick<ChatConnection, 'connectionId' | 'initialContactId'>): Promise<void>;
  /**
   * Adds one frame to the connection's count for `window` (a count of an older window starts over):
   * the count, or undefined when the connection is not on record or the record counts a later window.
   */
  countFrame(connectionId: string, window: number): Promise<number | undefined>;
  /** Records that something happened once (kept until `expiresAt`): true the first time, false ever after. */
  claimOnce(key: string, expiresAt: number): Promise<boolean>;
}

/** Transcript files in the one S3 bucket, in Amazon Connect's own format. */
export interface TranscriptFiles {
  put(key: string, file: TranscriptFile): Promise<void>;
  get(key: string): Promise<TranscriptFile | undefined>;
}

/**
 * Attachment files in the one bucket. Clients upload and download them with pre-signed URLs; the
 * service itself only looks at them (HEAD, the first bytes), moves a completed upload to where it is
 * kept, and removes what is left behind.
 */
export interface AttachmentFiles {
  /** A URL that accepts one PUT of exactly this content type and size, and the headers the PUT must carry. */
  uploadUrl(
    key: string,
    file: { contentType: string; sizeInBytes: number },
    expiresInSeconds: number,
  ): Promise<{ url: string; headers: Record<string, string> }>;
  /** A URL that serves the file as a download under its name. */
  downloadUrl(key: string, file: { name: string; contentType: string }, expiresInSeconds: number): Promise<string>;
  /** The object's size and type; undefined when there is none. */
  head(key: string): Promise<{ sizeInBytes: number; contentType?: string } | undefined>;
  /** Up to `count` bytes from the start of the object. */
  firstBytes(key: string, count: number): Promise<Uint8Array>;
  copy(fromKey: string, toKey: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Amazon Connect's chat transcript file (Version 2019-08-26). */
export interface TranscriptFile {
  Version: string;
  AWSAccountId: string;
  InstanceId: string;
  InitialContactId: string;
  ContactId: string;
  Participants: { ParticipantId: string }[];
  Transcript: TranscriptItem[];
  /**
   * Ours, beside Amazon Connect's members: the contacts before and after this one in the customer's
   * line, so that paging goes from file to file without reading contact records. Files without it
   * (Amazon Connect's own, or written before it existed) are followed through the contact record.
   */
  ContactLine?: { Previous?: FileContactRef; Next?: FileContactRef };
}

export interface FileContactRef {
  ContactId: string;
  InitialContactId: string;
  InitiationTimestamp: string;
}

/**
 * An erasure of a customer's line (`POST /persistent-chat/erase-line`): what it removes, written before
 * anything is removed, so that a run stopped half way is finished by the next. No content: ids, times
 * and object keys.
 */
export interface ErasureRecord {
  erasureId: string;
  instanceId: string;
  /** The customer whose line index entry goes too; dropped from the record once the erasure is done. */
  customerId?: string;
  contacts: ContactRef[];
  /** Each chat of the line, with its customer participant (its once-markers are keyed by it). */
  chats: { initialContactId: string; customerParticipantId: string }[];
  /** Transcript files and attachment objects, every version of which goes. */
  objectKeys: string[];
  state: 'ERASING' | 'ERASED';
  startedAt: number;
  finishedAt?: number;
}

/** What erasing a line takes of the table, beyond the contact store's reads. */
export interface ErasureStore {
  getErasure(erasureId: string): Promise<ErasureRecord | undefined>;
  /** The erasure that removed (or is removing) this contact, if any. */
  erasedBy(contactId: string): Promise<string | undefined>;
  /**
   * Marks the customer's line index entry as being erased, so the line cannot move on: the id of the
   * erasure that holds it (this one, or one under way before).
   */
  markCustomerLine(instanceId: string, customerId: string, erasureId: string): Promise<string>;
  /** Marks contacts as being erased: no chat may continue from them any more. */
  markContacts(contactIds: string[], erasureId: string): Promise<void>;
  /** The chat's attachments, by the notes beside its session. */
  chatAttachments(initialContactId: string): Promise<Attachment[]>;
  /** Writes the erasure's record, then a tombstone (the erasure's id) for each of its contacts. */
  recordErasure(record: ErasureRecord): Promise<void>;
  /**
   * Removes every row of the contact's partition (its record, items, session, notes; with the record its
   * queue index entry and routing fields) and every record a note names; and the contact from the record
   * of the agent who accepted it, which belongs to the agent and stays.
   */
  removeContact(contactId: string): Promise<void>;
  /** Removes the chat's WebSocket connection records and its customer's once-markers. */
  removeChat(chat: ErasureRecord['chats'][number]): Promise<void>;
  removeCustomerLine(instanceId: string, customerId: string): Promise<void>;
  /** The erasure is done: its record keeps only which contacts went and when (no customer id, chats or keys). */
  erasureFinished(erasureId: string, at: number): Promise<void>;
}

/** Every version of objects in the (versioned) bucket, for erasure. */
export interface ObjectVersions {
  /** Deletes every version and delete marker of the object at `key`; how many it deleted. */
  deleteAllVersions(key: string): Promise<number>;
}

/** Who a verified customer token speaks for. */
export interface CustomerClaim {
  /** The customer's id in the host's system (`sub`): the line is keyed by it and the instance. */
  customerId: string;
  /** The `name` claim: the display name when the request names none. */
  name?: string;
}

/**
 * Verifies the host site's customer tokens (JWTs; http/customer-tokens.ts, with jose): the customer a token
 * speaks for, or InvalidParameter for a string that is no JWS, AccessDenied for one not to be trusted.
 */
export interface CustomerTokenVerifier {
  verify(token: string): Promise<CustomerClaim>;
}
