/** The records of a chat, in Amazon Connect's words. Times are epoch milliseconds. */

export const PARTICIPANT_ROLES = ['CUSTOMER', 'AGENT', 'SYSTEM', 'CUSTOM_BOT', 'SUPERVISOR'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

/** Amazon Connect's chat timers (UpdateParticipantRoleConfig; the rules are in timers.ts): who has them, which. */
export const TIMER_ROLES = ['CUSTOMER', 'AGENT'] as const;
export const TIMER_TYPES = ['IDLE', 'DISCONNECT_NONCUSTOMER'] as const;
export type TimerRole = (typeof TIMER_ROLES)[number];
export type TimerType = (typeof TIMER_TYPES)[number];

/** The chat's timers, in minutes, by role and type. */
export type ParticipantTimers = Partial<Record<TimerRole, Partial<Record<TimerType, number>>>>;

/** What the timers have seen of a participant: its last message, and since when it is idle. */
export interface ParticipantActivity {
  activeAt: number;
  idleAt?: number;
}

/** API: started by StartChatContact; TRANSFER and DISCONNECT: started by TransferContact. */
export type InitiationMethod = 'API' | 'TRANSFER' | 'DISCONNECT';

export interface Participant {
  participantId: string;
  role: ParticipantRole;
  displayName: string;
  joinedAt: number;
  /** Set when the participant disconnected or left the contact: its tokens are refused from then on. */
  leftAt?: number;
}

/** Connect's SegmentAttributeValue: one of a string, an ARN, a 32-bit integer, or a map or list of values. */
export interface SegmentAttributeValue {
  ValueString?: string;
  ValueArn?: string;
  ValueInteger?: number;
  ValueMap?: Record<string, SegmentAttributeValue>;
  ValueList?: SegmentAttributeValue[];
}

/** One contact: a segment of a chat session. Only the newest segment of a session can be active. */
export interface Contact {
  contactId: string;
  instanceId: string;
  initialContactId: string;
  previousContactId?: string;
  nextContactId?: string;
  /** The contact this one relates to (StartChatContact's RelatedContactId, or the persistent-chat source). */
  relatedContactId?: string;
  /** Persistent chat, on a session's first contact: the past contact whose transcript line it continues. */
  continuedFromContactId?: string;
  initiationMethod: InitiationMethod;
  contactFlowId: string;
  queueId?: string;
  userId?: string;
  state: 'ACTIVE' | 'ENDED';
  initiationTimestamp: number;
  disconnectTimestamp?: number;
  lastUpdateTimestamp: number;
  disconnectReason?: string;
  /** Agents, bots and supervisors of this segment; the customer belongs to the session. */
  participants: Participant[];
  segmentAttributes?: Record<string, SegmentAttributeValue>;
  customerId?: string;
  /**
   * Set once the ended contact's transcript file is durable in S3: readers read it from then on. Its
   * items stay in the table REQUEST_GRACE_MS more (sweep.ts), for readers that began before.
   */
  transcriptKey?: string;
  /** When the transcript file became durable (epoch ms); the sweep deletes the items from the table after the grace. */
  archivedAt?: number;
  /**
   * Attachments sent on this contact whose content check has not finished: the transcript file
   * waits for them, so that it carries their verdict (their items stay in the table until then).
   */
  attachmentsInCheck?: number;
  /** Set when this contact seeded a persistent chat: that chat's first contact (a source seeds only one). */
  persistentChatSourceOf?: string;
  /**
   * The contact before this one in the customer's line (the previous contact of this chat, or at a
   * chat's first contact the past contact it continues) and the next one of this chat, each with what
   * it takes to read that contact's transcript without reading its record first. Absent on contacts
   * stored before these were kept: readers then fall back on PreviousContactId and its kin.
   */
  linePrevious?: ContactRef;
  lineNext?: ContactRef;
  /**
   * Routing (domain/routing.ts): `QUEUED` from the contact's start until an agent accepts it, while it
   * waits in `queueId` since `enqueueTimestamp`; `ACCEPTED` after. Absent on contacts that never waited
   * (a post-chat segment, or contacts stored before routing existed).
   */
  routingState?: 'QUEUED' | 'ACCEPTED';
  enqueueTimestamp?: number;
  /**
   * Only this agent may accept the contact: until `reservedUntil` (a continued chat offered first to the
   * agent who last served the line), or for good when absent (a TransferContact to that agent).
   */
  reservedFor?: string;
  reservedUntil?: number;
  /** What a queue's waiting list shows, copied here at enqueue so that the list is one query per queue. */
  customerName?: string;
  /** The customer's line has chats before this one. */
  returningCustomer?: boolean;
  /** The agent who accepted the contact (AgentInfo.Id), its participant, and when it accepted. */
  agentId?: string;
  agentParticipantId?: string;
  acceptedByAgentTimestamp?: number;
  /** Set while the contact's line is being erased (erasure.ts): the erasure's id. No chat continues from it. */
  erasure?: string;
}

/** Enough of a contact to find its transcript: the file's key is made from its id, instance and start. */
export interface ContactRef {
  contactId: string;
  initialContactId: string;
  initiationTimestamp: number;
}

/** A chat session: the contacts that share one InitialContactId, with what they share. */
export interface ChatSession {
  initialContactId: string;
  instanceId: string;
  state: 'ACTIVE' | 'ENDED';
  /** The newest contact of the session: the active one while the session is active. */
  latestContactId: string;
  customer: Participant;
  attributes: Record<string, string>;
  /** Bumped by every attribute update, for optimistic concurrency. */
  attributesVersion: number;
  supportedMessagingContentTypes: string[];
  /** When the chat ends by itself (ChatDurationInMinutes after it started). */
  expiresAt: number;
  /**
   * While the chat is active: when the sweep must look at it next (its expiry, or a participant
   * timer), never later than that. Absent on chats stored before the sweep existed: they end when touched.
   */
  sweepAt?: number;
  startedAt: number;
  endedAt?: number;
  /**
   * How many items the chat's active contact holds (counted by every write that adds items, through the
   * item clock; absent on chats stored before it was kept, counted from their next item on).
   */
  contactItems?: number;
  /**
   * The time of the chat's newest item. Every write that adds items gives them later times and holds
   * only while this has not moved past them, so items become visible in the order of their times.
   * Absent on chats stored before it was kept, until their next item.
   */
  lastItemAt?: number;
  /** UpdateParticipantRoleConfig's timers (minutes, by role and type), and when they last changed. */
  timers?: ParticipantTimers;
  timersSetAt?: number;
  /** While the chat has timers: each human participant's last message, and since when it is idle. */
  activity?: Record<string, ParticipantActivity>;
  /**
   * The browser forgot the chat (`/widget/forget`): the customer's credentials issued up to this time
   * are refused: resume tokens naming this chat or an earlier one of its line, and the customer's
   * participant, connection and WebSocket tokens of this chat.
   */
  resumeTokensRevokedBefore?: number;
  /** The agent who last accepted a contact of this chat: a chat continuing it is offered to that agent first. */
  lastAgentId?: string;
  /**
   * How many WebSocket connections the chat has recorded (absent: none). A write that reads the chat's
   * connections while it goes in, rather than after, holds only while this is as its session read it
   * (AppendItemWrite.connectionsVersion): a connection recorded in between refuses it.
   */
  connectionsVersion?: number;
}

/** An agent of an instance, as routing keeps it: the contacts it accepted, and when it was last seen signed in. */
export interface AgentRecord {
  instanceId: string;
  username: string;
  /** Contacts accepted and maybe still going on (pruned of ended ones at the next accept), at most the chat limit. */
  contactIds: string[];
  /** Bumped by every change of `contactIds`: accepts by one agent are serialized by it. */
  version: number;
  /** Any agent API call; a sign-out removes it. */
  lastSeenAt?: number;
}

/** What a participant token (stored only as its hash) or a connection token (signed, not stored) grants. */
export interface TokenGrant {
  /** `history`: a read-only credential for the customer's line (POST /widget/history), signed, not stored. */
  kind: 'participant' | 'connection' | 'history';
  instanceId: string;
  initialContactId: string;
  /** The contact the participant joined; customers follow the session across contacts. */
  contactId: string;
  participantId: string;
  role: ParticipantRole;
  expiresAt: number;
  /** When the token was issued (absent on participant tokens stored before it was kept). */
  issuedAt?: number;
}

/** A transcript item as Amazon Connect stores and returns it (participant-API shape, minus ContactId). */
export interface TranscriptItem {
  Id: string;
  AbsoluteTime: string;
  Type: 'MESSAGE' | 'EVENT' | 'ATTACHMENT';
  ContentType: string;
  Content?: string;
  ParticipantId?: string;
  DisplayName?: string;
  ParticipantRole?: ParticipantRole;
  MessageMetadata?: MessageMetadata;
  /** On `ATTACHMENT` items: the one file the item carries. */
  Attachments?: AttachmentItem[];
}

/** Amazon Connect's ArtifactStatus: a file is checked before anyone may download it. */
export type AttachmentStatus = 'IN_PROGRESS' | 'APPROVED' | 'REJECTED';

/** A file in a transcript item, as the participant API returns it. */
export interface AttachmentItem {
  AttachmentId: string;
  AttachmentName: string;
  ContentType: string;
  Status: AttachmentStatus;
}

/**
 * One attachment, from StartAttachmentUpload on: what was declared, where its bytes are, and, once
 * CompleteAttachmentUpload added it to the transcript, which item and contact it is on.
 */
export interface Attachment {
  attachmentId: string;
  instanceId: string;
  /** The chat it was sent in, and when that chat started (GetAttachment's walk back along the line stops before it). */
  initialContactId: string;
  chatStartedAt: number;
  participantId: string;
  name: string;
  contentType: string;
  sizeInBytes: number;
  /** Where the client uploads it (removed by the bucket's lifecycle rule if never completed). */
  uploadKey: string;
  /** Where it is kept once completed, in Amazon Connect's layout. */
  key: string;
  /** `UPLOADING` until CompleteAttachmentUpload; then the item's status. */
  status: 'UPLOADING' | AttachmentStatus;
  startedAt: number;
  /** Set by CompleteAttachmentUpload: the item and the contact it landed on, and that contact's start. */
  itemId?: string;
  contactId?: string;
  contactStartedAt?: number;
}

export interface Receipt {
  RecipientParticipantId: string;
  DeliveredTimestamp?: string;
  ReadTimestamp?: string;
}

export interface MessageMetadata {
  MessageId: string;
  Receipts?: Receipt[];
}

/** One WebSocket connection of a participant, as kept in the store between $connect and $disconnect. */
export interface ChatConnection {
  connectionId: string;
  initialContactId: string;
  participantId: string;
  role: ParticipantRole;
  connectedAt: number;
  /** The connection is cut at the first push after this (about an hour after it opened). */
  expiresAt: number;
  /**
   * An agent desk's connection (push.ts, `agentDesks`): the agent's queues, whose waiting lists it is told
   * about; its `participantId` is the agent's username and its `initialContactId` the instance's desks.
   */
  queues?: string[];
}
