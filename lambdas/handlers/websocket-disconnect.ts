import { websocketRoute } from '../http/websocket';
import { type Deps, depsFromEnvironment } from '../deps';

/** WebSocket `$disconnect`: the connection is forgotten, so no fan-out looks for it again. */
export const route = websocketRoute<Deps>(async ({ connectionId }, { websockets }) => {
  await websockets.close(connectionId);
  return undefined;
});

export const handler = route(depsFromEnvironment);
