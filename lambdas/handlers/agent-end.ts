import { agentRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type AgentDeps, agentDepsFromEnvironment } from '../agent-deps';

/** POST /agent-api/end — StopContact on the agent's chat: it ends for everyone. */
export const route = agentRoute<AgentDeps>('AgentEnd', async ({ body }, { agents }, agent) => {
  await agents.end(agent, body.string('ContactId', LIMITS.ContactId));
  return {};
});

export const handler = route(agentDepsFromEnvironment);
