import { DomainError, type FailureKind } from '../domain/errors';

/**
 * Which API a route belongs to: Connect and participant routes name their errors differently. The
 * widget's public routes (no AWS credentials, called by a browser) and the agent API (`/agent-api/`,
 * authorized by a Cognito access token) name them as the participant API; our operator routes
 * (SigV4-signed like the Connect API, not in its model) as the Connect API.
 */
export type Api = 'connect' | 'participant' | 'widget' | 'operator' | 'agent';

/** The APIs whose callers sign with SigV4: IAM authorization on AWS, the local server's own check locally. */
export const SIGNED_APIS: readonly Api[] = ['connect', 'operator'];

/** Every error name we answer, with its HTTP status as the Connect and participant models give it. */
export const ERROR_STATUS = {
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  ValidationException: 400,
  ServiceQuotaExceededException: 402,
  AccessDeniedException: 403,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  IdempotencyException: 409,
  LimitExceededException: 429,
  ThrottlingException: 429,
  InternalServiceException: 500,
  InternalServerException: 500,
} as const;

export type ErrorName = keyof typeof ERROR_STATUS;

/** An operation's API, and the error each failure kind it can meet becomes. */
export interface OperationErrors {
  api: Api;
  errors: Partial<Record<FailureKind, ErrorName>>;
}

/** Connect operations whose model lists both InvalidParameterException and InvalidRequestException. */
const CONNECT_INVALID = { InvalidParameter: 'InvalidParameterException', InvalidRequest: 'InvalidRequestException' } as const;
/** Connect operations whose model lists InvalidRequestException only: a malformed member is one too. */
const CONNECT_INVALID_REQUEST = { InvalidParameter: 'InvalidRequestException', InvalidRequest: 'InvalidRequestException' } as const;
/** The participant API has one validation error; our public routes use the participant API's names. */
const VALIDATION = { InvalidParameter: 'ValidationException', InvalidRequest: 'ValidationException' } as const;
const NOT_FOUND = { NotFound: 'ResourceNotFoundException' } as const;
const ACCESS_DENIED = { AccessDenied: 'AccessDeniedException' } as const;
/**
 * `Conflict`: a write to a chat lost the race with others too often (the chat is changing too fast; try
 * again). Any operation that writes to a chat, or ends one past its duration, can meet it: it becomes the
 * model's ConflictException where listed, else its ThrottlingException (retried by the SDK), else the
 * internal error, keeping the message.
 */
const BUSY = { Conflict: 'ThrottlingException' } as const;
const BUSY_CONFLICT = { Conflict: 'ConflictException' } as const;

/**
 * The one table of what each operation answers. Backends branch on exception names, so an operation of
 * the Connect or participant API answers only errors its own model lists (`@throws` in the SDK's
 * `dist-types/commands/<Operation>Command.d.ts`; test/unit/operation-errors.test.ts holds this table
 * against them, and docs/errors.md is written from it). A failure kind an operation does not list here is
 * a bug, answered as the API's internal error. The key is the operation's name in the service model
 * (our own routes: the handler's file name in PascalCase).
 */
