import { agentRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type AgentDeps, agentDepsFromEnvironment } from '../agent-deps';

/** POST /agent-api/transfer — TransferContact from the agent's chat, to a queue (QueueId) or reserved for an agent (UserId). */
export const route = agentRoute<AgentDeps>('AgentTransfer', async ({ body }, { agents }, agent) =>
  agents.transfer(agent, body.string('ContactId', LIMITS.ContactId), {
    queueId: body.optionalString('QueueId', LIMITS.QueueId)?.trim() || undefined,
    userId: body.optionalString('UserId', LIMITS.AgentResourceId)?.trim() || undefined,
  }),
);

export const handler = route(agentDepsFromEnvironment);
