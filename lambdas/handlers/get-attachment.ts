import { participantRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { bearerToken } from '../http/wire';
import { type AttachmentDeps, attachmentDepsFromEnvironment } from '../attachment-deps';
import { DEFAULT_DOWNLOAD_URL_SECONDS } from '../domain/attachments';
import { accessDenied } from '../domain/errors';

/** POST /participant/attachment — GetAttachment: a pre-signed download URL for a file of the reader's line. */
export const route = participantRoute<AttachmentDeps>('GetAttachment', async ({ body, headers }, { participants, attachments }) => {
  const attachmentId = body.string('AttachmentId', LIMITS.ArtifactId);
  const expiresIn = body.optionalInteger('UrlExpiryInSeconds', LIMITS.URLExpiryInSeconds) ?? DEFAULT_DOWNLOAD_URL_SECONDS;
  // Past chats' files too, as GetTranscript reads past chats: an ended chat's reader still may.
  const reader = await participants.reader(bearerToken(headers));
  if (!reader) throw accessDenied('The attachment is not part of this chat');
  return attachments.get(reader, attachmentId, expiresIn);
});

export const handler = route(attachmentDepsFromEnvironment);
