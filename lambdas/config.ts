import { type AttachmentSettings, attachmentSettings } from './domain/attachment-types';
import { LIMITS, QUOTAS, type Range } from './domain/limits';
import { DEFAULT_AGENT_CHAT_LIMIT, DEFAULT_QUEUE_ID, DEFAULT_RESUME_TO_AGENT_MS, type RoutingSettings } from './domain/queues';
import type { CustomerTokenSettings } from './http/customer-tokens';

/** The handlers' settings, read from the environment once per container and checked then. */
export interface Config {
  region: string;
  accountId: string;
  tableName: string;
  transcriptBucket: string;
  /** Key prefix of transcript files; Amazon Connect writes them under `connect/<instance-alias>/ChatTranscripts/`. */
  transcriptPrefix: string;
  forcePathStyle: boolean;
  /**
   * An S3-compatible endpoint instead of AWS's, read from the variables the SDK clients read for
   * themselves (LocalStack sets `AWS_ENDPOINT_URL` in its Lambda containers): the transcript bucket
   * is not reached through an SDK client (stores/s3/objects.ts), so it is read here.
   */
  s3Endpoint?: string;
  /** Where the signing keys come from: a local JSON file, or a Secrets Manager secret on AWS. */
  keySource: { file: string } | { secretArn: string };
  /**
   * The WebSocket endpoint that CreateParticipantConnection's URLs point at: the WebSocket API's
   * `wss://` stage URL on AWS (its `@connections` API is the same URL over HTTPS), the local server's
   * `ws://127.0.0.1:<port>/...` locally. Empty when the stack has no WebSocket API
   * (`-c websocket=false`): CreateParticipantConnection then hands out no WebSocket URL.
   */
  websocketUrl: string;
  /** Where the public widget route (`POST /widget/chat`) starts its chats. */
  widget: WidgetConfig;
  /** Which files chats may carry: allowed extensions and the size limit, Amazon Connect's two settings. */
  attachments: AttachmentSettings;
  /** Queues, the agents' chat limit and the resume-to-last-agent window. */
  routing: RoutingSettings;
  /**
   * How customer tokens (the host site's JWTs naming its signed-in customer) are verified. The HS256
   * secret comes from the environment locally, from Secrets Manager on AWS (`secretArn`), never from
   * the template. None set: customer tokens are refused.
   */
  customerTokens: CustomerTokenSource;
}

export type CustomerTokenSource = Omit<CustomerTokenSettings, 'secret'> & ({ secret?: string } | { secretArn: string });

export interface WidgetConfig {
  instanceId: string;
  contactFlowId: string;
}

/** The widget's instance and flow; the defaults are the local server's (`npm start`). */
export const widgetConfigFromEnvironment = (env: NodeJS.ProcessEnv): WidgetConfig => ({
  instanceId: env.WIDGET_INSTANCE_ID || 'local',
  contactFlowId: env.WIDGET_CONTACT_FLOW_ID || 'local-widget-flow',
});

