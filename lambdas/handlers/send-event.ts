import { participantRoute } from '../http/api';
import { bearerToken, limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /participant/event — SendEvent: typing, and delivered and read receipts. */
export const route = participantRoute<Deps>('SendEvent', async ({ body, headers }, { participants }) => {
  const contentType = body.string('ContentType', limits.contentType);
  const content = body.optionalString('Content', limits.content);
  body.optionalString('ClientToken', limits.clientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  const { Id, AbsoluteTime } = await participants.sendEvent(reader, contentType, content);
  return { Id, AbsoluteTime };
});

export const handler = route(depsFromEnvironment);
