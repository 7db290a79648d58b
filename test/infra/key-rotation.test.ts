import { KeyRing, type KeyMaterial } from '../../lambdas/domain/keys';
import { initialKeyMaterial, parseKeyMaterial, rotateKeyMaterial } from '../../lambdas/domain/key-material';
import { rotationStep } from '../../lambdas/handlers/rotate-keys';
import type { SecretVersions, Stage } from '../../lambdas/stores/secrets-manager';

/** Secrets Manager's version staging, in memory. */
class MemorySecret implements SecretVersions {
  readonly values = new Map<string, string>();
  readonly labels = new Map<string, string[]>();

  constructor(initial: KeyMaterial) {
    this.values.set('v0', JSON.stringify(initial));
    this.labels.set('v0', ['AWSCURRENT']);
  }
  async stages() {
    return Object.fromEntries(this.labels);
  }
  async read({ stage, id }: { stage: Stage; id?: string }) {
    const version = id ?? [...this.labels].find(([, labels]) => labels.includes(stage))?.[0];
    return version && this.labels.get(version)?.includes(stage) ? this.values.get(version) : undefined;
  }
  async put(id: string, value: string, stage: Stage) {
    this.values.set(id, value);
    this.labels.set(id, [stage]);
  }
  async makeCurrent(id: string, currentId: string | undefined) {
    if (currentId) this.labels.set(currentId, ['AWSPREVIOUS']);
    this.labels.set(id, ['AWSCURRENT']);
  }
  /** What RotateSecret does before it calls the function: a new version labelled AWSPENDING. */
  startRotation(id: string) {
    this.labels.set(id, ['AWSPENDING']);
  }
  async current() {
    return parseKeyMaterial(await this.read({ stage: 'AWSCURRENT' }));
  }
}

async function rotate(secret: MemorySecret, token: string) {
  secret.startRotation(token);
  for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await rotationStep(secret, step, token);
}

test('a new ring signs with k1 and already publishes k2', () => {
  const ring = initialKeyMaterial();
  expect(ring.current).toBe('k1');
  expect(Object.keys(ring.keys)).toEqual(['k1', 'k2']);
  expect(() => new KeyRing(ring)).not.toThrow();
});

test('a rotation promotes the published key, publishes the next and keeps the one before', () => {
  const first = initialKeyMaterial();
  const second = rotateKeyMaterial(first);
  expect(second.current).toBe('k2');
  expect(Object.keys(second.keys).sort()).toEqual(['k1', 'k2', 'k3']);
  expect(second.keys.k1).toBe(first.keys.k1);

  const third = rotateKeyMaterial(second);
  expect(third.current).toBe('k3');
  expect(Object.keys(third.keys).sort()).toEqual(['k2', 'k3', 'k4']);
});

test('containers holding the old ring and the new one accept each other', () => {
  const before = initialKeyMaterial();
  const old = new KeyRing(before);
  const rotated = new KeyRing(rotateKeyMaterial(before));
  const [oldId, oldSignature] = old.sign('cursor');
  const [newId, newSignature] = rotated.sign('cursor');
  expect(rotated.verify(oldId, 'cursor', oldSignature)).toBe(true);
  expect(old.verify(newId, 'cursor', newSignature)).toBe(true);
  expect(rotated.open(old.seal('token'))).toBe('token');
  expect(old.open(rotated.seal('token'))).toBe('token');
});

test("Secrets Manager's four steps rotate the ring, and a retried step changes nothing", async () => {
  const secret = new MemorySecret(initialKeyMaterial());
  await rotate(secret, 'rotation-1');
  const afterOne = await secret.current();
  expect(afterOne.current).toBe('k2');

  await rotationStep(secret, 'createSecret', 'rotation-1'); // already current: nothing to do
  await rotationStep(secret, 'finishSecret', 'rotation-1');
  expect(await secret.current()).toEqual(afterOne);

  await rotate(secret, 'rotation-2');
  expect((await secret.current()).current).toBe('k3');
  expect(secret.labels.get('rotation-1')).toEqual(['AWSPREVIOUS']);
});

test('a malformed ring fails the rotation instead of being replaced', async () => {
  const secret = new MemorySecret(initialKeyMaterial());
  secret.values.set('v0', '{"password":"x"}');
  secret.startRotation('rotation-1');
  await expect(rotationStep(secret, 'createSecret', 'rotation-1')).rejects.toThrow(/not a key ring/);
  expect(() => parseKeyMaterial('{"current":"k1","keys":{"k1":"c2hvcnQ="}}')).toThrow(/at least 32 bytes/);
});

test("Secrets Manager's test of the rotation set-up passes on a pending version without a value, which is never promoted", async () => {
  const secret = new MemorySecret(initialKeyMaterial());
  const before = await secret.current();
  secret.startRotation('setup-test'); // a pending version, no value: what RotateSecret without rotating tests on
  await expect(rotationStep(secret, 'testSecret', 'setup-test')).resolves.toBeUndefined();
  await expect(rotationStep(secret, 'finishSecret', 'setup-test')).rejects.toThrow();
  expect(await secret.current()).toEqual(before);
  secret.values.set('setup-test', '{"password":"x"}');
  await expect(rotationStep(secret, 'testSecret', 'setup-test')).rejects.toThrow(/not a key ring/);
});
