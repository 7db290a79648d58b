import { randomUUID } from 'node:crypto';
import type { AttachmentCheck } from './attachment-check';
import { type AttachmentSettings, bareContentType, checkUpload } from './attachment-types';
import { accessDenied, DomainError, invalidParameter } from './errors';
import { Idempotency } from './idempotency';
import { attachmentItem, isoTime, withAttachmentStatus } from './items';
import type { KeyRing } from './keys';
import { chatsBefore } from './line';
import type { Attachment, AttachmentStatus, ChatSession } from './model';
import { type Appended, participantIdempotencyKey, type Participants, type Reader } from './participants';
import { type ChatPush, itemFrames } from './push';
import type { Transcripts } from './transcripts';
import { type AttachmentFiles, type ContactStore, WriteConflict } from './ports';
import { LIMITS, QUOTAS } from './limits';

/** How long StartAttachmentUpload's URL accepts the upload. */
export const UPLOAD_URL_SECONDS = 300;
/** GetAttachment's UrlExpiryInSeconds when not given: the longest the model allows, as Amazon Connect's default. */
export const DEFAULT_DOWNLOAD_URL_SECONDS = LIMITS.URLExpiryInSeconds.max;
/** An upload not completed within a day is abandoned: the bucket's lifecycle rule removes its bytes (pending prefix, 1 day). */
export const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;
/** Its record expires a week after it started (by then the lifecycle rule, or the local sweep, has removed the bytes). */
export const UPLOAD_RECORD_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * Where attachments live in the transcript bucket, under the transcript prefix: uploads in a prefix
 * of their own (the bucket's lifecycle rule empties it of what is never completed), kept files in
 * Amazon Connect's layout beside the instance's ChatTranscripts. The stack grants by these.
 */
export const attachmentKeys = (prefix: string) => ({
  /** `connect/PendingAttachments/<instance>/<AttachmentId>` */
  uploads: `${prefix}/PendingAttachments/`,
  /** `connect/<instance>/Attachments/chat/YYYY/MM/DD/<ContactId>/<AttachmentId>_<name>`, as an IAM pattern. */
  keptPattern: `${prefix}/*/Attachments/*`,
});

export interface AttachmentsDeps {
  store: Pick<
    ContactStore,
    'getAttachment' | 'startAttachment' | 'attachmentChecked' | 'getContact' | 'getIdempotencyRecord' | 'abandonedUploads' | 'forgetUpload'
  >;
  files: AttachmentFiles;
  check: AttachmentCheck;
  participants: Pick<Participants, 'post'>;
  /** Reads (and caches) the records of past contacts along the line. */
  transcripts: Pick<Transcripts, 'record' | 'archiveOrWarn'>;
  push: ChatPush;
  keys: KeyRing;
  settings: AttachmentSettings;
  /** Key prefix in the transcript bucket (`connect`, as Amazon Connect writes it). */
  prefix: string;
  now: () => number;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

export interface FileToUpload {
  name: string;
  contentType: string;
  sizeInBytes: number;
}

export interface UploadStarted {
  AttachmentId: string;
  UploadMetadata: { Url: string; UrlExpiry: string; HeadersToInclude: Record<string, string> };
}

export interface AttachmentUrl {
  Url: string;
  UrlExpiry: string;
  AttachmentSizeInBytes: number;
}

/**
 * Chat attachments, as Amazon Connect's participant API has them: a participant asks for an upload
 * URL (StartAttachmentUpload), PUTs the file to the transcript bucket with it, and completes the
 * upload (CompleteAttachmentUpload), which adds an `ATTACHMENT` item to the transcript the way a
 * message is added; the file is checked, and anyone on the chat's line, in this chat or any chat
 * that continues it, may then download it (GetAttachment).
 */
export class Attachments {
  private readonly idempotency: Idempotency;

  constructor(private readonly deps: AttachmentsDeps) {
    this.idempotency = new Idempotency(deps.store, deps.keys);
  }

  /** StartAttachmentUpload: checks the file against the settings and returns a URL that takes exactly it. */
  async start(reader: Reader, file: FileToUpload, clientToken: string | undefined): Promise<UploadStarted> {
    checkUpload(this.deps.settings, file.name, file.contentType, file.sizeInBytes);
    const now = this.deps.now();
    const { session, grant, participant } = reader;
    const attachmentId = randomUUID();
    const fresh: Attachment = {
      attachmentId,
      instanceId: grant.instanceId,
      initialContactId: session.initialContactId,
      chatStartedAt: session.startedAt,
      participantId: participant.participantId,
      name: file.name,
      contentType: file.contentType,
      sizeInBytes: file.sizeInBytes,
      uploadKey: this.uploadKey(grant.instanceId, attachmentId),
      key: this.key(grant.instanceId, session.latestContactId, attachmentId, file.name, now),
      status: 'UPLOADING',
      startedAt: now,
    };
    const key = participantIdempotencyKey(reader, 'StartAttachmentUpload', clientToken);
    const { AttachmentId } = await this.idempotency.run<{ AttachmentId: string }>(key, file, now, async (record) => {
      try {
        await this.deps.store.startAttachment({
          attachment: fresh,
          expiresAt: now + UPLOAD_RECORD_TTL_MS,
          contactId: session.latestContactId,
          maxPerContact: QUOTAS.AttachmentsPerContact,
          idempotency: record?.({ AttachmentId: attachmentId }),
        });
      } catch (error) {
        if (error instanceof WriteConflict && error.reason === 'attachment-quota')
          throw new DomainError('QuotaExceeded', `A contact may have at most ${QUOTAS.AttachmentsPerContact} attachments`);
        throw error;
      }
      return { AttachmentId: attachmentId };
    });
    // A retry with the same ClientToken gets the first call's attachment, with a URL signed anew.
    const attachment = AttachmentId === attachmentId ? fresh : await this.own(reader, AttachmentId);
    const { url, headers } = await this.deps.files.uploadUrl(attachment.uploadKey, attachment, UPLOAD_URL_SECONDS);
    return { AttachmentId, UploadMetadata: { Url: url, UrlExpiry: isoTime(now + UPLOAD_URL_SECONDS * 1000), HeadersToInclude: headers } };
  }

  /**
   * CompleteAttachmentUpload: the uploaded object must be there with the declared size and type; its
   * item is added (`IN_PROGRESS`) and pushed like a message, then the file is moved to where
   * attachments are kept and checked, and the item, now `APPROVED` or `REJECTED`, pushed again.
   */
  async complete(reader: Reader, attachmentId: string, clientToken: string | undefined): Promise<Record<string, never>> {
    const attachment = await this.own(reader, attachmentId);
    // Completed already: only a retry with the same ClientToken gets through (it replays); any other call is refused below.
    if (attachment.status === 'UPLOADING') await this.uploaded(attachment);
    let appended: Appended | undefined;
    try {
      ({ appended } = await this.deps.participants.post(reader, {
        operation: 'CompleteAttachmentUpload',
        clientToken,
        request: { attachmentId },
        item: (time) => attachmentItem(reader.participant, attachment, 'IN_PROGRESS', time),
        response: () => ({}),
        completes: { attachmentId },
      }));
    } catch (error) {
      if (error instanceof WriteConflict && error.reason === 'attachment-completed')
        throw new DomainError('Conflict', 'This attachment upload has already been completed');
      throw error;
    }
    if (appended) await this.checkContent(reader.session, attachment, appended);
    return {};
  }

  /** GetAttachment: a download URL for an approved file of the reader's line. */
  async get(reader: Reader, attachmentId: string, expiresInSeconds: number): Promise<AttachmentUrl> {
    // Amazon Connect: "The participant role CUSTOM_BOT is not permitted to access attachments customers may upload."
    if (reader.participant.role === 'CUSTOM_BOT') throw accessDenied('Bots may not download attachments');
    const attachment = await this.deps.store.getAttachment(attachmentId);
    if (
      !attachment ||
      attachment.instanceId !== reader.grant.instanceId ||
      attachment.status === 'UPLOADING' ||
      !(await this.onLine(reader.session, attachment))
    ) {
      throw accessDenied('The attachment is not part of this chat');
    }
    if (attachment.status === 'IN_PROGRESS') throw invalidParameter('The attachment is still being checked; try again in a moment');
    if (attachment.status === 'REJECTED') throw invalidParameter('The attachment was rejected by the content check and cannot be downloaded');
    const now = this.deps.now();
    return {
      Url: await this.deps.files.downloadUrl(attachment.key, attachment, expiresInSeconds),
      UrlExpiry: isoTime(now + expiresInSeconds * 1000),
      AttachmentSizeInBytes: attachment.sizeInBytes,
    };
  }

  /**
   * Removes uploads started more than a day ago and never completed, their bytes and their record.
   * On AWS the bucket's lifecycle rule on the pending prefix does this (and the record expires by
   * TTL); the local server, whose S3 has no lifecycle rules, calls this when it starts.
   */
  async sweep(): Promise<number> {
    const abandoned = await this.deps.store.abandonedUploads(this.deps.now() - ABANDONED_AFTER_MS);
    for (const upload of abandoned) {
      await this.deps.files.delete(upload.uploadKey);
      await this.deps.store.forgetUpload(upload.attachmentId);
    }
    return abandoned.length;
  }

  /** Where an upload lands: under a prefix of its own, which the bucket's lifecycle rule empties of what is never completed. */
  uploadKey(instanceId: string, attachmentId: string): string {
    return `${attachmentKeys(this.deps.prefix).uploads}${encodeURIComponent(instanceId)}/${attachmentId}`;
  }

  /** Where a completed attachment is kept, as Amazon Connect lays chat attachments out: `connect/<instance>/Attachments/chat/YYYY/MM/DD/<ContactId>/<AttachmentId>_<name>`. */
  key(instanceId: string, contactId: string, attachmentId: string, name: string, now: number): string {
    const date = new Date(now).toISOString().slice(0, 10).replaceAll('-', '/');
    return `${this.deps.prefix}/${encodeURIComponent(instanceId)}/Attachments/chat/${date}/${contactId}/${attachmentId}_${safeName(name)}`;
  }

  /** The attachment if the reader started it; refused otherwise (another participant's, another chat's, none). */
  private async own(reader: Reader, attachmentId: string): Promise<Attachment> {
    const attachment = await this.deps.store.getAttachment(attachmentId);
    if (
      !attachment ||
      attachment.initialContactId !== reader.session.initialContactId ||
      attachment.participantId !== reader.participant.participantId
    ) {
      throw invalidParameter('AttachmentIds names no upload this participant started in this chat');
    }
    return attachment;
  }

  /** The upload must be there as declared. */
  private async uploaded(attachment: Attachment): Promise<void> {
    const uploaded = await this.deps.files.head(attachment.uploadKey);
    if (!uploaded)
      throw invalidParameter('The file has not been uploaded: PUT it to the URL StartAttachmentUpload returned, then complete the upload');
    if (uploaded.sizeInBytes !== attachment.sizeInBytes) {
      throw invalidParameter(`The uploaded file has ${uploaded.sizeInBytes} bytes, not the ${attachment.sizeInBytes} declared`);
    }
    if (bareContentType(uploaded.contentType ?? '') !== bareContentType(attachment.contentType)) {
      throw invalidParameter(`The uploaded file's type is ${uploaded.contentType ?? 'not given'}, not the ${attachment.contentType} declared`);
    }
  }

  private async checkContent(session: ChatSession, attachment: Attachment, { item, contactId }: Appended): Promise<void> {
    let status: Exclude<AttachmentStatus, 'IN_PROGRESS'>;
    try {
      // Copied only by the one request whose item completed the upload: no kept file is ever without its item.
      await this.deps.files.copy(attachment.uploadKey, attachment.key);
      await this.forget(attachment.uploadKey);
      const { attachmentId, instanceId, key, name, contentType, sizeInBytes } = attachment;
      status = await this.deps.check.check({ attachmentId, instanceId, key, name, contentType, sizeInBytes });
    } catch (error) {
      this.deps.warn('keeping or checking an attachment failed; the file is rejected', {
        attachmentId: attachment.attachmentId,
        error: String(error),
      });
      status = 'REJECTED';
    }
    // The contact's start: GetAttachment from a later chat tells by it whether the contact is on the reader's line.
    const contact = await this.contact(contactId);
    const checked = { attachmentId: attachment.attachmentId, contactId, itemId: item.Id, contactStartedAt: contact.initiationTimestamp, status };
    if (!(await this.deps.store.attachmentChecked(checked))) {
      this.deps.warn('attachment checked after its contact was archived; its transcript file keeps IN_PROGRESS', {
        attachmentId: attachment.attachmentId,
        status,
      });
    }
    await this.deps.push.toChat(session.initialContactId, itemFrames(session.initialContactId, contactId, [withAttachmentStatus(item, status)]));
    // The contact ended while its file was checked: its transcript file waited for this verdict.
    const now = await this.contact(contactId);
    if (now.state === 'ENDED' && !now.attachmentsInCheck) await this.deps.transcripts.archiveOrWarn(now);
  }

  private async contact(contactId: string) {
    const contact = await this.deps.store.getContact(contactId);
    if (!contact) throw new Error(`contact ${contactId} is missing`);
    return contact;
  }

  /**
   * Whether the attachment's contact is on the reader's line: the reader's chat itself, or a past
   * chat it continues, up to the contact it was continued from (later segments of that chat are not
   * on the line, as FROM_SEGMENT drops them). Walks back one chat per read (records of ended chats
   * are cached per container), and stops as soon as the line is older than the attachment's chat.
   */
  private async onLine(session: ChatSession, attachment: Attachment): Promise<boolean> {
    if (attachment.initialContactId === session.initialContactId) return true;
    try {
      for await (const ref of chatsBefore((id) => this.deps.transcripts.record(id), session.initialContactId)) {
        if (ref.initialContactId === attachment.initialContactId) {
          return attachment.contactId === ref.contactId || (attachment.contactStartedAt ?? Infinity) < ref.initiationTimestamp;
        }
        // Every chat further back started before this contact: none of them is the attachment's chat.
        if (ref.initiationTimestamp < attachment.chatStartedAt) return false;
      }
    } catch (error) {
      // GetAttachment's model has no quota error: refused, as a file beyond reach, saying why.
      if (error instanceof DomainError && error.kind === 'QuotaExceeded') throw accessDenied(error.message);
      throw error;
    }
    return false;
  }

  /** The upload's copy is kept; the upload itself goes (the lifecycle rule would remove it later anyway). */
  private async forget(uploadKey: string): Promise<void> {
    try {
      await this.deps.files.delete(uploadKey);
    } catch (error) {
      this.deps.warn('could not delete a completed upload; the bucket lifecycle rule will', { uploadKey, error: String(error) });
    }
  }
}

/** A file name as a key segment: letters, digits, `.`, `_` and `-`, its end (the extension) kept. */
const safeName = (name: string): string => name.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(-100);
