import { MissingJavaError } from '../local/dynamodb-local';
import { startLocalServer } from '../local/server';
import { logLevelFrom } from '../lambdas/logger';
import { buildWeb } from '../web/build';

/** `npm start`: the service on this machine, no cloud account and no Docker. */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not '${process.env.PORT}'`);
  // npm runs this from the package folder: the pages are built from web/ on every start (about a second).
  const webDir = await buildWeb('web', '.build/web');
  const server = await startLocalServer({
    webDir,
    port,
    dataDir: process.env.DATA_DIR ?? '.data',
    credentials: {
      accessKeyId: process.env.LOCAL_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.LOCAL_SECRET_ACCESS_KEY ?? 'local',
    },
    logLevel: logLevelFrom(process.env.LOG_LEVEL),
    // WEBSOCKET=false: as the stack deployed with `-c websocket=false` (no WebSocket URL; pages poll).
    websocket: process.env.WEBSOCKET !== 'false',
  });
  process.stdout.write(`persistent-chat listening on ${server.url} (chat page: ${server.url}/, local agent desk: ${server.url}/agent)\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof MissingJavaError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
