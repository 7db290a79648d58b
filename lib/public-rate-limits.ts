import { Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Api } from '../lambdas/http/errors';

/** The APIs anyone may call without AWS credentials: the ones a per-IP limit protects. */
export type PublicApi = Exclude<Api, 'connect' | 'operator' | 'agent'>;

/**
 * WAF's shortest evaluation window: a rate-based rule counts each IP's requests over the last 60 s
 * (checked about every 10 s), so a limit is "requests per client IP per minute".
 */
export const WAF_WINDOW_SECONDS = 60;
/** WAF refuses a rate-based limit below this. */
export const WAF_MIN_LIMIT = 10;

/**
 * One rate-based rule per public API: all of its routes share a path segment, matched anywhere in the
 * path (after `/<stage>` on the execute-api URL, or a custom domain's base path), URL-decoded and
 * lower-cased so no spelling of a path escapes the count. The Connect API (`/contact*`) is left out:
 * its callers are signed AWS principals, often a few servers behind one address.
 */
export const RATE_RULES: readonly { api: PublicApi; pathSegment: string }[] = [
  { api: 'participant', pathSegment: '/participant/' },
  { api: 'widget', pathSegment: '/widget/' },
];

/** The Connect error shape of a refusal: the SDK takes the error name from `x-amzn-ErrorType`. */
const THROTTLED = {
  status: 429,
  name: 'ThrottlingException',
  body: JSON.stringify({
    __type: 'ThrottlingException',
    Message: 'Too many requests from this address: slow down and try again',
    message: 'Too many requests from this address: slow down and try again',
  }),
};

export interface PublicRateLimitsProps {
  stage: Stage;
  /** Requests per client IP per minute (`WAF_WINDOW_SECONDS`), per public API. */
  limits: Record<PublicApi, number>;
  /** Headers every fixed response carries so a browser may read it (see chat-api.ts). */
  corsHeaders: Record<string, string>;
}

/**
 * A WAF web ACL on the REST API's stage with a per-client-IP rate-based rule for each public API.
 * The stage's own throttling is per method but shared by every caller, so one address could use up
 * a route for everyone; here each address gets its own budget, and past it a 429 in the Connect
 * error shape (with CORS headers, so a page can read it) instead of WAF's bare 403, which a client
 * would take for a revoked token. Costs a monthly fee per web ACL and rule, and per million requests.
 */
export class PublicRateLimits extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: PublicRateLimitsProps) {
    super(scope, id);
    // Metric names are the CloudWatch dimensions: the stack's name keeps two deployments' apart.
    const { stackName } = Stack.of(this);
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      metricName: `${stackName}-${metricName}`,
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      description: 'persistent-chat: per-client-IP limits on the public routes',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('public-routes'),
      customResponseBodies: { throttled: { contentType: 'APPLICATION_JSON', content: THROTTLED.body } },
      rules: RATE_RULES.map(({ api, pathSegment }, priority) => ({
        name: `${api}-per-ip`,
        priority,
        visibilityConfig: visibility(`${api}-per-ip`),
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            evaluationWindowSec: WAF_WINDOW_SECONDS,
            limit: props.limits[api],
            scopeDownStatement: {
              byteMatchStatement: {
                fieldToMatch: { uriPath: {} },
                positionalConstraint: 'CONTAINS',
                searchString: pathSegment,
                textTransformations: [
                  { priority: 0, type: 'URL_DECODE' },
                  { priority: 1, type: 'LOWERCASE' },
                ],
              },
            },
          },
        },
        action: {
          block: {
            customResponse: {
              responseCode: THROTTLED.status,
              customResponseBodyKey: 'throttled',
              responseHeaders: Object.entries({ ...props.corsHeaders, 'x-amzn-ErrorType': THROTTLED.name }).map(([name, value]) => ({ name, value })),
            },
          },
        },
      })),
    });
    new CfnWebACLAssociation(this, 'Association', { resourceArn: props.stage.stageArn, webAclArn: this.webAcl.attrArn });
  }
}
