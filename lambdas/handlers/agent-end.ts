import { agentRoute } from '../http/api';
import { limits } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/** POST /agent-api/end — StopContact on the agent's chat: it ends for everyone. */
export const route = agentRoute<Deps>('AgentEnd', async ({ body }, { agents }, agent) => {
  await agents.end(agent, body.string('ContactId', limits.contactId));
  return {};
});

export const handler = route(depsFromEnvironment);