/** `ATTACHMENT_EXTENSIONS` (comma-separated) and `ATTACHMENT_MAX_SIZE_BYTES`; Amazon Connect's defaults when unset. */
export function attachmentSettingsFromEnvironment(env: NodeJS.ProcessEnv): AttachmentSettings {
  try {
    return attachmentSettings(env.ATTACHMENT_EXTENSIONS, env.ATTACHMENT_MAX_SIZE_BYTES);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/**
 * Routing: `DEFAULT_QUEUE_ID`; `CONTACT_FLOW_QUEUES` (`flow=queue,...`: the queue each ContactFlowId
 * routes to); `WIDGET_QUEUE_ID`, the widget flow's queue; `AGENT_CHAT_LIMIT`; `RESUME_TO_AGENT_SECONDS`.
 */
export function routingSettingsFromEnvironment(env: NodeJS.ProcessEnv, widget: WidgetConfig): RoutingSettings {
  const queueId = (name: string, value: string) => {
    if (value.length < LIMITS.QueueId.min || value.length > LIMITS.QueueId.max) {
      throw new ConfigError(`${name}: a queue id is ${LIMITS.QueueId.min} to ${LIMITS.QueueId.max} characters, not '${value}'`);
    }
    return value;
  };
  const flowQueues: Record<string, string> = {};
  for (const pair of (env.CONTACT_FLOW_QUEUES ?? '').split(',').filter((entry) => entry.trim())) {
    const [flow, queue, ...rest] = pair.split('=').map((part) => part.trim());
    if (!flow || !queue || rest.length) throw new ConfigError(`CONTACT_FLOW_QUEUES: "${pair}" is not flow=queue`);
    flowQueues[flow] = queueId('CONTACT_FLOW_QUEUES', queue);
  }
  flowQueues[widget.contactFlowId] ??= queueId('WIDGET_QUEUE_ID', env.WIDGET_QUEUE_ID || DEFAULT_QUEUE_ID);
  const count = (name: string, fallback: number, { min, max }: Range) => {
    const value = env[name] ? Number(env[name]) : fallback;
    if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}`);
    return value;
  };
  return {
    defaultQueueId: queueId('DEFAULT_QUEUE_ID', env.DEFAULT_QUEUE_ID || DEFAULT_QUEUE_ID),
    flowQueues,
    agentChatLimit: count('AGENT_CHAT_LIMIT', DEFAULT_AGENT_CHAT_LIMIT, QUOTAS.AgentChats),
    resumeToAgentMs: count('RESUME_TO_AGENT_SECONDS', DEFAULT_RESUME_TO_AGENT_MS / 1000, QUOTAS.ResumeToAgentSeconds) * 1000,
  };
}

/**
 * `CUSTOMER_TOKEN_SECRET` (locally) or `CUSTOMER_TOKEN_SECRET_ARN` (the stack), `CUSTOMER_TOKEN_JWKS_URL`,
 * `CUSTOMER_TOKEN_ISSUER`, `CUSTOMER_TOKEN_AUDIENCE`; unset ones are not checked.
 */
export function customerTokensFromEnvironment(env: NodeJS.ProcessEnv): CustomerTokenSource {
  const jwksUrl = env.CUSTOMER_TOKEN_JWKS_URL || undefined;
  if (jwksUrl && !/^https?:\/\//.test(jwksUrl)) throw new ConfigError(`CUSTOMER_TOKEN_JWKS_URL must be an http(s) URL, not '${jwksUrl}'`);
  const checks = { jwksUrl, issuer: env.CUSTOMER_TOKEN_ISSUER || undefined, audience: env.CUSTOMER_TOKEN_AUDIENCE || undefined };
  if (env.CUSTOMER_TOKEN_SECRET_ARN) return { ...checks, secretArn: env.CUSTOMER_TOKEN_SECRET_ARN };
  return { ...checks, secret: env.CUSTOMER_TOKEN_SECRET || undefined };
}

export class ConfigError extends Error {}

export function configFromEnvironment(env: NodeJS.ProcessEnv): Config {
  const missing: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (!value) missing.push(name);
    return value ?? '';
  };
  const config: Config = {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    accountId: env.ACCOUNT_ID ?? '000000000000',
    tableName: required('TABLE_NAME'),
    transcriptBucket: required('TRANSCRIPT_BUCKET'),
    transcriptPrefix: (env.TRANSCRIPT_PREFIX ?? 'connect').replace(/\/+$/, ''),
    forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
    s3Endpoint: env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    keySource: env.SIGNING_KEY_SECRET_ARN ? { secretArn: env.SIGNING_KEY_SECRET_ARN } : { file: required('SIGNING_KEY_FILE') },
    widget: widgetConfigFromEnvironment(env),
    attachments: attachmentSettingsFromEnvironment(env),
    routing: routingSettingsFromEnvironment(env, widgetConfigFromEnvironment(env)),
    customerTokens: customerTokensFromEnvironment(env),
    websocketUrl: env.WEBSOCKET_URL ?? '',
  };
  if (missing.length) throw new ConfigError(`missing environment variables: ${missing.join(', ')}`);
  return config;
}
