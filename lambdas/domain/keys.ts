import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The service's secret keys, by key id. The newest (`current`) signs and seals; every key in the ring
 * still verifies and opens, so a rotation keeps accepting what the previous key produced.
 * Each purpose gets its own subkey (HKDF), so a NextToken signature can never be replayed as a seal.
 */
export interface KeyMaterial {
  current: string;
  keys: Record<string, string>; // key id -> base64 of at least 32 random bytes
}

/** What a signature is for: a signature made for one purpose never verifies for another. */
export type SigningPurpose = 'next-token' | 'resume-token' | 'connection-token' | 'websocket-url' | 'history-token' | 'desk-websocket-url';
type Purpose = SigningPurpose | 'seal';

const toBase64Url = (buffer: Buffer) => buffer.toString('base64url');

export class KeyRing {
  private readonly derived = new Map<string, Buffer>();

  constructor(private readonly material: KeyMaterial) {
    if (!material.keys[material.current]) throw new Error(`key ring has no key '${material.current}'`);
    for (const [id, key] of Object.entries(material.keys)) {
      if (!/^[A-Za-z0-9_-]{1,16}$/.test(id)) throw new Error(`key id '${id}' must be 1-16 characters of [A-Za-z0-9_-]`);
      if (Buffer.from(key, 'base64').length < 32) throw new Error(`key '${id}' must hold at least 32 bytes`);
    }
  }

  static generate(id = 'k1'): KeyMaterial {
    return { current: id, keys: { [id]: randomBytes(32).toString('base64') } };
  }

  get currentId(): string {
    return this.material.current;
  }

  private key(id: string, purpose: Purpose): Buffer | undefined {
    const cacheKey = `${id}:${purpose}`;
    let key = this.derived.get(cacheKey);
    if (!key) {
      // Own keys only: a token naming `constructor` or `__proto__` must not reach the object's prototype.
      const secret = Object.hasOwn(this.material.keys, id) ? this.material.keys[id] : undefined;
      if (typeof secret !== 'string') return undefined;
      key = Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'base64'), Buffer.alloc(0), `persistent-chat:${purpose}`, 32));
      this.derived.set(cacheKey, key);
    }
    return key;
  }

  /** HMAC-SHA256 of `payload` under the current key's subkey for `purpose`: `[keyId, signature]`. */
  sign(payload: string, purpose: SigningPurpose = 'next-token'): [string, string] {
    const id = this.material.current;
    return [id, toBase64Url(createHmac('sha256', this.key(id, purpose)!).update(payload).digest())];
  }

  /** Constant-time check of a signature made for `purpose` by any key in the ring. */
  verify(keyId: string, payload: string, signature: string, purpose: SigningPurpose = 'next-token'): boolean {
    const key = this.key(keyId, purpose);
    if (!key) return false;
    const expected = createHmac('sha256', key).update(payload).digest();
    const given = Buffer.from(signature, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** AES-256-GCM: keeps a secret (a participant token to replay) unreadable at rest. */
  seal(plaintext: string): string {
    const id = this.material.current;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(id, 'seal')!, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [id, toBase64Url(iv), toBase64Url(body), toBase64Url(cipher.getAuthTag())].join('.');
  }

  open(sealed: string): string {
    const [id, iv, body, tag] = sealed.split('.');
    const key = id ? this.key(id, 'seal') : undefined;
    if (!key || !iv || !body || !tag) throw new Error('sealed value is malformed or its key is gone');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
