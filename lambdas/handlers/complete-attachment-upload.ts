import { participantRoute } from '../http/api';
import { bearerToken, limits } from '../http/wire';
import { type AttachmentDeps, attachmentDepsFromEnvironment } from '../attachment-deps';

/** POST /participant/complete-attachment-upload — CompleteAttachmentUpload: the uploaded file joins the transcript. */
export const route = participantRoute<AttachmentDeps>('CompleteAttachmentUpload', async ({ body, headers }, { participants, attachments }) => {
  const [attachmentId] = body.stringList('AttachmentIds', { minItems: 1, maxItems: 1, item: limits.attachmentId });
  const clientToken = body.string('ClientToken', limits.requiredClientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  return attachments.complete(reader, attachmentId!, clientToken);
});

export const handler = route(attachmentDepsFromEnvironment);
