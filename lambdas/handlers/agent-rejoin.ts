import { agentRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /agent-api/rejoin — a fresh participant token for the agent's own participant on a chat it is in (a reloaded desk). */
export const route = agentRoute<Deps>('AgentRejoin', async ({ body }, { agents }, agent) => {
  const { ParticipantId, ParticipantToken, Expiry } = await agents.rejoin(agent, body.string('ContactId', limits.contactId));
  return { ParticipantId, ParticipantCredentials: { ParticipantToken, Expiry } };
});

export const handler = route(depsFromEnvironment);
