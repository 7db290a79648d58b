import { agentRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type AgentDeps, agentDepsFromEnvironment } from '../agent-deps';

/** POST /agent-api/rejoin — a fresh participant token for the agent's own participant on a chat it is in (a reloaded desk). */
export const route = agentRoute<AgentDeps>('AgentRejoin', async ({ body }, { agents }, agent) => {
  const { ParticipantId, ParticipantToken, Expiry } = await agents.rejoin(agent, body.string('ContactId', LIMITS.ContactId));
  return { ParticipantId, ParticipantCredentials: { ParticipantToken, Expiry } };
});

export const handler = route(agentDepsFromEnvironment);
