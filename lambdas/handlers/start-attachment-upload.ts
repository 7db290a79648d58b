import { participantRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { bearerToken } from '../http/wire';
import { type AttachmentDeps, attachmentDepsFromEnvironment } from '../attachment-deps';

/** POST /participant/start-attachment-upload — StartAttachmentUpload: a pre-signed URL for one file. */
export const route = participantRoute<AttachmentDeps>('StartAttachmentUpload', async ({ body, headers }, { participants, attachments }) => {
  const file = {
    contentType: body.string('ContentType', LIMITS.ContentType),
    sizeInBytes: body.integer('AttachmentSizeInBytes', LIMITS.AttachmentSizeInBytes),
    name: body.string('AttachmentName', LIMITS.AttachmentName),
  };
  const clientToken = body.string('ClientToken', LIMITS.NonEmptyClientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  return attachments.start(reader, file, clientToken);
});

export const handler = route(attachmentDepsFromEnvironment);
