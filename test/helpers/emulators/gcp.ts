import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireTool } from '../tools';
import { startProcessGroup } from './process-group';

/** Any project id works with the emulators; it only namespaces their data. */
export const EMULATOR_PROJECT = 'vigil-test';

export interface RunningGcpEmulator {
  /** `127.0.0.1:PORT`, the form FIRESTORE_EMULATOR_HOST and PUBSUB_EMULATOR_HOST take. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

const GCLOUD_HINT = 'the Google Cloud CLI (google-cloud-cli with the Firestore and Pub/Sub emulators) comes with the machine image';

/** Google's Firestore emulator on 127.0.0.1, in its own process group. */
export function startFirestoreEmulator(): Promise<RunningGcpEmulator> {
  return startGcloud('Firestore emulator', ['emulators', 'firestore', 'start'], async (host) => {
    const res = await fetch(`http://${host}/`);
    return res.ok;
  });
}

/** Google's Pub/Sub emulator on 127.0.0.1, in its own process group. */
export function startPubSubEmulator(): Promise<RunningGcpEmulator> {
  return startGcloud('Pub/Sub emulator', ['beta', 'emulators', 'pubsub', 'start'], async (host) => {
    const res = await fetch(`http://${host}/v1/projects/${EMULATOR_PROJECT}/topics`);
    return res.ok;
  });
}

/**
 * Points the Google client libraries at the emulators: they read these variables when a
 * client is constructed, and METADATA_SERVER_DETECTION=none keeps them from probing the
 * (absent) metadata server for credentials.
 */
export function useGcpEmulators(hosts: { firestore?: string; pubsub?: string }): void {
  process.env.METADATA_SERVER_DETECTION = 'none';
  process.env.GOOGLE_CLOUD_PROJECT = EMULATOR_PROJECT;
  if (hosts.firestore) process.env.FIRESTORE_EMULATOR_HOST = hosts.firestore;
  if (hosts.pubsub) process.env.PUBSUB_EMULATOR_HOST = hosts.pubsub;
}

async function startGcloud(name: string, command: string[], ready: (host: string) => Promise<boolean>): Promise<RunningGcpEmulator> {
  const gcloud = requireTool('gcloud', GCLOUD_HINT);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  // A private config dir keeps gcloud from touching (or needing) the user's configuration.
  const configDir = mkdtempSync(join(tmpdir(), 'vigil-gcloud-'));
  const { stop } = await startProcessGroup({
    name,
    bin: gcloud,
    args: [...command, `--host-port=${host}`, '--quiet'],
    env: { ...process.env, CLOUDSDK_CONFIG: configDir, CLOUDSDK_CORE_PROJECT: EMULATOR_PROJECT, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
    probes: [{ what: `${name} on ${host}`, ready: () => ready(host) }],
    timeoutMs: 90_000,
    pollMs: 200,
    // gcloud starts the emulator as a Java child that outlives a signal sent to gcloud alone.
    waitForGroup: true,
    cleanup: () => rmSync(configDir, { recursive: true, force: true }),
  });
  return { host, port, stop };
}
