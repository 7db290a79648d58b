import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

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

export function s3Client(options: ClientOptions & { s3Endpoint?: string; forcePathStyle?: boolean }): S3Client {
  return new S3Client({
    region: options.region,
    endpoint: options.s3Endpoint ?? options.endpoint,
    credentials: options.credentials,
    forcePathStyle: options.forcePathStyle,
    // Checksums only where S3 requires them: streaming aws-chunked uploads confuse S3-compatible servers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
