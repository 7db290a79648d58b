import { widgetRoute } from '../http/api';
import { LIMITS } from '../domain/limits';
import { type CustomerDeps, customerDepsFromEnvironment } from '../customer-deps';

/**
 * POST /widget/chat — public: starts a chat for the configured instance and flow, or resumes one by its
 * ResumeToken; with a CustomerToken (the host site's JWT), the line of that customer, from any device (a
 * ResumeToken alongside is ignored).
 */
export const route = widgetRoute<CustomerDeps>('WidgetChat', async ({ body }, { widget, customers }) => {
  const displayName = body.optionalString('DisplayName', LIMITS.DisplayName);
  const customerToken = body.optionalString('CustomerToken', LIMITS.CustomerToken);
  if (customerToken !== undefined) return customers.chat(customerToken, displayName);
  return widget.start({ displayName, resumeToken: body.optionalString('ResumeToken', LIMITS.ResumeToken) });
});

export const handler = route(customerDepsFromEnvironment);
