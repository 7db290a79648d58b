/**
 * Every limit a request or a chat is held to, written once: the request readers (http/) check the
 * wire's, the domain keeps its quotas, and the web page sizes its inputs by them. It sits in the
 * domain, the innermost room, because each of those may import the domain and the domain imports
 * nothing above it. Data only: no checks, no imports, so a browser bundle can carry it too.
 */

/** A string's length, in UTF-16 code units as the SDK's Smithy models count them; or a list's items. */
export interface Length {
  min?: number;
  max: number;
}

/** An integer's range, both ends allowed. */
export interface Range {
  min: number;
  max: number;
}

/**
 * The wire: each member's `@length` or `@range` in the Connect and participant service models, keyed
 * by the model's shape name (the member names where the shape says what it is), checked as the
 * request is read. Bounds the models leave open are ours, and say so.
 */
export const LIMITS = {
  InstanceId: { min: 1, max: 100 },
  ContactId: { min: 1, max: 256 },
  // The model gives only the maximum; an empty flow names nothing.
  ContactFlowId: { min: 1, max: 500 },
  // Ours: the model sets none on TransferContact's QueueId; a queue's id is as long as a contact's.
  QueueId: { min: 1, max: 256 },
  /** TransferContact's UserId. */
  AgentResourceId: { min: 1, max: 256 },
  ClientToken: { max: 500 },
  /** The attachment operations' ClientToken, which they require. */
  NonEmptyClientToken: { min: 1, max: 500 },
  DisplayName: { min: 1, max: 256 },
  /** Attributes' keys and values. */
  AttributeName: { min: 1, max: 32767 },
  AttributeValue: { max: 32767 },
  /** A message's or event's ContentType and Content (each content type has its own, lower, quota below). */
  ChatContentType: { min: 1, max: 100 },
  ChatContent: { min: 1, max: 16384 },
  /** StartChatContact's CustomerId. */
  CustomerIdNonEmpty: { min: 1, max: 128 },
  // Ours: StopContact's DisconnectReason.Code has no length in the model.
  DisconnectReasonCode: { min: 1, max: 256 },
  SegmentAttributeName: { min: 1, max: 128 },
  /** ValueString and ValueArn. */
  SegmentAttributeValueString: { max: 1024 },
  /** ValueInteger: the model's Integer, 32 bits. */
  SegmentAttributeValueInteger: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  ChatDurationInMinutes: { min: 60, max: 10080 },
  /** One entry per role and timer type. */
  ParticipantTimerConfigList: { min: 1, max: 6 },
  ParticipantTimerDurationInMinutes: { min: 2, max: 480 },
  /** An attachment's id (AttachmentId, AttachmentIds). */
  ArtifactId: { min: 1, max: 256 },
  /** CompleteAttachmentUpload's AttachmentIds: exactly one. */
  AttachmentIdList: { min: 1, max: 1 },
  AttachmentName: { min: 1, max: 256 },
  /** An attachment's ContentType. */
  ContentType: { min: 1, max: 255 },
  // The model gives only the minimum; the maximum is the largest integer a JSON number carries exactly.
  AttachmentSizeInBytes: { min: 1, max: Number.MAX_SAFE_INTEGER },
  /** GetAttachment's UrlExpiryInSeconds. */
  URLExpiryInSeconds: { min: 5, max: 300 },
  /** GetTranscript's paging: MaxResults, NextToken, and StartPosition's Id, AbsoluteTime and MostRecent. */
  MaxResults: { min: 0, max: 100 },
  NextToken: { min: 1, max: 1000 },
  ChatItemId: { min: 1, max: 256 },
  Instant: { min: 1, max: 100 },
  MostRecent: { min: 0, max: 100 },
  /** The participant API's `X-Amz-Bearer`: a ParticipantToken or a ConnectionToken. */
  ParticipantToken: { min: 1, max: 1000 },
  // Ours: the widget API's resume token (no service model).
  ResumeToken: { min: 1, max: 1000 },
  // Ours: the widget API's customer token, a JWT signed with an RSA or EC key and a few claims fits easily.
  CustomerToken: { min: 1, max: 8192 },
  // Ours: a customer token's `sub`, the customer's id in the host's system (and erase-line's CustomerId).
  CustomerTokenSubject: { min: 1, max: 256 },
} as const satisfies Record<string, Length | Range>;

/** How much a chat, a request or a client may hold: Amazon Connect's quotas, and ours where it sets none. */
export const QUOTAS = {
  /** Amazon Connect's: UTF-8 bytes of user-defined attributes per contact (keys and values). */
  ContactAttributesBytes: 32_768,
  /**
   * Characters of a message's Content by its ContentType, as Amazon Connect documents them; these are
   * also the content types a chat may carry.
   */
  MessageContent: {
    'text/plain': 1024,
    'text/markdown': 1024,
    'application/json': 12000,
    'application/vnd.amazonaws.connect.message.interactive': 12000,
    'application/vnd.amazonaws.connect.message.interactive.response': 12288,
  },
  /**
   * Ours, where the model sets none: SegmentAttributes' entries per map or list, nesting, and the whole
   * as JSON (the contact's DynamoDB item holds them). Connect's own `connect:` attributes fit easily.
   */
  SegmentAttributes: { entries: 50, depth: 3, jsonLength: 32_768 },
  /**
   * Ours: transcript items one contact may hold. Its transcript file is written and read whole, so a
   * contact is bounded (1,000 items of at most 12 KB of content each); a transfer starts a new contact.
   */
  ItemsPerContact: 1000,
  /**
   * Ours: open sockets one participant may hold (tabs, devices, reconnections). Opening one more closes
   * its oldest, so a chat's fan-out stays bounded however many sockets a client opens.
   */
  ConnectionsPerParticipant: 10,
  /**
   * Ours: frames one WebSocket connection may send per FRAME_WINDOW_MS (websockets.ts). chatjs sends an
   * `aws/heartbeat` and an `aws/ping` every 10 s and a subscribe per connection. Past it, frames are refused
   * as API Gateway refuses throttled ones, and the socket is closed (API Gateway has no limit per connection).
   */
  FramesPerConnectionWindow: 20,
  /** Amazon Connect's feature specification: attachments per chat conversation (counted per contact). */
  AttachmentsPerContact: 35,
  /** Ours: request bodies above this are refused before parsing (API Gateway's own cap is 10 MB). */
  RequestBodyBytes: 256 * 1024,
  /**
   * Amazon Connect's routing profile: chats an agent handles at once (its chat Concurrency, 1 to 10).
   * The setting (AGENT_CHAT_LIMIT, context agentChatLimit) must lie inside it.
   */
  AgentChats: { min: 1, max: 10 },
  /** Ours: how long a continued chat may be held for the agent who last served the line (RESUME_TO_AGENT_SECONDS). */
  ResumeToAgentSeconds: { min: 0, max: 3600 },
  /** Ours: the oldest contacts of each queue an agent's waiting list shows (one query per queue, at any length). */
  WaitingListContacts: 100,
  /** Ours: the queues (Cognito groups) of one agent a waiting list reads, each a query: the rest are not read. */
  AgentQueues: 25,
} as const;
