import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from '../tools';

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
  const child = spawn(AZURITE, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], cwd: REPO_ROOT });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  try {
    for (const port of [tablePort, queuePort]) {
      await waitFor(`azurite on 127.0.0.1:${port}`, async () => {
        if (child.exitCode !== null) throw new Error(`azurite exited with ${child.exitCode}`);
        const res = await fetch(`http://127.0.0.1:${port}/`);
        return res.status > 0 ? true : undefined;
      }, 60_000, 100);
    }
  } catch (err) {
    await stopGroup(child);
    throw new Error(`azurite did not start: ${(err as Error).message}; stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT};QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT};`;
  return { connectionString, tablePort, queuePort, stop: () => stopGroup(child) };
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(timer);
}
