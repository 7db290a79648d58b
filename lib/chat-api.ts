import { Duration, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  Cors,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AGENT_SCOPE } from '../lambdas/http/agent';
import { Construct } from 'constructs';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from '../lambdas/http/cors';
import { type Api, SIGNED_APIS } from '../lambdas/http/errors';
import { ROUTES, type RouteSpec } from '../lambdas/routes';
import { PublicRateLimits } from './public-rate-limits';
import { pascalCase, routeFunction, type RouteFunctionProps } from './route-function';

export interface ChatApiProps extends RouteFunctionProps {
  /** The agents' user pool: the agent routes take its access tokens (Cognito authorizer). */
  agentPool: IUserPool;
  stageName: string;
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /** A WAF web ACL with per-client-IP limits on the public routes (requests per IP per minute). */
  waf: boolean;
  wafParticipantLimit: number;
  wafWidgetLimit: number;
}

/**
 * CORS headers of the responses the gateway and WAF answer themselves, which cannot pick an origin per
 * request: with an allow list of one, they name it; with several, none (a browser then sees a network
 * error), never the caller's Origin echoed back.
 */
export function fixedResponseCorsHeaders(corsAllowOrigins: readonly string[]): Record<string, string> {
  const origin = corsAllowOrigins.includes('*') ? '*' : corsAllowOrigins.length === 1 ? corsAllowOrigins[0] : undefined;
  return { ...(origin && { 'Access-Control-Allow-Origin': origin }), 'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS };
}

/**
 * Errors the gateway answers itself (failed SigV4 check, throttling, no such route), in the Connect
 * wire shape so that SDK clients see a modelled error. Both APIs name these the same.
 *
 * MISSING_AUTHENTICATION_TOKEN is what the gateway answers for a path or method it does not know
 * (its own default: 403 "Missing Authentication Token", which the SDK reads as AccessDeniedException
 * and a client as a revoked token): it answers 404 UnknownOperationException instead, as the local
 * server does. The gateway answers an unsigned request to an IAM-authorized (Connect API) route with
 * the same response type, so that gets the 404 too; the SDK clients always sign.
 */
const GATEWAY_ERRORS: { types: ResponseType[]; name: string; statusCode?: string; message?: string; idName?: string }[] = [
  { types: [ResponseType.ACCESS_DENIED, ResponseType.INVALID_SIGNATURE, ResponseType.EXPIRED_TOKEN], name: 'AccessDeniedException' },
  // The Cognito authorizer refused an agent token (missing, expired, wrong scope): 401, as the local server answers.
  { types: [ResponseType.UNAUTHORIZED], name: 'AccessDeniedException', idName: 'Unauthorized' },
  { types: [ResponseType.THROTTLED], name: 'ThrottlingException' },
  {
    types: [ResponseType.MISSING_AUTHENTICATION_TOKEN],
    name: 'UnknownOperationException',
    statusCode: '404',
    // A fixed text around the method only: the path is the caller's and could break the JSON.
    message: '"No route for $context.httpMethod at this path (or an unsigned call to a Connect API route)"',
    // The logical id it had as an AccessDenied response: under a new id CloudFormation would create the
    // new response, then delete the old one, and deleting a gateway response resets its type to the default.
    idName: 'AccessDeniedException',
  },
];

/** Why each API authorizes the way it does (the reason cdk-nag's authorizer rules are acknowledged). */
const AUTHORIZATION: Record<Api, string> = {
  connect: 'Connect API: IAM (SigV4) authorization, as Amazon Connect itself; callers are AWS principals, not Cognito users.',
  participant: 'Participant API: the handler authorizes every call by its X-Amz-Bearer participant or connection token, as Amazon Connect does.',
  operator: "Operator calls (erasing a customer's line): IAM (SigV4) authorization, as the Connect API; callers are AWS principals.",
  widget:
    'Public by design: a website visitor starts a chat without credentials, as with the Amazon Connect chat widget; the method has its own low throttle and the handler fixes instance and flow.',
  agent: "Agent API: API Gateway's Cognito user pool authorizer checks the agent's access token.",
};

/**
 * The API: one REST API, not an HTTP API (why: docs/deploy.md, "What the stack contains, and why").
 *
 * One function per route of ROUTES. Connect routes take IAM (SigV4) authorization. Participant
 * routes take none: their handlers check `X-Amz-Bearer`, and with authorization NONE and no
 * resource policy API Gateway does not evaluate the SigV4 `Authorization` header the SDK adds there.
 * The widget route is public.
 */
export class ChatApi extends Construct {
  readonly api: RestApi;
  private readonly agentAuthorizer: CognitoUserPoolsAuthorizer;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ChatApiProps,
  ) {
    super(scope, id);
    const allowAnyOrigin = props.corsAllowOrigins.includes('*');

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.api = new RestApi(this, 'Api', {
      description: 'persistent-chat: the Amazon Connect and Connect Participant APIs for chat',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: false, // the region's logging role is the stack's own setting (api-gateway-logging-role.ts)
      deployOptions: {
        stageName: props.stageName,
        throttlingRateLimit: props.throttleRateLimit,
        throttlingBurstLimit: props.throttleBurstLimit,
        // Routes anyone may call without credentials get their own, lower limit.
        methodOptions: Object.fromEntries(
          ROUTES.filter((route) => route.throttle).map(({ path, method, throttle }) => [
            `${path}/${method}`,
            { throttlingRateLimit: throttle!.rateLimit, throttlingBurstLimit: throttle!.burstLimit },
          ]),
        ),
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            time: AccessLogField.contextRequestTime(),
            method: AccessLogField.contextHttpMethod(),
            resource: AccessLogField.contextResourcePath(),
            status: AccessLogField.contextStatus(),
            latencyMs: AccessLogField.contextResponseLatency(),
            ip: AccessLogField.contextIdentitySourceIp(),
            caller: AccessLogField.contextIdentityUserArn(),
            error: AccessLogField.contextErrorMessage(),
            errorType: AccessLogField.contextErrorResponseType(),
            integrationError: AccessLogField.contextIntegrationErrorMessage(),
          }),
        ),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: allowAnyOrigin ? Cors.ALL_ORIGINS : props.corsAllowOrigins,
        allowHeaders: CORS_ALLOW_HEADERS,
        allowMethods: CORS_ALLOW_METHODS,
        maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
      },
    });

    const fixedCors = fixedResponseCorsHeaders(props.corsAllowOrigins);
    // Gateway response header values are mapping expressions: a literal is quoted.
    const corsHeaders = Object.fromEntries(Object.entries(fixedCors).map(([name, value]) => [name, `'${value}'`]));
    for (const { types, name, statusCode, message = '$context.error.messageString', idName = name } of GATEWAY_ERRORS) {
      for (const type of types) {
        this.api.addGatewayResponse(`Gateway${idName}${type.responseType}`, {
          type,
          statusCode,
          responseHeaders: { ...corsHeaders, 'x-amzn-ErrorType': `'${name}'` },
          templates: { 'application/json': `{"__type":"${name}","Message":${message},"message":${message}}` },
        });
      }
    }
    for (const type of [ResponseType.DEFAULT_4XX, ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(`Gateway${type.responseType}`, { type, responseHeaders: corsHeaders });
    }

    this.agentAuthorizer = new CognitoUserPoolsAuthorizer(this, 'AgentAuthorizer', { cognitoUserPools: [props.agentPool] });
    for (const route of ROUTES) this.addRoute(route);
    if (props.waf) {
      new PublicRateLimits(this, 'Waf', {
        stage: this.api.deploymentStage,
        limits: { participant: props.wafParticipantLimit, widget: props.wafWidgetLimit },
        corsHeaders: fixedCors,
      });
    } else {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'Deployed with -c waf=false: the operator chose no web ACL (a monthly fee per ACL and rule); the stage is still throttled per method, the public routes lower.',
      });
    }
    this.acknowledgeFindings();
  }

  private addRoute(route: RouteSpec): void {
    // Erasure goes on after the gateway's 29 s (the caller then calls again, which finishes or finds it done).
    const timeout = route.access.erases ? Duration.minutes(5) : undefined;
    const fn = routeFunction(this, pascalCase(route.handler), route.handler, route.access, this.props, timeout);
    const authorization =
      route.api === 'agent'
        ? // Access tokens (they carry `username` and `cognito:groups`): a scope makes the authorizer take them rather than ID tokens.
          { authorizationType: AuthorizationType.COGNITO, authorizer: this.agentAuthorizer, authorizationScopes: [AGENT_SCOPE] }
        : { authorizationType: SIGNED_APIS.includes(route.api) ? AuthorizationType.IAM : AuthorizationType.NONE };
    const { authorizationType } = authorization;
    const method = this.api.root
      .resourceForPath(route.path)
      .addMethod(route.method, new LambdaIntegration(fn, { allowTestInvoke: false }), authorization);
    const reason = AUTHORIZATION[route.api];
    if (authorizationType !== AuthorizationType.COGNITO) Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
    if (authorizationType === AuthorizationType.NONE) Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason });
  }

  private acknowledgeFindings(): void {
    for (const method of this.api.methods.filter(({ httpMethod }) => httpMethod === 'OPTIONS')) {
      const reason = 'CORS preflight: a browser sends OPTIONS without credentials; the mock integration only returns the CORS headers.';
      Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason });
      Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Each handler validates every field and must answer in the Connect error shape (x-amzn-ErrorType, __type), which a gateway request validator cannot produce.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logs record request and response data and cost per request; JSON access logs record every request, including auth and integration errors, without bodies.',
    });
  }
}
