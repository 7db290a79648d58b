import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FAILURE_KINDS, type FailureKind } from '../lambdas/domain/errors';
import { HANDLERS } from '../lambdas/handlers';
import {
  type Api,
  ERROR_STATUS,
  type ErrorName,
  GATEWAY_ERRORS,
  INTERNAL_ERROR,
  type Operation,
  OPERATIONS,
  type OperationErrors,
} from '../lambdas/http/errors';
import { WEBSOCKET_OPERATION } from '../lambdas/http/websocket';
import { ROUTES, WEBSOCKET_ROUTES } from '../lambdas/routes';

/** docs/errors.md, from the one table of what each operation answers (lambdas/http/errors.ts). This file runs from bin/ (tests) or .build/ (the script): both one level down. */
export const ERRORS_DOC = join(__dirname, '..', 'docs', 'errors.md');

const API_NAMES: Record<Api, string> = {
  connect: 'Connect',
  participant: 'participant',
  widget: 'ours',
  operator: 'ours (signed)',
  agent: 'agent API',
};

/** Where each operation is served: its HTTP routes and WebSocket route keys. */
function routesByOperation(): Map<Operation, string[]> {
  const routes = new Map<Operation, string[]>();
  const add = (operation: Operation, route: string) => routes.set(operation, [...(routes.get(operation) ?? []), route]);
  for (const spec of ROUTES) add(HANDLERS[spec.handler]!.operation, `${spec.method} ${spec.path}`);
  for (const { routeKey } of WEBSOCKET_ROUTES) add(WEBSOCKET_OPERATION, `WebSocket ${routeKey}`);
  return routes;
}

const error = (name: ErrorName) => `\`${name}\` ${ERROR_STATUS[name]}`;

export function renderErrorsDoc(): string {
  const kinds = Object.keys(FAILURE_KINDS) as FailureKind[];
  const routes = routesByOperation();
  const rows = (Object.entries(OPERATIONS) as [Operation, OperationErrors][]).map(([operation, { api, errors }]) => {
    const cells = kinds.map((kind) => (errors[kind] ? error(errors[kind]) : '—'));
    const served = (routes.get(operation) ?? []).map((route) => `\`${route}\``).join('<br>');
    return `| ${operation} | ${API_NAMES[api]} | ${served} | ${cells.join(' | ')} | ${error(INTERNAL_ERROR[api])} |`;
  });
  return [
    '# Errors each operation answers',
    '',
    '<!-- Generated from OPERATIONS in lambdas/http/errors.ts by `npm run docs:errors`: edit that table, not this file. -->',
    '',
    'Backends branch on exception names, so an operation of the Connect or participant API answers only',
    'errors its own service model lists (the `@throws` of `dist-types/commands/<Operation>Command.d.ts` in',
    '`@aws-sdk/client-connect` and `@aws-sdk/client-connectparticipant`). `test/unit/operation-errors.test.ts`',
    'holds the table below against the installed models (names and HTTP statuses), and fails when this file is',
    'not what `npm run docs:errors` writes.',
    '',
    'Every error is sent as Amazon Connect sends it: the HTTP status, the header `x-amzn-ErrorType: <name>`, and',
    'the body `{"__type":"<name>","Message":"...","message":"..."}`.',
    '',
    '## What can fail',
    '',
    '| failure | what it means |',
    '|---|---|',
    ...kinds.map((kind) => `| ${kind} | ${FAILURE_KINDS[kind]} |`),
    '',
    "A failure an operation does not list, or anything else that goes wrong, is the API's internal error (its",
    'details stay in the log).',
    '',
    '## By operation',
    '',
    `| operation | API | route | ${kinds.join(' | ')} | anything else |`,
    `|---|---|---|${kinds.map(() => '---|').join('')}---|`,
    ...rows,
    '',
    '## Before any operation',
    '',
    'API Gateway answers these itself on AWS (its gateway responses, `lib/chat-api.ts`), and the local server',
    'in its place; AWS documents them as common errors of every operation rather than in each model:',
    '',
    ...Object.values(GATEWAY_ERRORS).map(({ name, when }) => `- ${when}: ${error(name)}`),
    '',
    'The local server alone also answers, for requests that reach no operation: `ForbiddenException` 403 (a',
    'Host other than 127.0.0.1 or localhost),',
    '`UnknownOperationException` 404 and `MethodNotAllowedException` 405.',
    '',
  ].join('\n');
}

if (require.main === module) {
  mkdirSync(dirname(ERRORS_DOC), { recursive: true });
  writeFileSync(ERRORS_DOC, renderErrorsDoc());
  process.stdout.write(`wrote ${ERRORS_DOC}\n`);
}
