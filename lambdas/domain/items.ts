import { randomBytes } from 'node:crypto';
import type { Attachment, AttachmentStatus, Participant, TranscriptItem } from './model';
import { QUOTAS } from './limits';

/** Content types of Amazon Connect's chat events, as they appear in transcripts. */
export const EVENT = {
  typing: 'application/vnd.amazonaws.connect.event.typing',
  delivered: 'application/vnd.amazonaws.connect.event.message.delivered',
  read: 'application/vnd.amazonaws.connect.event.message.read',
  connectionAcknowledged: 'application/vnd.amazonaws.connect.event.connection.acknowledged',
  joined: 'application/vnd.amazonaws.connect.event.participant.joined',
  left: 'application/vnd.amazonaws.connect.event.participant.left',
  transferSucceeded: 'application/vnd.amazonaws.connect.event.transfer.succeeded',
  chatEnded: 'application/vnd.amazonaws.connect.event.chat.ended',
  chatRehydrated: 'application/vnd.amazonaws.connect.event.chat.rehydrated',
  idle: 'application/vnd.amazonaws.connect.event.participant.idle',
  returned: 'application/vnd.amazonaws.connect.event.participant.returned',
  autoDisconnection: 'application/vnd.amazonaws.connect.event.participant.autodisconnection',
} as const;

/** Characters of a message's Content by its ContentType (read with a string: any ContentType may arrive). */
const MESSAGE_CONTENT_LIMITS: Readonly<Record<string, number>> = QUOTAS.MessageContent;

/**
 * A time-ordered item id (UUID version 7: 48 bits of milliseconds, then 74 random bits), so that
 * ids sort in the order items were written and the store can key items by id alone.
 */
export function newItemId(now: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Participant-API timestamps: fixed-width UTC ISO-8601 with milliseconds (chatjs compares them as strings). */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

export function eventItem(contentType: string, now: number, participant?: Participant, content?: string): TranscriptItem {
  return {
    Id: newItemId(now),
    AbsoluteTime: isoTime(now),
    Type: 'EVENT',
    ContentType: contentType,
    Content: content,
    ParticipantId: participant?.participantId,
    DisplayName: participant?.displayName,
    ParticipantRole: participant?.role ?? 'SYSTEM',
  };
}

export function messageItem(participant: Participant, contentType: string, content: string, now: number): TranscriptItem {
  return { ...sentBy(participant, now), Type: 'MESSAGE', ContentType: contentType, Content: content };
}

/** A file a participant sent, as Amazon Connect's transcripts carry it: the item's ContentType is the file's. */
export function attachmentItem(
  participant: Participant,
  attachment: Pick<Attachment, 'attachmentId' | 'name' | 'contentType'>,
  status: AttachmentStatus,
  now: number,
): TranscriptItem {
  return {
    ...sentBy(participant, now),
    Type: 'ATTACHMENT',
    ContentType: attachment.contentType,
    Attachments: [{ AttachmentId: attachment.attachmentId, AttachmentName: attachment.name, ContentType: attachment.contentType, Status: status }],
  };
}

/** The same item with its file's new status (the check's verdict). */
export const withAttachmentStatus = (item: TranscriptItem, status: AttachmentStatus): TranscriptItem => ({
  ...item,
  Attachments: item.Attachments?.map((attachment) => ({ ...attachment, Status: status })),
});

const sentBy = (participant: Participant, now: number) => ({
  Id: newItemId(now),
  AbsoluteTime: isoTime(now),
  ParticipantId: participant.participantId,
  DisplayName: participant.displayName,
  ParticipantRole: participant.role,
});

/** Items are ordered by time, then id: the order of Amazon Connect's transcripts, total even for equal times. */
export const compareItems = (a: Pick<TranscriptItem, 'AbsoluteTime' | 'Id'>, b: Pick<TranscriptItem, 'AbsoluteTime' | 'Id'>): number =>
  a.AbsoluteTime < b.AbsoluteTime ? -1 : a.AbsoluteTime > b.AbsoluteTime ? 1 : a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0;

/** The content types a chat may carry (StartChatContact's SupportedMessagingContentTypes), text/plain always among them. */
export const MESSAGE_CONTENT_TYPES = Object.keys(MESSAGE_CONTENT_LIMITS);

/** Checks a chat message as Amazon Connect does: a known content type the chat supports, within its size limit. */
export function checkMessage(contentType: string, content: string, supported: readonly string[]): string | undefined {
  // Own keys only: a ContentType such as `constructor` names no limit.
  const limit = Object.hasOwn(MESSAGE_CONTENT_LIMITS, contentType) ? MESSAGE_CONTENT_LIMITS[contentType] : undefined;
  if (limit === undefined || (contentType !== 'text/plain' && !supported.includes(contentType))) {
    return `ContentType ${contentType} is not supported by this chat`;
  }
  if (content.length > limit) return `Content of type ${contentType} must be at most ${limit} characters`;
  return undefined;
}

/** The lowest and highest item ids of a millisecond: time bounds expressed as ids. */
export function idBoundsAt(ms: number): { lowest: string; highest: string } {
  const hex = ms.toString(16).padStart(12, '0');
  const time = `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
  return { lowest: `${time}-0000-0000-000000000000`, highest: `${time}-ffff-ffff-ffffffffffff` };
}
