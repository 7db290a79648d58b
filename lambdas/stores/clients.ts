import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { S3Objects } from './s3/objects';

/**
 * One client per service, built once per container. `endpoint` is set only off AWS (the local
 * server, LocalStack); on Lambda the SDK finds the regional endpoint and the role's credentials.
 */
export interface ClientOptions {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function documentClient(options: ClientOptions & { dynamodbEndpoint?: string }): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.dynamodbEndpoint ?? options.endpoint,
    credentials: options.credentials,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** The transcript bucket's objects (see s3/objects.ts for why not the SDK's S3 client). */
export function s3Objects(options: ClientOptions & { bucket: string; s3Endpoint?: string; forcePathStyle?: boolean }): S3Objects {
  return new S3Objects({
    region: options.region,
    bucket: options.bucket,
    endpoint: options.s3Endpoint ?? options.endpoint,
    // On Lambda, the default chain (in the bundles: the environment, lambda-credentials.ts) as the SDK clients use.
    credentials: options.credentials ?? defaultProvider(),
    forcePathStyle: options.forcePathStyle,
  });
}
