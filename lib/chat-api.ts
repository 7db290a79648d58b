import { Duration, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  Cors,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from '../lambdas/http/cors';
import type { Api } from '../lambdas/http/errors';
import { ROUTES, type RouteSpec } from '../lambdas/routes';
import { pascalCase, routeFunction, type RouteFunctionProps } from './route-function';

export interface ChatApiProps extends RouteFunctionProps {
  stageName: string;
  throttleRateLimit: number;
  throttleBurstLimit: number;
}

/**
 * Errors the gateway answers itself (failed SigV4 check, throttling), in the Connect wire shape so
 * that SDK clients see a modelled error. Both APIs name these two the same.
 */
const GATEWAY_ERRORS = [
  { types: [ResponseType.ACCESS_DENIED, ResponseType.INVALID_SIGNATURE, ResponseType.EXPIRED_TOKEN, ResponseType.MISSING_AUTHENTICATION_TOKEN], name: 'AccessDeniedException' },
  { types: [ResponseType.THROTTLED], name: 'ThrottlingException' },
];

/** Why each API authorizes the way it does (the reason cdk-nag's authorizer rules are acknowledged). */
const AUTHORIZATION: Record<Api, string> = {
  connect: 'Connect API: IAM (SigV4) authorization, as Amazon Connect itself; callers are AWS principals, not Cognito users.',
  participant: 'Participant API: the handler authorizes every call by its X-Amz-Bearer participant or connection token, as Amazon Connect does.',
  widget:
    'Public by design: a website visitor starts a chat without credentials, as with the Amazon Connect chat widget; the method has its own low throttle and the handler fixes instance and flow.',
};

/**
 * The API: one REST API (not an HTTP API) because a REST API lets us answer the gateway's own
 * errors in Connect's wire shape (gateway responses), accepts a WAF web ACL in front of the public
 * participant routes, and supports resource policies and per-method throttling; it costs more per
 * request ($3.50 against $1.00 per million) and nothing while idle, like an HTTP API.
 *
 * One function per route of ROUTES. Connect routes take IAM (SigV4) authorization. Participant
 * routes take none: their handlers check `X-Amz-Bearer`, and with authorization NONE and no
 * resource policy API Gateway does not evaluate the SigV4 `Authorization` header the SDK adds there.
 * The widget route is public.
 */
export class ChatApi extends Construct {
  readonly api: RestApi;

  constructor(scope: Construct, id: string, private readonly props: ChatApiProps) {
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

    // The gateway's own errors cannot pick an origin per request: with an allow list of one, they name it;
    // with several, none (a browser then sees a network error), never the caller's Origin echoed back.
    const gatewayOrigin = allowAnyOrigin ? '*' : props.corsAllowOrigins.length === 1 ? props.corsAllowOrigins[0] : undefined;
    const corsHeaders = {
      ...(gatewayOrigin && { 'Access-Control-Allow-Origin': `'${gatewayOrigin}'` }),
      'Access-Control-Expose-Headers': `'${CORS_EXPOSE_HEADERS}'`,
    };
    for (const { types, name } of GATEWAY_ERRORS) {
      for (const type of types) {
        this.api.addGatewayResponse(`Gateway${name}${type.responseType}`, {
          type,
          responseHeaders: { ...corsHeaders, 'x-amzn-ErrorType': `'${name}'` },
          templates: {
            'application/json': `{"__type":"${name}","Message":$context.error.messageString,"message":$context.error.messageString}`,
          },
        });
      }
    }
    for (const type of [ResponseType.DEFAULT_4XX, ResponseType.DEFAULT_5XX]) {
      this.api.addGatewayResponse(`Gateway${type.responseType}`, { type, responseHeaders: corsHeaders });
    }

    for (const route of ROUTES) this.addRoute(route);
    this.acknowledgeFindings();
  }

  private addRoute(route: RouteSpec): void {
    const fn = routeFunction(this, pascalCase(route.handler), route.handler, route.access, this.props);
    const authorizationType = route.api === 'connect' ? AuthorizationType.IAM : AuthorizationType.NONE;
    const method = this.api.root
      .resourceForPath(route.path)
      .addMethod(route.method, new LambdaIntegration(fn, { allowTestInvoke: false }), { authorizationType });
    const reason = AUTHORIZATION[route.api];
    Validations.of(method).acknowledge({ id: 'AwsSolutions-COG4', reason });
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
      reason: 'Each handler validates every field and must answer in the Connect error shape (x-amzn-ErrorType, __type), which a gateway request validator cannot produce.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason: 'A WAF web ACL costs a monthly fee even while idle; the stage is throttled, and an operator can associate a web ACL with the stage without changing this stack.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason: 'Execution logs record request and response data and cost per request; JSON access logs record every request, including auth and integration errors, without bodies.',
    });
  }
}
