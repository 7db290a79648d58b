import { agentRoute } from '../http/api';
import { type AgentDeps, agentDepsFromEnvironment } from '../agent-deps';

/** POST /agent-api/connection — a WebSocket URL for the desk, told when its waiting lists change (`{}` without a WebSocket API). */
export const route = agentRoute<AgentDeps>('AgentConnection', async (_request, { agents }, agent) => agents.connection(agent));

export const handler = route(agentDepsFromEnvironment);
