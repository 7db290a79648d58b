import { participantRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { bearerToken } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /participant/event — SendEvent: typing, and delivered and read receipts. */
export const route = participantRoute<Deps>('SendEvent', async ({ body, headers }, { participants }) => {
  const contentType = body.string('ContentType', LIMITS.ChatContentType);
  const content = body.optionalString('Content', LIMITS.ChatContent);
  body.optionalString('ClientToken', LIMITS.ClientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  const { Id, AbsoluteTime } = await participants.sendEvent(reader, contentType, content);
  return { Id, AbsoluteTime };
});

export const handler = route(depsFromEnvironment);
