import { participantRoute } from '../http/api';
import { bearerToken } from '../http/wire';
import { type Deps, depsFromEnvironment } from '../deps';

/**
 * POST /participant/connection — CreateParticipantConnection: the ParticipantToken as bearer buys a
 * ConnectionToken and, for `WEBSOCKET`, a single-use WebSocket URL.
 */
export const route = participantRoute<Deps>('CreateParticipantConnection', async ({ body, headers }, { participants, websockets, config }) => {
  const types = body.optionalEnumList('Type', ['WEBSOCKET', 'CONNECTION_CREDENTIALS', 'WEBRTC_CONNECTION'] as const) ?? ['CONNECTION_CREDENTIALS'];
  body.optionalBoolean('ConnectParticipant');
  const { ConnectionToken, Expiry, reader } = await participants.connect(bearerToken(headers));
  return {
    // No WebSocket API (`-c websocket=false`): no URL, and the client polls.
    ...(types.includes('WEBSOCKET') && config.websocketUrl !== '' && { Websocket: websockets.url(reader) }),
    ...(types.includes('CONNECTION_CREDENTIALS') && { ConnectionCredentials: { ConnectionToken, Expiry } }),
  };
});

export const handler = route(depsFromEnvironment);
