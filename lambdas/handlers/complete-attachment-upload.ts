import { participantRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { bearerToken } from '../http/wire';
import { type AttachmentDeps, attachmentDepsFromEnvironment } from '../attachment-deps';

/** POST /participant/complete-attachment-upload — CompleteAttachmentUpload: the uploaded file joins the transcript. */
export const route = participantRoute<AttachmentDeps>('CompleteAttachmentUpload', async ({ body, headers }, { participants, attachments }) => {
  const [attachmentId] = body.stringList('AttachmentIds', LIMITS.AttachmentIdList, LIMITS.ArtifactId);
  const clientToken = body.string('ClientToken', LIMITS.NonEmptyClientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  return attachments.complete(reader, attachmentId!, clientToken);
});

export const handler = route(attachmentDepsFromEnvironment);
