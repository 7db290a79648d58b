import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { SWEEP } from '../lambdas/routes';
import type { ChatFunction } from './chat-function';
import { pascalCase, routeFunction, type RouteFunctionProps } from './route-function';

/**
 * The sweep (lambdas/handlers/sweep.ts): an EventBridge rule invokes its function every minute. It ends
 * chats past their duration and finishes unfinished transcript archives, found through the table's
 * sweep index. A run that fails is not retried (the next one, a minute later, takes what it left), and
 * the function stops taking work before its timeout, so runs seldom overlap (and may, safely).
 */
export class ChatSweep extends Construct {
  readonly fn: ChatFunction;

  constructor(scope: Construct, id: string, props: RouteFunctionProps) {
    super(scope, id);
    this.fn = routeFunction(this, pascalCase(SWEEP.handler), SWEEP.handler, SWEEP.access, props, Duration.seconds(55));
    this.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    new Rule(this, 'Schedule', {
      description: 'persistent-chat: the sweep (chats past their duration, unfinished transcript archives)',
      schedule: Schedule.rate(Duration.minutes(SWEEP.everyMinutes)),
      targets: [new LambdaFunction(this.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });
  }
}
