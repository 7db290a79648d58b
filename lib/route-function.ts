import { type Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { AttachmentSettings } from '../lambdas/domain/attachment-types';
import { attachmentKeys } from '../lambdas/domain/attachments';
import type { RouteAccess, TableDeletion } from '../lambdas/routes';
import { ChatFunction } from './chat-function';
import type { ChatData } from './chat-data';
import { acknowledgeWildcardResource } from './nag';
import { lambdaEntry } from './paths';

/** Where pushed frames go: the WebSocket stage's URL (every function's WEBSOCKET_URL) and the grant to post to it. */
export interface PushTarget {
  url: string;
  grantPush(fn: ChatFunction): void;
}

export interface RouteFunctionProps {
  data: ChatData;
  /** None without a WebSocket API (`-c websocket=false`): no WEBSOCKET_URL, no push grant, no connection records to delete. */
  push?: PushTarget;
  transcriptPrefix: string;
  s3ForcePathStyle: boolean;
  corsAllowOrigins: string[];
  widgetInstanceId: string;
  widgetContactFlowId: string;
  defaultQueueId: string;
  widgetQueueId: string;
  contactFlowQueues: string;
  agentChatLimit: number;
  resumeToAgentSeconds: number;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  attachments: AttachmentSettings;
  customerTokens: { jwksUrl?: string; issuer?: string; audience?: string };
}

/**
 * The function of one route (REST or WebSocket): every setting `config.ts` requires in its
 * environment, and exactly the access its `RouteAccess` names — table, transcript objects, the push.
 */
export function routeFunction(
  scope: Construct,
  id: string,
  handler: string,
  access: RouteAccess,
  props: RouteFunctionProps,
  timeout?: Duration,
): ChatFunction {
  const { data } = props;
  const fn = new ChatFunction(scope, id, {
    entry: lambdaEntry(`handlers/${handler}`),
    logRetention: props.logRetention,
    removalPolicy: props.removalPolicy,
    timeout,
    // config.ts requires every setting in every function; grants below decide what each may touch.
    environment: {
      TABLE_NAME: data.table.tableName,
      TRANSCRIPT_BUCKET: data.bucket.bucketName,
      TRANSCRIPT_PREFIX: props.transcriptPrefix,
      ...(props.s3ForcePathStyle ? { S3_FORCE_PATH_STYLE: 'true' } : {}),
      ACCOUNT_ID: Stack.of(scope).account,
      SIGNING_KEY_SECRET_ARN: data.signingKey.secretArn,
      WIDGET_INSTANCE_ID: props.widgetInstanceId,
      WIDGET_CONTACT_FLOW_ID: props.widgetContactFlowId,
      DEFAULT_QUEUE_ID: props.defaultQueueId,
      WIDGET_QUEUE_ID: props.widgetQueueId,
      ...(props.contactFlowQueues && { CONTACT_FLOW_QUEUES: props.contactFlowQueues }),
      AGENT_CHAT_LIMIT: String(props.agentChatLimit),
      RESUME_TO_AGENT_SECONDS: String(props.resumeToAgentSeconds),
      CORS_ALLOW_ORIGINS: props.corsAllowOrigins.join(','),
      ...(props.push && { WEBSOCKET_URL: props.push.url }),
      ATTACHMENT_EXTENSIONS: props.attachments.extensions.join(','),
      ATTACHMENT_MAX_SIZE_BYTES: String(props.attachments.maxSizeInBytes),
      ...(access.customerTokens && customerTokenEnvironment(props)),
    },
  });
  fn.node.addDependency(data.signingKeyReady);

  Grant.addToPrincipal({ grantee: fn, actions: tableActions(access, props.push !== undefined), resourceArns: [data.table.tableArn] });
  if (access.indexes?.length) {
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:Query'],
      resourceArns: access.indexes.map((name) => `${data.table.tableArn}/index/${name}`),
    });
  }
  if (access.bucket) grantTranscripts(fn, access.bucket, props);
  if (access.attachments) grantAttachments(fn, access.attachments, props);
  if (access.push && props.push) props.push.grantPush(fn);
  if (access.customerTokens && data.customerTokenSecret) data.customerTokenSecret.grantRead(fn);
  if (access.erases) grantErasure(fn, props);
  data.grantSigningKey(fn, 'secretsmanager:GetSecretValue');
  return fn;
}

/**
 * The DynamoDB actions behind each kind of table access: exactly the operations the stores call
 * (lambdas/stores/dynamodb/), rather than the L2 grants, which add Scan, BatchGetItem and the
 * stream and describe actions to every reader and DeleteItem and BatchWriteItem to every writer.
 * A transaction needs the action of each of its items (Put, Update, ConditionCheck).
 */
export const TABLE_ACTIONS = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  readwrite: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  deletes: {
    'transcript-items': 'dynamodb:BatchWriteItem',
    connections: 'dynamodb:DeleteItem',
    line: 'dynamodb:BatchWriteItem',
  } satisfies Record<TableDeletion, string>,
} as const;

