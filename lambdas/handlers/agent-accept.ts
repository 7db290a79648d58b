import { agentRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /agent-api/accept — takes a waiting contact: the agent joins it as AGENT (ConflictException: another agent was first). */
export const route = agentRoute<Deps>('AgentAccept', async ({ body }, { agents }, agent) => {
  const { ContactId, ParticipantId, ParticipantToken, Expiry } = await agents.accept(agent, body.string('ContactId', limits.contactId));
  return { ContactId, ParticipantId, ParticipantCredentials: { ParticipantToken, Expiry } };
});

export const handler = route(depsFromEnvironment);
