import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';

export type Stage = 'AWSCURRENT' | 'AWSPENDING';

/** The versions of one secret, as much of Secrets Manager as the key ring and its rotation use. */
export interface SecretVersions {
  /** Version id -> its staging labels. */
  stages(): Promise<Record<string, string[]>>;
  /** A version's value; undefined when the version has no value (yet). */
  read(version: { stage: Stage; id?: string }): Promise<string | undefined>;
  /** Idempotent on `id`: Secrets Manager takes it as the ClientRequestToken. */
  put(id: string, value: string, stage: Stage): Promise<void>;
  makeCurrent(id: string, currentId: string | undefined): Promise<void>;
}

export function secretVersions(client: SecretsManagerClient, secretId: string): SecretVersions {
  return {
    async stages() {
      const { VersionIdsToStages } = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return VersionIdsToStages ?? {};
    },
    async read({ stage, id }) {
      try {
        const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage, VersionId: id }));
        return SecretString;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
    },
    async put(id, value, stage) {
      await client.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: id, SecretString: value, VersionStages: [stage] }));
    },
    async makeCurrent(id, currentId) {
      await client.send(
        new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: id, RemoveFromVersionId: currentId }),
      );
    },
  };
}
