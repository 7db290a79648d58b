import { participantRoute } from '../http/api';
import { bearerToken, limits } from '../http/wire';
import { type AttachmentDeps, attachmentDepsFromEnvironment } from '../attachment-deps';

/** POST /participant/start-attachment-upload — StartAttachmentUpload: a pre-signed URL for one file. */
export const route = participantRoute<AttachmentDeps>('StartAttachmentUpload', async ({ body, headers }, { participants, attachments }) => {
  const file = {
    contentType: body.string('ContentType', limits.attachmentContentType),
    sizeInBytes: body.integer('AttachmentSizeInBytes', { min: 1, max: Number.MAX_SAFE_INTEGER }),
    name: body.string('AttachmentName', limits.attachmentName),
  };
  const clientToken = body.string('ClientToken', limits.requiredClientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  return attachments.start(reader, file, clientToken);
});

export const handler = route(attachmentDepsFromEnvironment);
