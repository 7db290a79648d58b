import { participantRoute } from '../http/api';
import { bearerToken, limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /participant/message — SendMessage. */
export const route = participantRoute<Deps>('SendMessage', async ({ body, headers }, { participants }) => {
  const contentType = body.string('ContentType', limits.contentType);
  const content = body.string('Content', limits.content);
  const clientToken = body.optionalString('ClientToken', limits.clientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  return participants.sendMessage(reader, contentType, content, clientToken);
});

export const handler = route(depsFromEnvironment);
