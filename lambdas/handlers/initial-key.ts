import { randomUUID } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { initialKeyMaterial } from '../domain/key-material';
import { secretVersions } from '../stores/secrets-manager';

/**
 * Custom resource: writes a fresh key ring into the secret when the stack creates it. Secrets
 * Manager's generator only makes flat passwords, not the ring's shape, and a key made here never
 * appears in the template. Updates and deletes leave the ring alone: rotation owns it from then on,
 * and CloudFormation deletes the secret itself.
 */
const client = new SecretsManagerClient({});

export const handler = async (event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> => {
  const secretArn = String(event.ResourceProperties.SecretArn);
  if (event.RequestType === 'Create') {
    // The functions are created after this resource, so nothing has signed with a ring that a retry replaces.
    await secretVersions(client, secretArn).put(randomUUID(), JSON.stringify(initialKeyMaterial()), 'AWSCURRENT');
    return { PhysicalResourceId: `${secretArn}/initial-key-ring` };
  }
  return { PhysicalResourceId: event.PhysicalResourceId };
};
