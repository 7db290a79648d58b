import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { IDEMPOTENCY_TTL_MS } from '../lambdas/domain/idempotency';

/** The deployment's settings, each a CDK context key (`cdk deploy -c key=value` or `cdk.json`). */
export interface Settings {
  stackName: string;
  stageName: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Browser origins allowed by CORS; `*` allows any (the participant API carries its own bearer token, no cookies). */
  corsAllowOrigins: string[];
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /** An existing bucket to keep transcripts in (e.g. where Amazon Connect already writes them); none: the stack makes one. */
  transcriptBucketName?: string;
  transcriptPrefix: string;
  /** Path-style S3 addressing, for S3-compatible endpoints such as LocalStack. */
  s3ForcePathStyle: boolean;
  keyRotationDays: number;
}

export const DEFAULTS = {
  stackName: 'PersistentChat',
  stageName: 'v1',
  logRetentionDays: 30,
  removalPolicy: 'retain',
  corsAllowOrigins: '*',
  throttleRateLimit: 50,
  throttleBurstLimit: 100,
  transcriptPrefix: 'connect',
  s3ForcePathStyle: 'false',
  keyRotationDays: 30,
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A rotation drops the key that was current before the previous one, so a key must keep verifying
 * for longer than anything it signed or sealed lives (idempotency records the longest).
 */
const MIN_KEY_ROTATION_DAYS = Math.floor(IDEMPOTENCY_TTL_MS / DAY_MS) + 1;

export function settingsFromContext(node: Node): Settings {
  const text = (key: string, fallback: string): string => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === '') return fallback;
    if (Array.isArray(value)) return value.join(','); // cdk.json may hold a list
    return String(value);
  };
  const integer = (key: string, fallback: number, min: number): number => {
    const value = Number(text(key, String(fallback)));
    if (!Number.isInteger(value) || value < min) throw new Error(`context ${key} must be an integer >= ${min}, got ${value}`);
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
    corsAllowOrigins: text('corsAllowOrigins', DEFAULTS.corsAllowOrigins).split(',').map((origin) => origin.trim()).filter(Boolean),
    throttleRateLimit: integer('throttleRateLimit', DEFAULTS.throttleRateLimit, 1),
    throttleBurstLimit: integer('throttleBurstLimit', DEFAULTS.throttleBurstLimit, 1),
    transcriptBucketName: text('transcriptBucketName', '') || undefined,
    transcriptPrefix: text('transcriptPrefix', DEFAULTS.transcriptPrefix).replace(/^\/+|\/+$/g, ''),
    s3ForcePathStyle: oneOf('s3ForcePathStyle', DEFAULTS.s3ForcePathStyle, { true: true, false: false }),
    keyRotationDays: integer('keyRotationDays', DEFAULTS.keyRotationDays, MIN_KEY_ROTATION_DAYS),
  };
}
