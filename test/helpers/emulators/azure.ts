import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../tools';
import { startProcessGroup } from './process-group';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const AZURITE = join(REPO_ROOT, 'node_modules', '.bin', 'azurite');

/**
 * Azurite's well-known development account (published in Azure's documentation; it is not a
 * secret and only ever reaches loopback).
 */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  /** A connection string for the Table and Queue endpoints (what `AzureWebJobsStorage` holds). */
  connectionString: string;
  tablePort: number;
  queuePort: number;
  stop(): Promise<void>;
}

/**
 * Azurite (Table, Queue and Blob on 127.0.0.1, in memory) as a child process in its own process
 * group, so that stop() ends it and nothing else.
 */
export async function startAzurite(): Promise<RunningAzurite> {
  if (!existsSync(AZURITE)) throw new Error('azurite is not installed: it is a devDependency of the repository (npm ci installs it)');
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--silent',
    '--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1',
    '--blobPort', String(blobPort), '--queuePort', String(queuePort), '--tablePort', String(tablePort),
  ];
  const { stop } = await startProcessGroup({
    name: 'azurite',
    bin: AZURITE,
    args,
    cwd: REPO_ROOT,
    probes: [tablePort, queuePort].map((port) => ({
      what: `azurite on 127.0.0.1:${port}`,
      ready: async () => (await fetch(`http://127.0.0.1:${port}/`)).status > 0,
    })),
  });
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT};QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT};`;
  return { connectionString, tablePort, queuePort, stop };
}
