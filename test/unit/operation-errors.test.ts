import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as connectSdk from '@aws-sdk/client-connect';
import * as participantSdk from '@aws-sdk/client-connectparticipant';
import { ERRORS_DOC, renderErrorsDoc } from '../../bin/errors-doc';
import { HANDLERS } from '../../lambdas/handlers';
import { ERROR_STATUS, type ErrorName, GATEWAY_ERRORS, INTERNAL_ERROR, OPERATIONS, type OperationErrors } from '../../lambdas/http/errors';
import { ROUTES } from '../../lambdas/routes';

/**
 * The one table of what each operation answers (lambdas/http/errors.ts), held against the service models
 * of the installed SDK clients: backends branch on exception names, so an operation may answer only the
 * errors its model lists, with the status the model gives them.
 */
const MODELS = {
  connect: { sdk: connectSdk as unknown as Record<string, unknown>, package: '@aws-sdk/client-connect' },
  participant: { sdk: participantSdk as unknown as Record<string, unknown>, package: '@aws-sdk/client-connectparticipant' },
} as const;

type Model = keyof typeof MODELS;

/** A schema of the SDK: `[kind, namespace, name, traits, ...]` (operations carry `http`, errors `httpError`). */
const schema = (model: Model, name: string) => MODELS[model].sdk[`${name}$`] as [number, string, string, Record<string, unknown>] | undefined;

/** The errors an operation's model lists: the `@throws` of its command's documentation (the service's base class has no fault). */
function modelledErrors(model: Model, operation: string): string[] {
  const root = dirname(require.resolve(`${MODELS[model].package}/package.json`));
  const text = readFileSync(join(root, 'dist-types', 'commands', `${operation}Command.d.ts`), 'utf8');
  return [...text.matchAll(/@throws \{@link (\w+)\} \((?:client|server) fault\)/g)].map((m) => m[1]!);
}

const namesAnswered = ({ api, errors }: OperationErrors): ErrorName[] => [...new Set([...Object.values(errors), INTERNAL_ERROR[api]])];

const routes = ROUTES.map((spec) => ({ spec, operation: HANDLERS[spec.handler].operation }));
const modelled = routes.filter(({ spec }) => spec.api === 'connect' || spec.api === 'participant');

test('every route names an operation of its own API', () => {
  for (const { spec, operation } of routes) expect([spec.handler, OPERATIONS[operation].api]).toEqual([spec.handler, spec.api]);
});

test.each(modelled.map(({ spec, operation }) => [operation, spec] as const))('%s is the model operation of its route', (operation, spec) => {
  const http = schema(spec.api as Model, operation)?.[3].http as [string, string, number] | undefined;
  expect(http?.slice(0, 2)).toEqual([spec.method, spec.path]);
});

test.each(modelled.map(({ spec, operation }) => [operation, spec.api as Model] as const))(
  '%s answers only errors its model lists, with their modelled status',
  (operation, model) => {
    const listed = modelledErrors(model, operation);
    expect(listed.length).toBeGreaterThan(0);
    const answered = namesAnswered(OPERATIONS[operation]);
    expect(answered.filter((name) => !listed.includes(name))).toEqual([]);
    for (const name of answered) expect([name, schema(model, name)?.[3].httpError]).toEqual([name, ERROR_STATUS[name]]);
  },
);

test("our own routes answer with the participant API's names and statuses", () => {
  for (const { operation } of routes.filter(({ spec }) => spec.api === 'widget' || spec.api === 'agent')) {
    expect(schema('participant', operation)).toBeUndefined(); // not a model operation: nothing to hold it against
    for (const name of namesAnswered(OPERATIONS[operation]))
      expect([name, schema('participant', name)?.[3].httpError]).toEqual([name, ERROR_STATUS[name]]);
  }
});

test("the gateway's own refusals have the status both models give them", () => {
  for (const { name } of Object.values(GATEWAY_ERRORS)) {
    for (const model of Object.keys(MODELS) as Model[]) expect(schema(model, name)?.[3].httpError).toBe(ERROR_STATUS[name]);
  }
});

test('docs/errors.md is what `npm run docs:errors` writes from the table', () => {
  expect(readFileSync(ERRORS_DOC, 'utf8')).toBe(renderErrorsDoc());
});

test("our operator routes answer with the Connect API's names and statuses", () => {
  const operator = routes.filter(({ spec }) => spec.api === 'operator');
  expect(operator.length).toBeGreaterThan(0);
  for (const { operation } of operator) {
    expect(schema('connect', operation)).toBeUndefined(); // not a model operation: nothing to hold it against
    for (const name of namesAnswered(OPERATIONS[operation]))
      expect([name, schema('connect', name)?.[3].httpError]).toEqual([name, ERROR_STATUS[name]]);
  }
});
