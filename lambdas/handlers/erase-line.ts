import { operatorRoute } from '../http/api';
import { limits } from '../http/wire';
import { type ErasureDeps, erasureDepsFromEnvironment } from '../erasure-deps';
import { MAX_CUSTOMER_ID_LENGTH } from '../domain/customer-tokens';
import { invalidRequest } from '../domain/errors';

/**
 * POST /persistent-chat/erase-line — an operator erases a customer's whole line (right to be forgotten),
 * by the host's CustomerId or by any ContactId of the line: `{"ErasedContactIds": [...]}`, empty when
 * there was nothing (left) to erase.
 */
export const route = operatorRoute<ErasureDeps>('EraseLine', async ({ body }, { erasure }) => {
  const instanceId = body.string('InstanceId', limits.instanceId);
  const customerId = body.optionalString('CustomerId', { min: 1, max: MAX_CUSTOMER_ID_LENGTH });
  const contactId = body.optionalString('ContactId', limits.contactId);
  if ((customerId === undefined) === (contactId === undefined)) throw invalidRequest('Give exactly one of CustomerId and ContactId');
  return erasure.erase(customerId !== undefined ? { instanceId, customerId } : { instanceId, contactId: contactId! });
});

export const handler = route(erasureDepsFromEnvironment);
