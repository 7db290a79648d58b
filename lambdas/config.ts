import { type AttachmentSettings, attachmentSettings } from './domain/attachment-types';
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
    customerTokens: customerTokensFromEnvironment(env),
    websocketUrl: env.WEBSOCKET_URL ?? '',
  };
  if (missing.length) throw new ConfigError(`missing environment variables: ${missing.join(', ')}`);
  return config;
}
