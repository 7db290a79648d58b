import type { Api } from './http/errors';

/**
 * Every route of the service: the one list that the CDK stack (one function per route) and the
 * local server both read. `handler` names the file under lambdas/handlers/.
 */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  handler: string;
  api: Api;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'PUT', path: '/contact/chat', handler: 'start-chat-contact', api: 'connect' },
  { method: 'POST', path: '/contact/stop', handler: 'stop-contact', api: 'connect' },
  { method: 'POST', path: '/contact/transfer', handler: 'transfer-contact', api: 'connect' },
  { method: 'GET', path: '/contacts/{InstanceId}/{ContactId}', handler: 'describe-contact', api: 'connect' },
  { method: 'POST', path: '/contact/create-participant', handler: 'create-participant', api: 'connect' },
  { method: 'GET', path: '/contact/attributes/{InstanceId}/{InitialContactId}', handler: 'get-contact-attributes', api: 'connect' },
  { method: 'POST', path: '/contact/attributes', handler: 'update-contact-attributes', api: 'connect' },
];
