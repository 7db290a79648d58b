import { agentRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /agent-api/transfer — TransferContact from the agent's chat, to a queue (QueueId) or reserved for an agent (UserId). */
export const route = agentRoute<Deps>('AgentTransfer', async ({ body }, { agents }, agent) =>
  agents.transfer(agent, body.string('ContactId', limits.contactId), {
    queueId: body.optionalString('QueueId', limits.queueId)?.trim() || undefined,
    userId: body.optionalString('UserId', limits.userId)?.trim() || undefined,
  }),
);

export const handler = route(depsFromEnvironment);
