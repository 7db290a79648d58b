import { join } from 'node:path';

/** A Lambda entry file under lambdas/, e.g. `handlers/stop-contact`: lib/ imports handler code only by path. */
export const lambdaEntry = (name: string): string => join(__dirname, '..', 'lambdas', `${name}.ts`);
