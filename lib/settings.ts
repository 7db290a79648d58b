import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { type AttachmentSettings, attachmentSettings } from '../lambdas/domain/attachment-types';
import { IDEMPOTENCY_TTL_MS } from '../lambdas/domain/idempotency';
import { QUOTAS } from '../lambdas/domain/limits';
import { DEFAULT_AGENT_CHAT_LIMIT, DEFAULT_QUEUE_ID, DEFAULT_RESUME_TO_AGENT_MS } from '../lambdas/domain/queues';
import { RESUME_TOKEN_TTL_MS } from '../lambdas/domain/widget';
import { WAF_MIN_LIMIT } from './public-rate-limits';

/** The deployment's settings, each a CDK context key (`cdk deploy -c key=value` or `cdk.json`). */
export interface Settings {
  stackName: string;
  stageName: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Browser origins allowed by CORS; `*` allows any (the participant API carries its own bearer token, no cookies). */
  corsAllowOrigins: string[];
  /** The REST stage's requests per second (steady, burst): each method has a bucket of this size, shared by all its callers. */
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /**
   * A WAF web ACL on the REST stage with a per-client-IP rate-based rule for each public API
   * (`/participant/*`, `/widget/*`). It costs a monthly fee even while idle; false leaves it out.
   */
  waf: boolean;
  /** Requests per client IP per minute to the participant routes, and to the widget routes, before WAF answers 429. */
  wafParticipantLimit: number;
  wafWidgetLimit: number;
  /**
   * The WebSocket stage's frames per second (steady, burst), per route: each route has a bucket of this
   * size, shared by all connections (API Gateway has no per-connection limit). Every connected
   * participant sends one `aws/heartbeat` and one `aws/ping` every 10 s: 500 per second carries about
   * 5,000 participants on each.
   */
  websocketRateLimit: number;
  websocketBurstLimit: number;
  /**
   * The WebSocket API. False for emulators without API Gateway v2 (LocalStack's free plan):
   * CreateParticipantConnection then hands out no WebSocket URL, and clients poll.
   */
  websocket: boolean;
  /** The pages (customer page and agent desk) on CloudFront, with a `config.json` the stack writes (lib/site.ts). */
  site: boolean;
  /** An existing bucket to keep transcripts in (e.g. where Amazon Connect already writes them); none: the stack makes one. */
  transcriptBucketName?: string;
  transcriptPrefix: string;
  /** The InstanceId and ContactFlowId of chats started by the public widget route. */
  widgetInstanceId: string;
  widgetContactFlowId: string;
  /**
   * Routing (lambdas/domain/routing.ts): the instance's default queue; the widget flow's queue; other
   * flows' queues (`flow=queue,...`); chats an agent handles at once; how long a continued chat is
   * offered only to the agent who last served the line.
   */
  defaultQueueId: string;
  widgetQueueId: string;
  contactFlowQueues: string;
  agentChatLimit: number;
  resumeToAgentSeconds: number;
  /** Agents' sign-in (lib/agent-sign-in.ts): an existing user pool and app client, else the stack makes them. */
  userPoolId?: string;
  userPoolClientId?: string;
  userPoolDomainPrefix?: string;
  /** The desk's URLs (`.../agent`) the sign-in may redirect to. */
  agentDeskUrls: string[];
  /** Path-style S3 addressing, for S3-compatible endpoints such as LocalStack. */
  s3ForcePathStyle: boolean;
  keyRotationDays: number;
  /**
   * Set the region's API Gateway CloudWatch role (account-wide, kept when the stack is deleted), without
   * which no stage can write access logs; false when the account already has one.
   */
  apiGatewayCloudWatchRole: boolean;
  /** Which files chats may carry: Amazon Connect's two settings (allowed extensions, size limit up to 100 MB). */
  attachments: AttachmentSettings;
  /**
   * Customer tokens (the host site's JWTs naming its signed-in customer). `customerTokenSecret`: the stack
   * makes a Secrets Manager secret (a generated value the host site reads to sign HS256 tokens; never in the
   * template); `customerTokenJwksUrl`: RS256/ES256 tokens checked against the host's JWKS. Issuer and
   * audience are checked when set. None: customer tokens are refused.
   */
  customerTokens: { secret: boolean; jwksUrl?: string; issuer?: string; audience?: string };
}

