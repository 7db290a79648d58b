import { agentRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type AgentDeps, agentDepsFromEnvironment } from '../agent-deps';

/** POST /agent-api/accept — takes a waiting contact: the agent joins it as AGENT (ConflictException: another agent was first). */
export const route = agentRoute<AgentDeps>('AgentAccept', async ({ body }, { agents }, agent) => {
  const { ContactId, ParticipantId, ParticipantToken, Expiry } = await agents.accept(agent, body.string('ContactId', LIMITS.ContactId));
  return { ContactId, ParticipantId, ParticipantCredentials: { ParticipantToken, Expiry } };
});

export const handler = route(agentDepsFromEnvironment);
