import { type Deps, oncePerContainer, type Wiring, wiringFromEnvironment } from './deps';
import { AgentRouting } from './domain/routing';

/**
 * The composition root of the agent API's functions (/agent-api/): everything the other functions have,
 * plus the agents' side of routing. API Gateway's Cognito authorizer has checked the agent's token
 * before the function runs, so nothing here verifies tokens.
 */
export interface AgentDeps extends Deps {
  agents: AgentRouting;
}

export function withAgents({ config, deps, store, now }: Wiring): AgentDeps {
  return {
    ...deps,
    agents: new AgentRouting({
      store,
      contacts: deps.contacts,
      desks: deps.websockets,
      settings: config.routing,
      instanceId: config.widget.instanceId,
      now,
    }),
  };
}

export const agentDepsFromEnvironment = oncePerContainer(async () => withAgents(await wiringFromEnvironment()));
