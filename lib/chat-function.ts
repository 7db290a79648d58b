import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FUNCTIONS_NODE_MAJOR, HANDLER_BUNDLING } from './handler-bundling';

/** aws-cdk-lib's Lambda runtime for a Node.js major; a major it does not know fails the synth instead of guessing. */
export function nodeRuntime(major: number): Runtime {
  const runtime: unknown = (Runtime as unknown as Record<string, unknown>)[`NODEJS_${major}_X`];
  if (!(runtime instanceof Runtime)) {
    throw new Error(`aws-cdk-lib has no Runtime.NODEJS_${major}_X: set lib/functions-node.json to a Node.js major it offers, or update aws-cdk-lib`);
  }
  return runtime;
}

export interface ChatFunctionProps {
  /** The TypeScript file whose `handler` export is the entry. */
  entry: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  environment?: Record<string, string>;
  timeout?: Duration;
}

/**
 * Every function of the stack, with one set of defaults: the Node.js major of lib/functions-node.json
 * (24, the newest runtime aws-cdk-lib offers) on arm64 (Graviton is cheaper per millisecond), bundled
 * by the local esbuild (no Docker) with the AWS SDK inside the bundle (faster cold starts than the runtime's copy, and the
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
      runtime: nodeRuntime(FUNCTIONS_NODE_MAJOR),
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