/** A route's table actions; without a WebSocket API no connection is ever recorded, so none is deleted. */
export function tableActions(access: RouteAccess, websocket: boolean): string[] {
  const deletes = (access.deletes ?? []).filter((kind) => websocket || kind !== 'connections');
  return [...new Set([...TABLE_ACTIONS[access.table], ...deletes.map((kind) => TABLE_ACTIONS.deletes[kind])])];
}

/**
 * Exact object actions under the transcript prefix only: no deletes, no bucket settings. ListBucket
 * is there for one reason: without it S3 answers a GET of a missing key with 403 instead of 404, and
 * readers look for a past contact's file first and go to the table when it is not written yet.
 */
function grantTranscripts(fn: ChatFunction, access: 'read' | 'readwrite', { data, transcriptPrefix }: RouteFunctionProps): void {
  const objects = data.bucket.arnForObjects(`${transcriptPrefix ? `${transcriptPrefix}/` : ''}*/ChatTranscripts/*`);
  const actions = access === 'readwrite' ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'];
  Grant.addToPrincipal({ grantee: fn, actions, resourceArns: [objects] });
  Grant.addToPrincipal({ grantee: fn, actions: ['s3:ListBucket'], resourceArns: [data.bucket.bucketArn] });
  acknowledgeWildcardResource(
    fn.role!,
    objects,
    'Transcript files are one object per contact segment, named by contact id and date under <prefix>/<instance>/ChatTranscripts/: the grant covers those folders of the one bucket.',
  );
}

/**
 * Attachment functions sign URLs with their own role: exactly the object actions those URLs and
 * their checks use, on the attachment keys only. ListBucket (S3's 404 for an upload not there yet)
 * comes with their transcript grant.
 */
function grantAttachments(fn: ChatFunction, use: NonNullable<RouteAccess['attachments']>, { data, transcriptPrefix }: RouteFunctionProps): void {
  const keys = attachmentKeys(transcriptPrefix);
  const uploads = data.bucket.arnForObjects(`${keys.uploads}*`);
  const kept = data.bucket.arnForObjects(keys.keptPattern);
  const grants: Record<typeof use, [string[], string][]> = {
    upload: [[['s3:PutObject'], uploads]],
    // HEAD and the copy's source are GetObject; the copy is PutObject at the kept key; the upload then goes.
    complete: [
      [['s3:GetObject', 's3:DeleteObject'], uploads],
      [['s3:GetObject', 's3:PutObject'], kept],
    ],
    download: [[['s3:GetObject'], kept]],
  };
  for (const [actions, objects] of grants[use]) {
    Grant.addToPrincipal({ grantee: fn, actions, resourceArns: [objects] });
    acknowledgeWildcardResource(
      fn.role!,
      objects,
      'Attachments are one object each, named by instance, date, contact and attachment id: the grant covers the attachment folders of the one bucket, for the actions its pre-signed URLs and checks use.',
    );
  }
}

/** Customer-token settings for the functions that verify them: the secret by its ARN only (read at cold start). */
function customerTokenEnvironment({ data, customerTokens }: RouteFunctionProps): Record<string, string> {
  const { jwksUrl, issuer, audience } = customerTokens;
  return {
    ...(data.customerTokenSecret && { CUSTOMER_TOKEN_SECRET_ARN: data.customerTokenSecret.secretArn }),
    ...(jwksUrl && { CUSTOMER_TOKEN_JWKS_URL: jwksUrl }),
    ...(issuer && { CUSTOMER_TOKEN_ISSUER: issuer }),
    ...(audience && { CUSTOMER_TOKEN_AUDIENCE: audience }),
  };
}

/**
 * Erasure removes every version of a line's transcript files and attachments: it lists versions of the
 * bucket and deletes object versions, under the transcript and attachment keys only.
 */
function grantErasure(fn: ChatFunction, { data, transcriptPrefix }: RouteFunctionProps): void {
  const prefix = transcriptPrefix ? `${transcriptPrefix}/` : '';
  const keys = attachmentKeys(transcriptPrefix);
  const objects = [`${prefix}*/ChatTranscripts/*`, keys.keptPattern, `${keys.uploads}*`].map((pattern) => data.bucket.arnForObjects(pattern));
  Grant.addToPrincipal({ grantee: fn, actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'], resourceArns: objects });
  Grant.addToPrincipal({ grantee: fn, actions: ['s3:ListBucketVersions', 's3:ListBucket'], resourceArns: [data.bucket.bucketArn] });
  for (const resource of objects) {
    acknowledgeWildcardResource(
      fn.role!,
      resource,
      "Erasing a customer's line removes every version of its transcript files and attachments: the grant covers those folders of the one bucket.",
    );
  }
}

export const pascalCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
