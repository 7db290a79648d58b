import { widgetRoute } from '../http/api';
import { type CustomerDeps, customerDepsFromEnvironment } from '../customer-deps';
import { MAX_CUSTOMER_TOKEN_LENGTH } from '../domain/customer-tokens';
import { invalidParameter } from '../domain/errors';
import { MAX_RESUME_TOKEN_LENGTH } from '../domain/widget';

/**
 * POST /widget/history — public: a read-only connection credential for the line of a CustomerToken (or
 * of a ResumeToken), for GetTranscript; no chat is started and nothing is written.
 */
export const route = widgetRoute<CustomerDeps>('WidgetHistory', async ({ body }, { customers }) => {
  const customerToken = body.optionalString('CustomerToken', { min: 1, max: MAX_CUSTOMER_TOKEN_LENGTH });
  if (customerToken !== undefined) return customers.history({ customerToken });
  const resumeToken = body.optionalString('ResumeToken', { min: 1, max: MAX_RESUME_TOKEN_LENGTH });
  if (resumeToken === undefined) throw invalidParameter('CustomerToken or ResumeToken is required');
  return customers.history({ resumeToken });
});

export const handler = route(customerDepsFromEnvironment);
