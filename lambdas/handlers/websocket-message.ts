import { websocketRoute } from '../http/websocket';
import { type Deps, depsFromEnvironment } from '../deps';

/** WebSocket frames from the client (`aws/subscribe`, `aws/heartbeat`, `aws/ping`, anything else): answered on the socket. */
export const route = websocketRoute<Deps>(async ({ connectionId, body }, { websockets }) => websockets.answer(connectionId, body));

export const handler = route(depsFromEnvironment);
