import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { HANDLER_BUNDLING } from './handler-bundling';

export interface ChatFunctionProps {
  /** The TypeScript file whose `handler` export is the entry. */
  entry: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  environment?: Record<string, string>;
  timeout?: Duration;
}

/**
 * Every function of the stack, with one set of defaults: Node.js 24 on arm64 (the newest runtime
 * aws-cdk-lib offers; Graviton is cheaper per millisecond), bundled by the local esbuild (no
 * Docker) with the AWS SDK inside the bundle (faster cold starts than the runtime's copy, and the
 * version we test with), minified with source maps, its own log group with a retention, and its
 * own role that may write only to that log group; access to data is granted per route on top.
 */
export class ChatFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ChatFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention, removalPolicy: props.removalPolicy });
    // An own role instead of the AWSLambdaBasicExecutionRole managed policy, which may write to every log group.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      entry: props.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      environment: { NODE_OPTIONS: HANDLER_BUNDLING.nodeOptions, ...props.environment },
      bundling: {
        format: OutputFormat.CJS,
        target: HANDLER_BUNDLING.target,
        minify: HANDLER_BUNDLING.minify,
        sourceMap: HANDLER_BUNDLING.sourcemap,
        sourcesContent: HANDLER_BUNDLING.sourcesContent,
        externalModules: [], // bundle the AWS SDK too
        mainFields: [...HANDLER_BUNDLING.mainFields],
        esbuildArgs: { '--alias': Object.entries(HANDLER_BUNDLING.alias).map(([module, standIn]) => `${module}=${standIn}`) },
      },
    });
  }
}
