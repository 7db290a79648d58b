import { operatorRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type ErasureDeps, erasureDepsFromEnvironment } from '../erasure-deps';
import { invalidRequest } from '../domain/errors';

/**
 * POST /persistent-chat/erase-line — an operator erases a customer's whole line (right to be forgotten),
 * by the host's CustomerId or by any ContactId of the line: `{"ErasedContactIds": [...]}`, empty when
 * there was nothing (left) to erase.
 */
export const route = operatorRoute<ErasureDeps>('EraseLine', async ({ body }, { erasure }) => {
  const instanceId = body.string('InstanceId', LIMITS.InstanceId);
  const customerId = body.optionalString('CustomerId', LIMITS.CustomerTokenSubject);
  const contactId = body.optionalString('ContactId', LIMITS.ContactId);
  if ((customerId === undefined) === (contactId === undefined)) throw invalidRequest('Give exactly one of CustomerId and ContactId');
  return erasure.erase(customerId !== undefined ? { instanceId, customerId } : { instanceId, contactId: contactId! });
});

export const handler = route(erasureDepsFromEnvironment);
