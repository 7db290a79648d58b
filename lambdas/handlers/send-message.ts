import { participantRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { bearerToken } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /participant/message — SendMessage. */
export const route = participantRoute<Deps>('SendMessage', async ({ body, headers }, { participants }) => {
  const contentType = body.string('ContentType', LIMITS.ChatContentType);
  const content = body.string('Content', LIMITS.ChatContent);
  const clientToken = body.optionalString('ClientToken', LIMITS.ClientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  return participants.sendMessage(reader, contentType, content, clientToken);
});

export const handler = route(depsFromEnvironment);
