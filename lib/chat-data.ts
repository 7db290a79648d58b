import { CustomResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { attachmentKeys } from '../lambdas/domain/attachments';
import { QUEUE_INDEX, SWEEP_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../lambdas/stores/dynamodb/table';
import { ChatFunction } from './chat-function';
import { acknowledgeWildcardResource } from './nag';
import { lambdaEntry } from './paths';

export interface ChatDataProps {
  removalPolicy: RemovalPolicy;
  logRetention: RetentionDays;
  /** Use this existing bucket instead of making one. */
  transcriptBucketName?: string;
  keyRotationDays: number;
  transcriptPrefix: string;
  /** Browser origins that PUT attachments to their pre-signed URLs and GET them (the bucket's CORS). */
  corsAllowOrigins: string[];
  customerTokens: { secret: boolean };
}

/** Where the service keeps its state: the one table, the one transcript bucket, the signing key ring. */
export class ChatData extends Construct {
  readonly table: Table;
  readonly bucket: IBucket;
  readonly signingKey: Secret;
  /** Done once the signing key ring holds keys: functions that read it are created after it. */
  readonly signingKeyReady: Construct;
  /** The HS256 secret the host site signs customer tokens with (`-c customerTokenSecret=true`). */
  readonly customerTokenSecret?: Secret;

  constructor(scope: Construct, id: string, props: ChatDataProps) {
    super(scope, id);
    const { removalPolicy } = props;

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      billingMode: BillingMode.PAY_PER_REQUEST, // nothing to pay while idle
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });
    // Sparse: only chats and contacts the sweep has work on carry its keys (lambdas/stores/dynamodb/keys.ts).
    this.table.addGlobalSecondaryIndex({
      indexName: SWEEP_INDEX.name,
      partitionKey: { name: SWEEP_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: SWEEP_INDEX.sortKey, type: AttributeType.NUMBER },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    // Sparse: only contacts waiting for an agent carry its partition key; a queue's waiting list is one Query.
    this.table.addGlobalSecondaryIndex({
      indexName: QUEUE_INDEX.name,
      partitionKey: { name: QUEUE_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: QUEUE_INDEX.sortKey, type: AttributeType.NUMBER },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...QUEUE_INDEX.projected],
    });

    this.bucket = props.transcriptBucketName
      ? Bucket.fromBucketName(this, 'Transcripts', props.transcriptBucketName)
      : new Bucket(this, 'Transcripts', {
          blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          encryption: BucketEncryption.S3_MANAGED,
          objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
          versioned: true,
          removalPolicy,
          lifecycleRules: [
            {
              // Attachment uploads never completed (CompleteAttachmentUpload copies the others out): gone after a day.
              id: 'AbandonedAttachmentUploads',
              prefix: attachmentKeys(props.transcriptPrefix).uploads,
              expiration: Duration.days(1),
              noncurrentVersionExpiration: Duration.days(1),
              abortIncompleteMultipartUploadAfter: Duration.days(1),
            },
            {
              // Completed uploads are deleted from the pending prefix at once; their versions go too, and the delete markers after them.
              id: 'AttachmentUploadMarkers',
              prefix: attachmentKeys(props.transcriptPrefix).uploads,
              expiredObjectDeleteMarker: true,
            },
          ],
          // Browsers PUT attachments to pre-signed URLs and GET them; the URL is the credential, no cookies.
          cors: [
            {
              allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
              allowedOrigins: props.corsAllowOrigins,
              allowedHeaders: ['content-type'],
              exposedHeaders: ['content-length', 'content-type', 'content-disposition', 'etag'],
              maxAge: 3000,
            },
          ],
        });
    if (this.bucket instanceof Bucket) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Server access logs would need a second bucket that costs and grows; object reads and writes come only from the functions, whose requests are in their own logs and in CloudTrail data events if enabled.',
      });
    }

    this.signingKey = new Secret(this, 'SigningKey', {
      description: 'persistent-chat signing key ring (NextToken HMAC, sealed idempotency replies): {"current","keys"}',
      removalPolicy,
    });
    this.signingKeyReady = this.initialKeyRing(props.logRetention, removalPolicy);
    if (props.customerTokens.secret) {
      // Generated here, read by the host site (GetSecretValue) to sign customer tokens; rotated by the operator
      // (PutSecretValue, then the functions' next cold start), which revokes every customer token signed before.
      this.customerTokenSecret = new Secret(this, 'CustomerTokenSecret', {
        description: 'persistent-chat: the HS256 secret a host site signs customer tokens (JWTs) with',
        generateSecretString: { passwordLength: 64, excludePunctuation: true },
        removalPolicy,
      });
      Validations.of(this.customerTokenSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'Shared with the host site, which signs with it: rotated by the operator together with the host (see docs/customer-identity.md).',
      });
    }
    this.addRotation(props.logRetention, removalPolicy, props.keyRotationDays);
  }

  /** Exactly these actions on the one secret (the L2 grants add actions these callers do not need). */
  grantSigningKey(grantee: IGrantable, ...actions: string[]): Grant {
    return Grant.addToPrincipal({ grantee, actions, resourceArns: [this.signingKey.secretArn] });
  }

  /** Secrets Manager generates flat passwords only, so a custom resource writes the first ring. */
  private initialKeyRing(logRetention: RetentionDays, removalPolicy: RemovalPolicy): Construct {
    const onEvent = new ChatFunction(this, 'InitialKeyRing', {
      entry: lambdaEntry('handlers/initial-key'),
      logRetention,
      removalPolicy,
      timeout: Duration.seconds(30),
    });
    this.grantSigningKey(onEvent, 'secretsmanager:PutSecretValue');
    // Its own role rather than AWSLambdaBasicExecutionRole: logs to its log group, and invoke the function above.
    const frameworkLogs = new LogGroup(this, 'InitialKeyRingProviderLogs', { retention: logRetention, removalPolicy });
    const role = new Role(this, 'InitialKeyRingProviderRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    frameworkLogs.grantWrite(role);
    const provider = new Provider(this, 'InitialKeyRingProvider', { onEventHandler: onEvent, logGroup: frameworkLogs, frameworkOnEventRole: role });
    acknowledgeWildcardResource(
      role,
      `${onEvent.functionArn}:*`,
      "CDK's custom resource framework may invoke any version of the one InitialKeyRing function, and nothing else.",
    );
    return new CustomResource(this, 'InitialKeyRingResource', {
      serviceToken: provider.serviceToken,
      properties: { SecretArn: this.signingKey.secretArn },
    });
  }

  /**
   * Rotation by our own function. The L2 `addRotationSchedule` would also grant
   * `secretsmanager:GetRandomPassword` on `*`, which this rotation does not use; the L1 schedule
   * with exact grants keeps every statement of the role scoped to the secret.
   */
  private addRotation(logRetention: RetentionDays, removalPolicy: RemovalPolicy, days: number): void {
    const rotate = new ChatFunction(this, 'RotateKeyRing', {
      entry: lambdaEntry('handlers/rotate-keys'),
      logRetention,
      removalPolicy,
      timeout: Duration.seconds(30),
    });
    this.grantSigningKey(
      rotate,
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    );
    rotate.addPermission('SecretsManagerInvoke', {
      principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceArn: this.signingKey.secretArn,
    });
    const schedule = new CfnRotationSchedule(this, 'Rotation', {
      secretId: this.signingKey.secretArn,
      rotationLambdaArn: rotate.functionArn,
      rotationRules: { scheduleExpression: `rate(${days} days)` },
      // The first ring comes from the custom resource; rotating at once would race it.
      rotateImmediatelyOnUpdate: false,
    });
    schedule.node.addDependency(this.signingKeyReady, rotate);
  }
}
