import { join } from 'node:path';
import { AssetHashType, Aws, DockerImage, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildWebSync } from '../web/build';
import type { SiteConfig } from '../web/src/api';

export interface SiteProps {
  removalPolicy: RemovalPolicy;
  /** What the pages call besides their own origin (the API, the WebSocket API, the transcript bucket, the sign-in). */
  connectTo: string[];
  /** Where pictures come from besides the pages (attachments' download URLs: the transcript bucket). */
  imagesFrom: string[];
}

const WEB_DIR = join(__dirname, '..', 'web');

/**
 * `-c site=true`: the customer page and the agent desk on CloudFront, from a private bucket (origin access
 * control), under the same Content-Security-Policy as the local server's, widened to the API and the
 * sign-in. The stack writes the pages' `config.json` at deploy time (`deploy`): the API's URL and the
 * desk's user pool and client are only known then.
 */
export class Site extends Construct {
  /** `https://<distribution>.cloudfront.net`. */
  readonly url: string;
  private readonly bucket: Bucket;
  private readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Pages', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
    });
    // The local server's page names: `/agent` is the desk.
    const pageNames = new EdgeFunction(this, 'PageNames', {
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(
        "function handler(event) { var request = event.request; if (request.uri === '/agent') request.uri = '/agent.html'; return request; }",
      ),
    });
    const csp = [
      "default-src 'self'",
      `connect-src 'self' ${props.connectTo.join(' ')}`,
      `img-src 'self' data: blob: ${props.imagesFrom.join(' ')}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
    ].join('; ');
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${Aws.STACK_NAME}: the customer page and the agent desk`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: pageNames, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
    const reason = (why: string) => ({ reason: why });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      ...reason('Static pages that the stack writes; CloudFront serves them, and only the deployment writes them'),
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', ...reason('A chat page for customers anywhere: no geo restriction') },
      { id: 'AwsSolutions-CFR2', ...reason('Static pages only; the API behind them has its own WAF web ACL') },
      { id: 'AwsSolutions-CFR3', ...reason('Static pages only; the API logs every request') },
      {
        id: 'AwsSolutions-CFR4',
        ...reason("The default cloudfront.net certificate; a custom domain's certificate sets the TLS policy"),
      },
    );
  }

  /** The built pages and their `config.json`, copied to the bucket on every deploy; CloudFront's cache is then cleared. */
  deploy(config: SiteConfig): void {
    const pages = Source.asset(WEB_DIR, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never a container: esbuild runs here.
        image: DockerImage.fromRegistry('none'),
        local: {
          tryBundle: (outputDir) => {
            buildWebSync(WEB_DIR, outputDir);
            return true;
          },
        },
      },
    });
    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [pages, Source.jsonData('config.json', config)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });
    // The deployment's custom resource is CDK's own (one function per stack, at the stack's root): its
    // managed policy, the wildcards of its grants on the asset bucket and the pages bucket, its runtime.
    const own = (finding: string) => ({ id: `AwsSolutions-${finding}`, reason: `CDK's BucketDeployment function, CDK's own: ${finding}` });
    Validations.of(deployment.handlerRole).acknowledge(
      own('IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'),
      ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => own(`IAM5[Action::${action}]`)),
      own('IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]'),
      own(`IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/*]`),
      // CloudFront's CreateInvalidation takes no resource narrower than `*`.
      own('IAM5[Resource::*]'),
    );
    const handler = Stack.of(this).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) Validations.of(handler).acknowledge(own('L1'));
    deployment.node.addDependency(this.distribution);
  }
}
