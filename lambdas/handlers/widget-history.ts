import { widgetRoute } from '../http/api';
import { type CustomerDeps, customerDepsFromEnvironment } from '../customer-deps';
import { invalidParameter } from '../domain/errors';
import { LIMITS } from '../domain/limits';

/**
 * POST /widget/history — public: a read-only connection credential for the line of a CustomerToken (or
 * of a ResumeToken), for GetTranscript; no chat is started and nothing is written.
 */
export const route = widgetRoute<CustomerDeps>('WidgetHistory', async ({ body }, { customers }) => {
  const customerToken = body.optionalString('CustomerToken', LIMITS.CustomerToken);
  if (customerToken !== undefined) return customers.history({ customerToken });
  const resumeToken = body.optionalString('ResumeToken', LIMITS.ResumeToken);
  if (resumeToken === undefined) throw invalidParameter('CustomerToken or ResumeToken is required');
  return customers.history({ resumeToken });
});

export const handler = route(customerDepsFromEnvironment);
