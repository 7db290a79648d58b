import { agentRoute } from '../http/api';
import { type AgentDeps, agentDepsFromEnvironment } from '../agent-deps';

/** GET /agent-api/chats — the chats the agent accepted and is still in. */
export const route = agentRoute<AgentDeps>('AgentChats', async (_request, { agents }, agent) => ({ Chats: await agents.chats(agent) }));

export const handler = route(agentDepsFromEnvironment);
