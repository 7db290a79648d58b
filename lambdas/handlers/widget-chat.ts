import { widgetRoute } from '../http/api';
import { limits } from '../http/wire';
import { type CustomerDeps, customerDepsFromEnvironment } from '../customer-deps';
import { MAX_CUSTOMER_TOKEN_LENGTH } from '../domain/customer-tokens';
import { MAX_RESUME_TOKEN_LENGTH } from '../domain/widget';

/**
 * POST /widget/chat — public: starts a chat for the configured instance and flow, or resumes one by its
 * ResumeToken; with a CustomerToken (the host site's JWT), the line of that customer, from any device (a
 * ResumeToken alongside is ignored).
 */
export const route = widgetRoute<CustomerDeps>('WidgetChat', async ({ body }, { widget, customers }) => {
  const displayName = body.optionalString('DisplayName', limits.displayName);
  const customerToken = body.optionalString('CustomerToken', { min: 1, max: MAX_CUSTOMER_TOKEN_LENGTH });
  if (customerToken !== undefined) return customers.chat(customerToken, displayName);
  return widget.start({ displayName, resumeToken: body.optionalString('ResumeToken', { min: 1, max: MAX_RESUME_TOKEN_LENGTH }) });
});

export const handler = route(customerDepsFromEnvironment);
