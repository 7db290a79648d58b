import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { accessDenied, invalidParameter } from '../domain/errors';
import { LIMITS } from '../domain/limits';
import type { CustomerClaim, CustomerTokenVerifier } from '../domain/ports';

/**
 * Customer tokens: the site that embeds the chat knows who its signed-in customer is, and says so in a
 * short-lived JWT it signs (HS256 with a secret it shares with this service, or RS256/ES256 with a key
 * of its JWKS). The token's `sub` names the customer's line, on any device; nothing a browser could
 * choose. Verification is jose's, never ours.
 */
export interface CustomerTokenSettings {
  /** HS256: the shared secret (locally `CUSTOMER_TOKEN_SECRET`; on AWS read from Secrets Manager). */
  secret?: string;
  /** RS256/ES256: the host's JWKS URL (keys fetched and cached by jose). */
  jwksUrl?: string;
  /** Checked when set: `iss` must be this. */
  issuer?: string;
  /** Checked when set: `aud` must name this. */
  audience?: string;
}

/** How far the host's clock may run ahead or behind ours (`exp`, `nbf`, `iat`). */
export const CLOCK_SKEW_SECONDS = 60;

const HMAC_ALGORITHMS = ['HS256'];
const KEY_PAIR_ALGORITHMS = ['RS256', 'ES256'];
/** Three base64url segments (the signature empty for `alg: none`, which is refused as a signature, not as a shape). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

const refused = () => accessDenied('The customer token is invalid or has expired');

export class CustomerTokens implements CustomerTokenVerifier {
  private readonly algorithms: string[];
  private readonly secret?: Uint8Array;
  private readonly jwks?: JWTVerifyGetKey;

  constructor(private readonly settings: CustomerTokenSettings) {
    if (settings.secret) this.secret = new TextEncoder().encode(settings.secret);
    if (settings.jwksUrl) this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl));
    this.algorithms = [...(this.secret ? HMAC_ALGORITHMS : []), ...(this.jwks ? KEY_PAIR_ALGORITHMS : [])];
  }

  /** Whether this service takes customer tokens at all (a secret or a JWKS URL is set). */
  get enabled(): boolean {
    return this.algorithms.length > 0;
  }

  /**
   * The customer a token speaks for. Not a JWS: InvalidParameter (400). Anything else wrong with it
   * (no verification configured, `alg: none` or another algorithm than configured, a bad signature, expired,
   * wrong issuer or audience, no `sub`): AccessDenied (403). The JWKS endpoint unreachable: an internal error.
   */
  async verify(token: string): Promise<CustomerClaim> {
    if (token.length > LIMITS.CustomerToken.max || !COMPACT_JWS.test(token)) throw invalidParameter('CustomerToken is not a JWS');
    try {
      decodeProtectedHeader(token);
    } catch {
      throw invalidParameter('CustomerToken is not a JWS');
    }
    if (!this.enabled) throw accessDenied('This service takes no customer tokens');
    let payload: { sub?: unknown; name?: unknown };
    try {
      // jose checks `alg` against `algorithms` before it asks for the key: HS256 gets the secret, the others the JWKS.
      const key: JWTVerifyGetKey = (header, jws) => (header.alg === 'HS256' ? this.secret! : this.jwks!(header, jws));
      ({ payload } = await jwtVerify(token, key, {
        algorithms: this.algorithms,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      // The host's JWKS could not be fetched or read: not the caller's fault, and not a refusal.
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) throw error;
      throw refused();
    }
    const { sub, name } = payload;
    if (typeof sub !== 'string' || sub.length < 1 || sub.length > LIMITS.CustomerTokenSubject.max) throw refused();
    return { customerId: sub, name: typeof name === 'string' && name.trim() ? name.trim().slice(0, 256) : undefined };
  }
}