export const DEFAULTS = {
  stackName: 'PersistentChat',
  stageName: 'v1',
  logRetentionDays: 30,
  removalPolicy: 'retain',
  corsAllowOrigins: '*',
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  waf: 'true',
  // A page with its WebSocket up sends a few calls a minute, one polling without it about 70 (a read a
  // second, typing): 600 serves over a hundred pages of the first kind behind one address, or eight of
  // the second, and one address can take at most a fifth of a method's steady 50 per second.
  wafParticipantLimit: 600,
  // A page calls /widget/chat once per load (start or resume): 30 is a visitor every two seconds from one
  // address, a twentieth of the widget routes' 10 per second.
  wafWidgetLimit: 30,
  websocketRateLimit: 500,
  websocketBurstLimit: 1000,
  websocket: 'true',
  site: 'true',
  transcriptPrefix: 'connect',
  widgetInstanceId: 'widget',
  widgetContactFlowId: 'widget-flow',
  defaultQueueId: DEFAULT_QUEUE_ID,
  widgetQueueId: DEFAULT_QUEUE_ID,
  contactFlowQueues: '',
  agentChatLimit: DEFAULT_AGENT_CHAT_LIMIT,
  resumeToAgentSeconds: DEFAULT_RESUME_TO_AGENT_MS / 1000,
  // The local desk (`npm start` on its usual port) until the stack hosts one.
  agentDeskUrls: 'http://localhost:8080/agent',
  s3ForcePathStyle: 'false',
  keyRotationDays: 45,
  apiGatewayCloudWatchRole: 'true',
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A key stops signing at one rotation and leaves the ring at the next, so the rotation period must
 * be longer than anything signed or sealed with it stays valid (widget resume tokens, idempotency
 * records), with a margin for warm containers that still sign with the old key for a few hours and
 * for Secrets Manager's rotation window.
 */
const MIN_KEY_ROTATION_DAYS = Math.ceil(Math.max(RESUME_TOKEN_TTL_MS, IDEMPOTENCY_TTL_MS) / DAY_MS) + 2;

export function settingsFromContext(node: Node): Settings {
  const text = (key: string, fallback: string): string => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === '') return fallback;
    if (Array.isArray(value)) return value.join(','); // cdk.json may hold a list
    return String(value);
  };
  const integer = (key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const value = Number(text(key, String(fallback)));
    if (!Number.isInteger(value) || value < min || value > max)
      throw new Error(`context ${key} must be an integer >= ${min}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}, got ${value}`);
    return value;
  };
  const oneOf = <T>(key: string, fallback: string, choices: Record<string, T>): T => {
    const value = text(key, fallback);
    if (!(value in choices)) throw new Error(`context ${key} must be one of ${Object.keys(choices).join(', ')}, got ${value}`);
    return choices[value]!;
  };

  const retentionChoices = Object.fromEntries(
    Object.values(RetentionDays)
      .filter((days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE)
      .map((days) => [String(days), days]),
  );
  return {
    stackName: text('stackName', DEFAULTS.stackName),
    stageName: text('stageName', DEFAULTS.stageName),
    logRetention: oneOf('logRetentionDays', String(DEFAULTS.logRetentionDays), retentionChoices),
    removalPolicy: oneOf('removalPolicy', DEFAULTS.removalPolicy, { retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY }),
    corsAllowOrigins: text('corsAllowOrigins', DEFAULTS.corsAllowOrigins)
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    throttleRateLimit: integer('throttleRateLimit', DEFAULTS.throttleRateLimit, 1),
    throttleBurstLimit: integer('throttleBurstLimit', DEFAULTS.throttleBurstLimit, 1),
    waf: oneOf('waf', DEFAULTS.waf, { true: true, false: false }),
    wafParticipantLimit: integer('wafParticipantLimit', DEFAULTS.wafParticipantLimit, WAF_MIN_LIMIT),
    wafWidgetLimit: integer('wafWidgetLimit', DEFAULTS.wafWidgetLimit, WAF_MIN_LIMIT),
    websocketRateLimit: integer('websocketRateLimit', DEFAULTS.websocketRateLimit, 1),
    websocketBurstLimit: integer('websocketBurstLimit', DEFAULTS.websocketBurstLimit, 1),
    websocket: oneOf('websocket', DEFAULTS.websocket, { true: true, false: false }),
    site: oneOf('site', DEFAULTS.site, { true: true, false: false }),
    transcriptBucketName: text('transcriptBucketName', '') || undefined,
    transcriptPrefix: text('transcriptPrefix', DEFAULTS.transcriptPrefix).replace(/^\/+|\/+$/g, ''),
    widgetInstanceId: text('widgetInstanceId', DEFAULTS.widgetInstanceId),
    widgetContactFlowId: text('widgetContactFlowId', DEFAULTS.widgetContactFlowId),
    defaultQueueId: text('defaultQueueId', DEFAULTS.defaultQueueId),
    widgetQueueId: text('widgetQueueId', DEFAULTS.widgetQueueId),
    contactFlowQueues: text('contactFlowQueues', DEFAULTS.contactFlowQueues),
    agentChatLimit: integer('agentChatLimit', DEFAULTS.agentChatLimit, QUOTAS.AgentChats.min, QUOTAS.AgentChats.max),
    resumeToAgentSeconds: integer(
      'resumeToAgentSeconds',
      DEFAULTS.resumeToAgentSeconds,
      QUOTAS.ResumeToAgentSeconds.min,
      QUOTAS.ResumeToAgentSeconds.max,
    ),
    userPoolId: text('userPoolId', '') || undefined,
    userPoolClientId: text('userPoolClientId', '') || undefined,
    userPoolDomainPrefix: text('userPoolDomainPrefix', '') || undefined,
    agentDeskUrls: text('agentDeskUrls', DEFAULTS.agentDeskUrls)
      .split(',')
      .map((url) => url.trim())
      .filter(Boolean),
    s3ForcePathStyle: oneOf('s3ForcePathStyle', DEFAULTS.s3ForcePathStyle, { true: true, false: false }),
    keyRotationDays: integer('keyRotationDays', DEFAULTS.keyRotationDays, MIN_KEY_ROTATION_DAYS),
    apiGatewayCloudWatchRole: oneOf('apiGatewayCloudWatchRole', DEFAULTS.apiGatewayCloudWatchRole, { true: true, false: false }),
    attachments: contextAttachmentSettings(text('attachmentExtensions', ''), text('attachmentMaxSizeInBytes', '')),
    customerTokens: {
      secret: oneOf('customerTokenSecret', 'false', { true: true, false: false }),
      jwksUrl: httpsUrl('customerTokenJwksUrl', text('customerTokenJwksUrl', '')),
      issuer: text('customerTokenIssuer', '') || undefined,
      audience: text('customerTokenAudience', '') || undefined,
    },
  };
}

function httpsUrl(key: string, value: string): string | undefined {
  if (value && !value.startsWith('https://')) throw new Error(`context ${key} must be an https:// URL, got ${value}`);
  return value || undefined;
}

function contextAttachmentSettings(extensions: string, maxSizeInBytes: string): AttachmentSettings {
  try {
    return attachmentSettings(extensions, maxSizeInBytes);
  } catch (error) {
    throw new Error(`context attachmentExtensions / attachmentMaxSizeInBytes: ${(error as Error).message}`);
  }
}
