import { DomainError, type FailureKind } from '../domain/errors';

/**
 * Which API a route belongs to: Connect and participant routes name their errors differently. The
 * widget's public routes (no AWS credentials, called by a browser) name them as the participant API.
 */
export type Api = 'connect' | 'participant' | 'widget';

interface ErrorShape {
  name: string;
  status: number;
}

type Shapes = Record<FailureKind | 'Internal', ErrorShape>;

const connect: Shapes = {
  InvalidParameter: { name: 'InvalidParameterException', status: 400 },
  InvalidRequest: { name: 'InvalidRequestException', status: 400 },
  NotFound: { name: 'ResourceNotFoundException', status: 404 },
  ContactNotActive: { name: 'ContactNotFoundException', status: 410 },
  Idempotency: { name: 'IdempotencyException', status: 409 },
  AccessDenied: { name: 'AccessDeniedException', status: 403 },
  Conflict: { name: 'ConflictException', status: 409 },
  QuotaExceeded: { name: 'ServiceQuotaExceededException', status: 402 },
  Throttled: { name: 'ThrottlingException', status: 429 },
  Internal: { name: 'InternalServiceException', status: 500 },
};

const participant: Shapes = {
  InvalidParameter: { name: 'ValidationException', status: 400 },
  InvalidRequest: { name: 'ValidationException', status: 400 },
  NotFound: { name: 'ResourceNotFoundException', status: 404 },
  ContactNotActive: { name: 'AccessDeniedException', status: 403 },
  Idempotency: { name: 'ConflictException', status: 409 },
  AccessDenied: { name: 'AccessDeniedException', status: 403 },
  Conflict: { name: 'ConflictException', status: 409 },
  QuotaExceeded: { name: 'ServiceQuotaExceededException', status: 402 },
  Throttled: { name: 'ThrottlingException', status: 429 },
  Internal: { name: 'InternalServerException', status: 500 },
};

const shapes: Record<Api, Shapes> = { connect, participant, widget: participant };

export interface ErrorResponse {
  statusCode: number;
  name: string;
  message: string;
}

/** The error a caller sees. Anything that is not a DomainError is internal: its details stay in the log. */
export function toErrorResponse(api: Api, error: unknown): ErrorResponse {
  if (error instanceof DomainError) {
    const shape = shapes[api][error.kind];
    return { statusCode: shape.status, name: shape.name, message: error.message };
  }
  const shape = shapes[api].Internal;
  return { statusCode: shape.status, name: shape.name, message: 'An internal error occurred. Try again later.' };
}
