import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { errorFields, Logger, logLevelFrom } from '../logger';
import { type ErrorResponse, type Operation, toErrorResponse } from './errors';

/** One invocation of a handler: its request id, its log (every line names the request) and when it began. */
export interface Invocation {
  requestId: string;
  log: Logger;
  started: number;
}

/**
 * What sets one kind of event (a REST request, a WebSocket event) apart; everything else every handler
 * shares. `R` is the integration's answer, `Q` what the route's logic reads, `A` what the logic returns.
 */
export interface EventKind<E, R extends { statusCode: number }, Q, A> {
  /** What log lines call one event. */
  noun: string;
  /** The level a success is logged at: socket frames (heartbeats every few seconds) log less than requests. */
  successLevel: 'info' | 'debug';
  /** The event's own request id (Lambda's comes first), and the fields naming the event in every log line. */
  describe(event: E): { requestId: string | undefined; fields: Record<string, unknown> };
  /** The checked pieces of the event the logic reads; throws a DomainError for bad input. */
  read(event: E, invocation: Invocation): Q;
  answer(result: A, invocation: Invocation): R;
  /** A failure in the integration's shape. */
  refuse(failure: ErrorResponse, requestId: string): R;
}

/** A route's logic wrapped for a source of dependencies; the local server passes its own log. */
export type Wrapped<E, R, D> = (deps: () => Promise<D>, log?: Logger) => (event: E, context: Context) => Promise<R>;

/**
 * The wrapper every handler shares, REST or WebSocket: a request id and a log naming the request, the
 * event read, the dependencies loaded, the logic run, the outcome and its time logged, and any failure
 * answered as the operation's error (errors.ts): a DomainError with its status, anything else a logged
 * 500. `outer` middleware wraps all of it, so its `after` and `onError` see the final answer.
 */
export function wrap<E, R extends { statusCode: number }, Q, A, D>(
  kind: EventKind<E, R, Q, A>,
  operation: Operation,
  logic: (request: Q, deps: D) => Promise<A>,
  outer: MiddlewareObj<E, R, Error, Context>[] = [],
): Wrapped<E, R, D> {
  return (deps, log = new Logger(logLevelFrom(process.env.LOG_LEVEL))) =>
    middy<E, R, Error, Context>()
      .use(outer)
      .use(invocation(kind, operation, log))
      .handler(async (event, context) => {
        const current = invocationOf(context)!;
        const request = kind.read(event, current);
        return kind.answer(await logic(request, await deps()), current);
      });
}

/** Kept on the Lambda context, where middy's hooks and the handler all see it. */
type WithInvocation = Context & { invocation?: Invocation };
const invocationOf = (context: Context): Invocation | undefined => (context as WithInvocation).invocation;

function invocation<E, R extends { statusCode: number }>(
  kind: Pick<EventKind<E, R, never, never>, 'noun' | 'successLevel' | 'describe' | 'refuse'>,
  operation: Operation,
  log: Logger,
): MiddlewareObj<E, R, Error, Context> {
  return {
    before: ({ event, context }) => {
      const described = kind.describe(event);
      const requestId = context.awsRequestId || described.requestId || randomUUID();
      (context as WithInvocation).invocation = { requestId, log: log.child({ requestId, ...described.fields }), started: Date.now() };
    },
    after: ({ context, response }) => {
      const current = invocationOf(context)!;
      current.log[kind.successLevel](kind.noun, { status: response?.statusCode, ms: Date.now() - current.started });
    },
    onError: (request) => {
      const current = invocationOf(request.context);
      const failure = toErrorResponse(operation, request.error);
      request.response = kind.refuse(failure, current?.requestId ?? randomUUID());
      const fields = { status: failure.statusCode, errorType: failure.name, ms: current ? Date.now() - current.started : undefined };
      if (request.error instanceof DomainError) current?.log.info(`${kind.noun} refused`, { ...fields, reason: failure.message });
      else current?.log.error(`${kind.noun} failed`, { ...fields, ...errorFields(request.error) });
    },
  };
}
