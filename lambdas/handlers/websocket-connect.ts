import { websocketRoute } from '../http/websocket';
import { type Deps, depsFromEnvironment } from '../deps';

/** WebSocket `$connect`: admits the connection if its URL (`?token=`) is valid and unused; otherwise the handshake gets 403. */
export const route = websocketRoute<Deps>(async ({ connectionId, query }, { websockets }) => {
  await websockets.open(query.token, connectionId);
  return undefined;
});

export const handler = route(depsFromEnvironment);
