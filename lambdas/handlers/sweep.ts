import type { Context } from 'aws-lambda';
import { depsFromEnvironment } from '../deps';
import { Logger, logLevelFrom } from '../logger';

/** What the sweep leaves of the function's time: enough to finish the records under way and log. */
const MARGIN_MS = 10_000;
const log = new Logger(logLevelFrom(process.env.LOG_LEVEL));

/** The scheduled sweep (routes.ts `SWEEP`, invoked by an EventBridge rule): one run, within the function's time. */
export async function handler(_event: unknown, context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>) {
  const { sweep } = await depsFromEnvironment();
  const report = await sweep.run({ deadline: Date.now() + context.getRemainingTimeInMillis() - MARGIN_MS });
  log.info('sweep', { requestId: context.awsRequestId, ...report });
  return report;
}
