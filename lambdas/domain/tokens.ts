import { createHash, randomBytes } from 'node:crypto';

/** A bearer token: 256 random bits. Only `hashToken` of it is ever stored or compared. */
export const newToken = (): string => randomBytes(32).toString('base64url');

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');
