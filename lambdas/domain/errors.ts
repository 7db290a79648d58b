/**
 * Typed failures of the domain, named by what went wrong rather than by HTTP. The API layer maps each
 * kind to the error name and status the called operation answers (lambdas/http/errors.ts), so the
 * domain never needs to know which API it serves. Messages are safe to show to callers.
 */
export const FAILURE_KINDS = {
  InvalidParameter: 'a member is malformed or out of range',
  InvalidRequest: 'the request is well formed but not allowed in the current state',
  NotFound: 'the resource does not exist (for this instance)',
  ContactNotActive: 'StopContact on a contact that has already ended',
  Idempotency: 'a ClientToken reused with different parameters',
  AccessDenied: 'missing, wrong, expired or revoked credentials',
  Conflict: 'a write lost its race with others too often',
  QuotaExceeded: 'a documented limit was reached',
  Taken: 'another agent accepted the contact first, or it left its queue',
} as const;

export type FailureKind = keyof typeof FAILURE_KINDS;

export class DomainError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = `DomainError(${kind})`;
  }
}

export const invalidParameter = (message: string) => new DomainError('InvalidParameter', message);
export const invalidRequest = (message: string) => new DomainError('InvalidRequest', message);
export const notFound = (message: string) => new DomainError('NotFound', message);
export const accessDenied = (message = 'Access denied') => new DomainError('AccessDenied', message);
