import { participantRoute } from '../http/api';
import { bearerToken, limits } from '../http/wire';
import { type AttachmentDeps, attachmentDepsFromEnvironment } from '../attachment-deps';
import { DOWNLOAD_URL_SECONDS } from '../domain/attachments';
import { accessDenied } from '../domain/errors';

/** POST /participant/attachment — GetAttachment: a pre-signed download URL for a file of the reader's line. */
export const route = participantRoute<AttachmentDeps>('GetAttachment', async ({ body, headers }, { participants, attachments }) => {
  const attachmentId = body.string('AttachmentId', limits.attachmentId);
  const expiresIn = body.optionalInteger('UrlExpiryInSeconds', DOWNLOAD_URL_SECONDS) ?? DOWNLOAD_URL_SECONDS.default;
  // Past chats' files too, as GetTranscript reads past chats: an ended chat's reader still may.
  const reader = await participants.reader(bearerToken(headers));
  if (!reader) throw accessDenied('The attachment is not part of this chat');
  return attachments.get(reader, attachmentId, expiresIn);
});

export const handler = route(attachmentDepsFromEnvironment);
