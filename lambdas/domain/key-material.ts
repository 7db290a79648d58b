import { randomBytes } from 'node:crypto';
import { KeyRing, type KeyMaterial } from './keys';

/**
 * The signing key ring as stored in Secrets Manager, and how it rotates.
 *
 * Functions read the ring once per container and keep it, so a key must be known to every warm
 * container before anything signs with it. A rotation therefore promotes the key published by the
 * previous rotation (or at creation) to `current`, publishes a fresh one for next time, and keeps
 * the key that was current until now, so tokens and seals it made still verify and open until the
 * rotation after. Key ids are `k1`, `k2`, ... in order of creation.
 */

const randomKey = () => randomBytes(32).toString('base64');

const idNumber = (id: string) => Number(/^k(\d+)$/.exec(id)?.[1] ?? Number.NaN);

/** A new ring: `k1` signs, `k2` is published for the first rotation to promote. */
export function initialKeyMaterial(): KeyMaterial {
  return { current: 'k1', keys: { k1: randomKey(), k2: randomKey() } };
}

export function rotateKeyMaterial(material: KeyMaterial, newKey: string = randomKey()): KeyMaterial {
  const ids = Object.keys(material.keys);
  if (ids.some((id) => Number.isNaN(idNumber(id)))) throw new Error(`cannot rotate a ring with key ids other than k<number>: ${ids}`);
  ids.sort((a, b) => idNumber(a) - idNumber(b));
  const newest = ids[ids.length - 1]!;
  const nextId = `k${idNumber(newest) + 1}`;
  // A ring without a published key (written by hand) keeps its current key this time.
  const current = newest;
  const keep = new Set([material.current, current]);
  const keys = Object.fromEntries(ids.filter((id) => keep.has(id)).map((id) => [id, material.keys[id]!]));
  return { current, keys: { ...keys, [nextId]: newKey } };
}

/** Parses and checks a stored ring: malformed key material must fail loudly, never sign. */
export function parseKeyMaterial(text: string | undefined): KeyMaterial {
  const value: unknown = JSON.parse(text ?? 'null');
  const material = value as KeyMaterial;
  const isRing =
    typeof value === 'object' &&
    value !== null &&
    typeof material.current === 'string' &&
    typeof material.keys === 'object' &&
    material.keys !== null &&
    Object.values(material.keys).every((key) => typeof key === 'string');
  if (!isRing) throw new Error('the signing key secret is not a key ring ({"current", "keys"})');
  new KeyRing(material); // checks that the current key exists and every key is long enough
  return material;
}