export const OPERATIONS = {
  StartChatContact: {
    api: 'connect',
    errors: { ...CONNECT_INVALID, ...NOT_FOUND, Idempotency: 'InvalidRequestException', QuotaExceeded: 'LimitExceededException' },
  },
  // Ending a chat that has ended: the model's ContactNotFoundException is for voice contacts only.
  StopContact: {
    api: 'connect',
    errors: { ...CONNECT_INVALID, ...NOT_FOUND, ContactNotActive: 'InvalidRequestException', Conflict: 'InternalServiceException' },
  },
  TransferContact: { api: 'connect', errors: { ...CONNECT_INVALID_REQUEST, ...NOT_FOUND, ...BUSY, Idempotency: 'IdempotencyException' } },
  DescribeContact: { api: 'connect', errors: { ...CONNECT_INVALID, ...NOT_FOUND } },
  // `QuotaExceeded`: the contact holds as many transcript items as it may (QUOTAS.ItemsPerContact).
  CreateParticipant: {
    api: 'connect',
    errors: {
      ...CONNECT_INVALID_REQUEST,
      ...NOT_FOUND,
      ...BUSY_CONFLICT,
      Idempotency: 'ConflictException',
      QuotaExceeded: 'ServiceQuotaExceededException',
    },
  },
  GetContactAttributes: { api: 'connect', errors: { ...CONNECT_INVALID_REQUEST, ...NOT_FOUND } },
  UpdateContactAttributes: { api: 'connect', errors: { ...CONNECT_INVALID, ...NOT_FOUND, QuotaExceeded: 'InvalidRequestException' } },
  // The chat's timers; a contact that has ended is InvalidRequest.
  UpdateParticipantRoleConfig: { api: 'connect', errors: { ...CONNECT_INVALID, ...NOT_FOUND } },

  CreateParticipantConnection: { api: 'participant', errors: { ...VALIDATION, ...ACCESS_DENIED, ...BUSY } },
  // A full contact (QUOTAS.ItemsPerContact): the model lists no quota error, and retrying would not help.
  SendMessage: {
    api: 'participant',
    errors: { ...VALIDATION, ...ACCESS_DENIED, ...BUSY, Idempotency: 'ValidationException', QuotaExceeded: 'ValidationException' },
  },
  SendEvent: { api: 'participant', errors: { ...VALIDATION, ...ACCESS_DENIED, ...BUSY_CONFLICT } },
  // `NotFound`: a past contact of the chat's own history is missing from the store, not the caller's doing.
  GetTranscript: { api: 'participant', errors: { ...VALIDATION, ...ACCESS_DENIED, ...BUSY, NotFound: 'InternalServerException' } },
  DisconnectParticipant: { api: 'participant', errors: { ...VALIDATION, ...ACCESS_DENIED, ...BUSY } },
  // A ClientToken reused with other parameters: the model lists no ConflictException.
  StartAttachmentUpload: {
    api: 'participant',
    errors: { ...VALIDATION, ...ACCESS_DENIED, ...BUSY, Idempotency: 'ValidationException', QuotaExceeded: 'ServiceQuotaExceededException' },
  },
  // `Conflict` also names an upload completed already ("an attachment with that identifier is already being uploaded").
  // `QuotaExceeded`: the contact is full (QUOTAS.ItemsPerContact); the model's quota error is the one for attachments per contact.
  CompleteAttachmentUpload: {
    api: 'participant',
    errors: { ...VALIDATION, ...ACCESS_DENIED, ...BUSY_CONFLICT, Idempotency: 'ConflictException', QuotaExceeded: 'ServiceQuotaExceededException' },
  },
  // `NotFound`: a past contact of the reader's line is missing from the store while the line is walked, as for GetTranscript.
  GetAttachment: { api: 'participant', errors: { ...VALIDATION, ...ACCESS_DENIED, ...BUSY, NotFound: 'InternalServerException' } },

  WidgetChat: {
    api: 'widget',
    errors: { ...VALIDATION, ...ACCESS_DENIED, ...NOT_FOUND, ...BUSY_CONFLICT, QuotaExceeded: 'ServiceQuotaExceededException' },
  },
  // Forgetting ends a chat of the line still going on.
  WidgetForget: {
    api: 'widget',
    errors: { ...VALIDATION, ...ACCESS_DENIED, ...NOT_FOUND, ...BUSY_CONFLICT, QuotaExceeded: 'ServiceQuotaExceededException' },
  },
  // A history credential for the customer's line; `QuotaExceeded`: a resume token followed through too many chats.
  WidgetHistory: {
    api: 'widget',
    errors: { ...VALIDATION, ...ACCESS_DENIED, ...NOT_FOUND, ...BUSY_CONFLICT, QuotaExceeded: 'ServiceQuotaExceededException' },
  },
  // Erasing a customer's line; `Conflict`: the line is being erased by another call, or grows faster than it is marked.
  EraseLine: { api: 'operator', errors: { ...CONNECT_INVALID, ...NOT_FOUND, ...BUSY_CONFLICT } },
  // The agent API (docs/agents.md). `Taken`: another agent accepted the contact first; `QuotaExceeded`: the agent's chat limit.
  AgentWaiting: { api: 'agent', errors: { ...VALIDATION, ...ACCESS_DENIED } },
  AgentAccept: {
    api: 'agent',
    errors: {
      ...VALIDATION,
      ...ACCESS_DENIED,
      ...NOT_FOUND,
      ...BUSY_CONFLICT,
      Taken: 'ConflictException',
      QuotaExceeded: 'ServiceQuotaExceededException',
    },
  },
  AgentChats: { api: 'agent', errors: { ...VALIDATION, ...ACCESS_DENIED } },
  AgentConnection: { api: 'agent', errors: { ...VALIDATION, ...ACCESS_DENIED } },
  AgentRejoin: { api: 'agent', errors: { ...VALIDATION, ...ACCESS_DENIED, ...NOT_FOUND } },
  AgentTransfer: { api: 'agent', errors: { ...VALIDATION, ...ACCESS_DENIED, ...NOT_FOUND, ...BUSY_CONFLICT } },
  AgentEnd: { api: 'agent', errors: { ...VALIDATION, ...ACCESS_DENIED, ...NOT_FOUND, ...BUSY_CONFLICT, ContactNotActive: 'ConflictException' } },
  AgentSignOut: { api: 'agent', errors: { ...VALIDATION, ...ACCESS_DENIED } },
  // WebSocket events: only the status reaches the client (a refused upgrade, or nothing on a frame).
  WebsocketEvent: { api: 'participant', errors: { ...ACCESS_DENIED, ...BUSY_CONFLICT } },
} as const satisfies Record<string, OperationErrors>;

