import type { Deps } from '../lambdas/deps';
import { type Route, widgetRoute } from '../lambdas/http/api';
import { LIMITS } from '../lambdas/domain/limits';
import type { RouteSpec } from '../lambdas/routes';

/**
 * The local agent page's three Connect operations, served by the local server only: they are not in
 * ROUTES, so no stack ever deploys them. They call the domain directly for the widget's instance,
 * rather than the page signing Connect API calls with SigV4, because that would put an access key in
 * a web page and the Connect SDK (and a signer) in its bundle; the local server listens on 127.0.0.1.
 * Everything else the agent does (messages, transcript, typing) goes through the participant API,
 * with the agent's participant token, exactly as a customer's page does.
 */
const LOCAL_ONLY = { table: 'readwrite', bucket: 'readwrite' } as const;

const spec = (path: string, handler: string): RouteSpec<string> => ({ method: 'POST', path, handler, api: 'widget', access: LOCAL_ONLY });

export const AGENT_ROUTES: { spec: RouteSpec<string>; route: Route<Deps> }[] = [
  {
    // CreateParticipant with ParticipantRole AGENT.
    spec: spec('/local/agent/join', 'local-agent-join'),
    route: widgetRoute<Deps>('LocalAgentJoin', async ({ body }, { contacts, config }) => {
      const { ParticipantId, ParticipantToken } = await contacts.addParticipant({
        instanceId: config.widget.instanceId,
        contactId: body.string('ContactId', LIMITS.ContactId),
        role: 'AGENT',
        displayName: body.optionalString('DisplayName', LIMITS.DisplayName)?.trim() || undefined,
      });
      return { ParticipantId, ParticipantToken };
    }),
  },
  {
    // TransferContact: to a queue, or without one to a post-chat (DISCONNECT) segment.
    spec: spec('/local/agent/transfer', 'local-agent-transfer'),
    route: widgetRoute<Deps>('LocalAgentTransfer', async ({ body }, { contacts, config }) =>
      contacts.transfer({
        instanceId: config.widget.instanceId,
        contactId: body.string('ContactId', LIMITS.ContactId),
        contactFlowId: config.widget.contactFlowId,
        queueId: body.optionalString('QueueId', LIMITS.QueueId)?.trim() || undefined,
      }),
    ),
  },
  {
    // StopContact: ends the chat for everyone.
    spec: spec('/local/agent/stop', 'local-agent-stop'),
    route: widgetRoute<Deps>('LocalAgentStop', async ({ body }, { contacts, config }) => {
      await contacts.stop(config.widget.instanceId, body.string('ContactId', LIMITS.ContactId));
      return {};
    }),
  },
];
