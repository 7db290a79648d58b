import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CustomerTokenSource } from './config';
import { type Deps, oncePerContainer, type Wiring, wiringFromEnvironment } from './deps';
import { type CustomerTokenSettings, CustomerTokens } from './http/customer-tokens';
import { Customers } from './domain/customers';
import { secretVersions } from './stores/secrets-manager';

/**
 * The composition root of the functions that take customer tokens (/widget/chat, /widget/history):
 * everything the other functions have, plus the customer tokens' verification, kept apart from deps.ts so
 * that jose, and the customer-token secret, are in these functions only.
 */
export interface CustomerDeps extends Deps {
  customers: Customers;
}

export function withCustomers(wiring: Wiring, settings: CustomerTokenSettings): CustomerDeps {
  const { config, deps, store, now } = wiring;
  const customers = new Customers({
    tokens: new CustomerTokens(settings),
    store,
    widget: deps.widget,
    keys: deps.keys,
    instanceId: config.widget.instanceId,
    now,
  });
  return { ...deps, customers };
}

/** On AWS the HS256 secret is read from Secrets Manager once per container; it is never in the template or the environment. */
async function loadCustomerTokenSettings(source: CustomerTokenSource, region: string): Promise<CustomerTokenSettings> {
  if (!('secretArn' in source)) return source;
  const { secretArn, ...checks } = source;
  const secret = await secretVersions(new SecretsManagerClient({ region }), secretArn).read({ stage: 'AWSCURRENT' });
  if (!secret) throw new Error('the customer token secret has no value');
  return { ...checks, secret };
}

export const customerDepsFromEnvironment = oncePerContainer(async () => {
  const wiring = await wiringFromEnvironment();
  return withCustomers(wiring, await loadCustomerTokenSettings(wiring.config.customerTokens, wiring.config.region));
});
