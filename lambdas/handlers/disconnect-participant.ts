import { participantRoute } from '../http/api';
import { bearerToken, limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /participant/disconnect — DisconnectParticipant: the customer leaving ends the chat. */
export const route = participantRoute<Deps>('DisconnectParticipant', async ({ body, headers }, { participants }) => {
  body.optionalString('ClientToken', limits.clientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  await participants.disconnect(reader);
  return {};
});

export const handler = route(depsFromEnvironment);
