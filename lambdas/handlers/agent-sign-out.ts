import { agentRoute } from '../http/api';
import { type AgentDeps, agentDepsFromEnvironment } from '../agent-deps';

/** POST /agent-api/sign-out — the agent is no longer signed in: continued chats stop being held for it. */
export const route = agentRoute<AgentDeps>('AgentSignOut', async (_request, { agents }, agent) => {
  await agents.signOut(agent);
  return {};
});

export const handler = route(agentDepsFromEnvironment);
