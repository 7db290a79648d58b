import { readFile } from 'node:fs/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { type Config, configFromEnvironment } from './config';
import { Contacts } from './domain/contacts';
import { KeyRing, type KeyMaterial } from './domain/keys';
import { documentClient, s3Client } from './stores/clients';
import { DynamoContactStore } from './stores/dynamodb/contact-store';

/** Everything a handler needs, built once per container (or once per local server). */
export interface Deps {
  config: Config;
  contacts: Contacts;
}

export interface Clients {
  db: DynamoDBDocumentClient;
  s3: S3Client;
}

export function buildDeps(config: Config, clients: Clients, keyMaterial: KeyMaterial, now: () => number = Date.now): Deps {
  const keys = new KeyRing(keyMaterial);
  const store = new DynamoContactStore(clients.db, config.tableName);
  return { config, contacts: new Contacts({ store, keys, now }) };
}

async function loadKeyMaterial(config: Config): Promise<KeyMaterial> {
  if ('file' in config.keySource) return JSON.parse(await readFile(config.keySource.file, 'utf8')) as KeyMaterial;
  throw new Error('Secrets Manager key source is not available in this build');
}

let lambdaDeps: Promise<Deps> | undefined;

/** On Lambda: configuration from the environment, checked once, clients reused across invocations. */
export function depsFromEnvironment(): Promise<Deps> {
  lambdaDeps ??= (async () => {
    const config = configFromEnvironment(process.env);
    const clients = { db: documentClient(config), s3: s3Client(config) };
    return buildDeps(config, clients, await loadKeyMaterial(config));
  })();
  return lambdaDeps;
}
