import { participantRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { bearerToken } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /participant/disconnect — DisconnectParticipant: the customer leaving ends the chat. */
export const route = participantRoute<Deps>('DisconnectParticipant', async ({ body, headers }, { participants }) => {
  body.optionalString('ClientToken', LIMITS.ClientToken);
  const reader = await participants.authorize(bearerToken(headers), 'connection', { active: true });
  await participants.disconnect(reader);
  return {};
});

export const handler = route(depsFromEnvironment);
