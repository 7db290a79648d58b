import { Stack, Validations } from 'aws-cdk-lib';
import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { type CfnStage, LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { WEBSOCKET_ROUTES } from '../lambdas/routes';
import type { ChatFunction } from './chat-function';
import { acknowledgeWildcardResource } from './nag';
import { pascalCase, type PushTarget, routeFunction, type RouteFunctionProps } from './route-function';

export interface ChatWebsocketProps extends Omit<RouteFunctionProps, 'push'> {
  stageName: string;
  websocketRateLimit: number;
  websocketBurstLimit: number;
}

/**
 * The WebSocket API that CreateParticipantConnection's URLs point at. Routes are chosen by the
 * frame's `topic` (chatjs' `aws/subscribe`, `aws/heartbeat`, `aws/ping`; `$default` for anything
 * else) and answered by one two-way function; `$connect` checks the URL's own credential (API
 * Gateway's authorizers cannot claim a single-use URL) and `$disconnect` forgets the connection.
 * Functions that write to a chat post to its connections through this stage's `@connections` API.
 */
export class ChatWebsocket extends Construct implements PushTarget {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;

  constructor(scope: Construct, id: string, props: ChatWebsocketProps) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      description: 'persistent-chat: real-time delivery to amazon-connect-chatjs',
      routeSelectionExpression: '$request.body.topic',
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName,
      autoDeploy: true,
      throttle: { rateLimit: props.websocketRateLimit, burstLimit: props.websocketBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            time: AccessLogField.contextRequestTime(),
            route: '$context.routeKey',
            event: '$context.eventType',
            connectionId: '$context.connectionId',
            status: AccessLogField.contextStatus(),
            ip: AccessLogField.contextIdentitySourceIp(),
            error: AccessLogField.contextErrorMessage(),
            integrationError: AccessLogField.contextIntegrationErrorMessage(),
          }),
        ),
      },
    });

    // One function and one integration per handler: the topics and $default share the frame handler.
    const integrations = new Map<string, WebSocketLambdaIntegration>();
    // Throttling applies per route, each route its own bucket shared by all connections (the stage's
    // for every route without settings of its own): a flood on one route does not throttle the others.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const route of WEBSOCKET_ROUTES) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        const id = pascalCase(route.handler);
        integration = new WebSocketLambdaIntegration(
          `${id}Integration`,
          routeFunction(this, id, route.handler, route.access, { ...props, push: this }),
        );
        integrations.set(route.handler, integration);
      }
      // Frames are answered on the socket (a two-way route); $connect and $disconnect answer nobody.
      const answered = !['$connect', '$disconnect'].includes(route.routeKey);
      const added = this.api.addRoute(route.routeKey, { integration, returnResponse: answered });
      if (route.throttle) {
        routeSettings[route.routeKey] = { ThrottlingRateLimit: route.throttle.rateLimit, ThrottlingBurstLimit: route.throttle.burstLimit };
        // A stage naming a route in its settings fails to deploy before that route exists.
        this.stage.node.addDependency(added);
      }
      Validations.of(added).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          '$connect checks the signed, single-use credential in the WebSocket URL (browsers cannot send headers on a WebSocket), as Amazon Connect does; every other route runs only on a connection that $connect admitted.',
      });
    }
    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
  }

  get url(): string {
    return this.stage.url;
  }

  /** Posting to and closing connections of this stage only: `POST` and `DELETE` on `@connections`, not `GET`. */
  grantPush(fn: ChatFunction): void {
    const connections = (method: string) =>
      Stack.of(this).formatArn({
        service: 'execute-api',
        resource: this.api.apiId,
        resourceName: `${this.stage.stageName}/${method}/@connections/*`,
      });
    const resourceArns = ['POST', 'DELETE'].map(connections);
    Grant.addToPrincipal({ grantee: fn, actions: ['execute-api:ManageConnections'], resourceArns });
    for (const arn of resourceArns) {
      acknowledgeWildcardResource(
        fn.role!,
        arn,
        'Connection ids are minted by API Gateway at each $connect: the grant covers posting to and closing connections of this one stage, nothing else.',
      );
    }
  }
}
