import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HANDLERS, WEBSOCKET_HANDLERS } from '../../lambdas/handlers';
import { ROUTES, SWEEP, WEBSOCKET_ROUTES } from '../../lambdas/routes';

/** The type check holds every route to a handler; these hold every handler to a route, so none is left behind. */
const named = (specs: readonly { handler: string }[]) => [...new Set(specs.map((spec) => spec.handler))].sort();

test('every REST and WebSocket handler the local server knows is named by a route', () => {
  expect(Object.keys(HANDLERS).sort()).toEqual(named(ROUTES));
  expect(Object.keys(WEBSOCKET_HANDLERS).sort()).toEqual(named(WEBSOCKET_ROUTES));
});

test('every file under lambdas/handlers is a route, the sweep, or a key ring function lib/chat-data.ts names by path', () => {
  const files = readdirSync(join(__dirname, '..', '..', 'lambdas', 'handlers'))
    .map((file) => file.replace(/\.ts$/, ''))
    .filter((name) => name !== 'index');
  const keyRing = ['initial-key', 'rotate-keys'];
  expect(files.sort()).toEqual(named([...ROUTES, ...WEBSOCKET_ROUTES, SWEEP, ...keyRing.map((handler) => ({ handler }))]));
});
