import type { AgentRecord, Contact } from './model';
import type { ContactStore } from './ports';

/**
 * Queues: every new contact waits in one until an agent accepts it (routing.ts, the agents' side). This
 * module is what StartChatContact and TransferContact need of routing, apart from the agents' side, which
 * itself needs contacts.ts.
 */
export interface RoutingSettings {
  /** Where a contact waits when neither TransferContact nor its ContactFlowId names a queue. */
  defaultQueueId: string;
  /** ContactFlowId -> the queue its chats wait in (the widget's flow -> `widgetQueueId`). */
  flowQueues: Record<string, string>;
  /** How many chats an agent handles at once. */
  agentChatLimit: number;
  /** How long a continued chat is offered only to the agent who last served the line (while signed in). */
  resumeToAgentMs: number;
}

export const DEFAULT_QUEUE_ID = 'support';
export const DEFAULT_AGENT_CHAT_LIMIT = 3;
export const DEFAULT_RESUME_TO_AGENT_MS = 60_000;
/**
 * An agent counts as signed in for this long after its last agent API call; the desk calls at least
 * every 30 s while open, and signing out ends it at once.
 */
export const PRESENCE_MS = 90_000;

/** What routing sets on a contact that starts waiting. */
export type Placement = Pick<
  Contact,
  'routingState' | 'queueId' | 'enqueueTimestamp' | 'reservedFor' | 'reservedUntil' | 'customerName' | 'returningCustomer'
>;

/** Where new contacts wait: the rules StartChatContact and TransferContact apply. */
export class RoutingRules {
  constructor(private readonly deps: { store: Pick<ContactStore, 'getAgent'>; settings: RoutingSettings }) {}

  /** The queue a flow routes to, else the default. */
  queueFor(contactFlowId: string): string {
    return this.deps.settings.flowQueues[contactFlowId] ?? this.deps.settings.defaultQueueId;
  }

  /**
   * A new chat waits in its flow's queue. A chat continuing the line is offered first only to the agent
   * who last served it, if that agent is signed in, for `resumeToAgentMs`; then to the whole queue.
   */
  async newChat(input: {
    instanceId: string;
    contactFlowId: string;
    customerName: string;
    /** A persistent chat: the line has earlier chats, maybe served by an agent. */
    continued?: { lastAgentId?: string };
    now: number;
  }): Promise<Placement> {
    const { now } = input;
    const lastAgentId = input.continued?.lastAgentId;
    const placement: Placement = {
      routingState: 'QUEUED',
      queueId: this.queueFor(input.contactFlowId),
      enqueueTimestamp: now,
      customerName: input.customerName,
      ...(input.continued && { returningCustomer: true }),
    };
    if (!lastAgentId) return placement;
    const agent = await this.deps.store.getAgent(input.instanceId, lastAgentId);
    if (!agent || !signedIn(agent, now)) return placement;
    return { ...placement, reservedFor: lastAgentId, reservedUntil: now + this.deps.settings.resumeToAgentMs };
  }

  /**
   * TransferContact: to the queue it names, or to an agent (reserved for that agent, in the flow's
   * queue); with neither, a post-chat (DISCONNECT) segment that waits for no agent.
   */
  transfer(input: {
    contactFlowId: string;
    queueId?: string;
    userId?: string;
    customerName: string;
    returningCustomer?: boolean;
    now: number;
  }): Placement {
    if (!input.queueId && !input.userId) return {};
    return {
      routingState: 'QUEUED',
      queueId: input.queueId ?? this.queueFor(input.contactFlowId),
      enqueueTimestamp: input.now,
      reservedFor: input.userId,
      customerName: input.customerName,
      returningCustomer: input.returningCustomer,
    };
  }
}

const signedIn = (agent: AgentRecord, now: number) => agent.lastSeenAt !== undefined && agent.lastSeenAt > now - PRESENCE_MS;