export type Operation = keyof typeof OPERATIONS;

/** The operations of one API (a handler of that API can name only these). */
export type OperationOf<A extends Api> = { [O in Operation]: (typeof OPERATIONS)[O]['api'] extends A ? O : never }[Operation];

export const INTERNAL_ERROR: Record<Api, ErrorName> = {
  connect: 'InternalServiceException',
  participant: 'InternalServerException',
  widget: 'InternalServerException',
  operator: 'InternalServiceException',
  agent: 'InternalServerException',
};

/**
 * Refusals that come before any operation runs, from API Gateway on AWS (lib/chat-api.ts, its gateway
 * responses) and from the local server in its place: a failed SigV4 check and throttling. AWS lists
 * them as common errors of every operation (Connect API reference, "Common errors"), not per operation.
 */
export const GATEWAY_ERRORS = {
  AccessDenied: { name: 'AccessDeniedException', when: 'a missing or wrong SigV4 signature on a Connect route' },
  Unauthorized: { name: 'AccessDeniedException', when: 'a missing, expired or invalid agent access token on an agent API route (HTTP 401)' },
  Throttled: { name: 'ThrottlingException', when: "too many requests (the stage's limit, or a public route's own)" },
} as const satisfies Record<string, { name: ErrorName; when: string }>;

export interface ErrorResponse {
  statusCode: number;
  name: ErrorName;
  message: string;
}

/** The API's internal error: what went wrong stays in the log. */
export function internalErrorResponse(api: Api): ErrorResponse {
  const name = INTERNAL_ERROR[api];
  return { statusCode: ERROR_STATUS[name], name, message: 'An internal error occurred. Try again later.' };
}

/** The error a caller of `operation` sees. Anything but a DomainError of a kind the operation lists is internal. */
export function toErrorResponse(operation: Operation, error: unknown): ErrorResponse {
  const { api, errors } = OPERATIONS[operation] as OperationErrors;
  const name = error instanceof DomainError ? errors[error.kind] : undefined;
  if (!name) return internalErrorResponse(api);
  return { statusCode: ERROR_STATUS[name], name, message: (error as DomainError).message };
}

/** A refusal of the gateway's (see GATEWAY_ERRORS). */
export function gatewayErrorResponse(kind: keyof typeof GATEWAY_ERRORS, message: string): ErrorResponse {
  const { name } = GATEWAY_ERRORS[kind];
  return { statusCode: ERROR_STATUS[name], name, message };
}
