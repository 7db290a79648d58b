import { agentRoute } from '../http/api';
import { type AgentDeps, agentDepsFromEnvironment } from '../agent-deps';

/** GET /agent-api/waiting — the contacts waiting in the agent's queues and for the agent, oldest first; the agent is seen signed in. */
export const route = agentRoute<AgentDeps>('AgentWaiting', async (_request, { agents }, agent) => ({ Contacts: await agents.waiting(agent) }));

export const handler = route(agentDepsFromEnvironment);
