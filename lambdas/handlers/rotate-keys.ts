import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { parseKeyMaterial, rotateKeyMaterial } from '../domain/key-material';
import { type SecretVersions, secretVersions } from '../stores/secrets-manager';

/**
 * Secrets Manager's rotation protocol for the signing key ring (see key-material.ts for what a
 * rotation does to the ring). Each step may be retried, so each checks what is already done.
 */
export async function rotationStep(secret: SecretVersions, step: SecretsManagerRotationEvent['Step'], token: string): Promise<void> {
  const versions = await secret.stages();
  const stages = versions[token];
  if (!stages) throw new Error(`secret has no version ${token}`);
  if (stages.includes('AWSCURRENT')) return; // this rotation has already finished
  if (!stages.includes('AWSPENDING')) throw new Error(`version ${token} is not pending rotation`);

  switch (step) {
    case 'createSecret': {
      if ((await secret.read({ stage: 'AWSPENDING', id: token })) !== undefined) return;
      const current = parseKeyMaterial(await secret.read({ stage: 'AWSCURRENT' }));
      await secret.put(token, JSON.stringify(rotateKeyMaterial(current)), 'AWSPENDING');
      return;
    }
    case 'setSecret':
      return; // the ring lives only in this secret: no other system to update
    case 'testSecret': {
      // Setting rotation up without rotating (the stack's schedule) makes Secrets Manager test the
      // function on a pending version it made itself, which need not hold a ring: nothing to test then.
      // finishSecret still refuses to promote anything but a valid ring.
      const pending = await secret.read({ stage: 'AWSPENDING', id: token });
      if (pending !== undefined) parseKeyMaterial(pending);
      return;
    }
    case 'finishSecret': {
      parseKeyMaterial(await secret.read({ stage: 'AWSPENDING', id: token }));
      const current = Object.keys(versions).find((id) => versions[id]!.includes('AWSCURRENT'));
      await secret.makeCurrent(token, current);
      return;
    }
  }
}

const client = new SecretsManagerClient({});

export const handler = async ({ SecretId, ClientRequestToken, Step }: SecretsManagerRotationEvent): Promise<void> =>
  rotationStep(secretVersions(client, SecretId), Step, ClientRequestToken);
