import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { PubSubNames, provisionPubSub } from '@vigil/adapter-gcp';
import { EMULATOR_PROJECT, startFirestoreEmulator, startPubSubEmulator, useGcpEmulators, type RunningGcpEmulator } from '../../../test/helpers/emulators/gcp';
import { freePort, waitFor } from '../../../test/helpers/tools';
import { deploy } from './deploy';

/**
 * `vigil deploy --cloud gcp --dry-run`: the function bundles are really built, then started
 * with the Functions Framework on loopback and invoked — the API over HTTP, ingest with the
 * recorded Pub/Sub CloudEvent — against Google's Firestore and Pub/Sub emulators.
 */
const ROOT = join(__dirname, '..', '..', '..');
const FRAMEWORK = join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');

describe('vigil deploy --cloud gcp --dry-run', () => {
  const lines: string[] = [];
  let bundles: Record<string, string> = {};
  let firestore: RunningGcpEmulator;
  let pubsub: RunningGcpEmulator;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    const [, fs, ps] = await Promise.all([
      deploy({ cloud: 'gcp', stage: 'citest', project: EMULATOR_PROJECT, region: 'europe-west1', dryRun: true, root: ROOT }, (l) => lines.push(l)),
      startFirestoreEmulator(),
      startPubSubEmulator(),
    ]);
    firestore = fs;
    pubsub = ps;
    useGcpEmulators({ firestore: firestore.host, pubsub: pubsub.host });
    bundles = Object.fromEntries(
      lines
        .filter((l) => l.startsWith('artifact: ') && l.endsWith('index.js'))
        .map((l) => l.slice(10))
        .map((path) => [path.split('/').at(-2)!, path]),
    );
    const client = new PubSub({ projectId: EMULATOR_PROJECT });
    await provisionPubSub(client, new PubSubNames('vigil-citest-'), { maxDeliveryAttempts: 5, retryBackoffSeconds: null });
    await client.close();
  }, 240_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all([firestore?.stop(), pubsub?.stop()]);
  });

  async function serve(fn: string, signature: 'http' | 'cloudevent'): Promise<string> {
    const port = await freePort();
    const child = spawn(process.execPath, [FRAMEWORK, `--target=${fn}`, `--signature-type=${signature}`, `--source=${bundles[fn]}`, `--port=${port}`], {
      cwd: dirname(bundles[fn]!),
      env: { ...process.env, VIGIL_PUBSUB_PREFIX: 'vigil-citest-', VIGIL_FIRESTORE_COLLECTION: 'vigil', VIGIL_API_KEY: 'deploy-test-key-0123456789', HOST: '127.0.0.1' },
      stdio: 'ignore',
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`functions-framework serving ${fn}`, async () => ((await fetch(url, { method: 'OPTIONS' })).status > 0 ? true : undefined), 60_000);
    return url;
  }

  it('builds one bundle per function with the Google libraries as dependencies', () => {
    expect(Object.keys(bundles).sort()).toEqual(['api', 'drift-detect', 'evaluate', 'heal', 'ingest', 'notify', 'predict', 'schedule']);
    const pkg = JSON.parse(readFileSync(join(dirname(bundles.ingest!), 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@google-cloud/firestore', '@google-cloud/functions-framework', '@google-cloud/pubsub']);
  });

  it('vendors ONNX Runtime for linux/x64 only and the models in the predict package', () => {
    const dir = dirname(bundles.predict!);
    const bin = join(dir, 'vendor', 'node_modules', 'onnxruntime-node', 'bin');
    const napi = readdirSync(bin);
    expect(napi.length).toBeGreaterThan(0);
    for (const v of napi) {
      expect(readdirSync(join(bin, v))).toEqual(['linux']);
      expect(readdirSync(join(bin, v, 'linux'))).toEqual(['x64']);
      expect(readdirSync(join(bin, v, 'linux', 'x64')).sort()).toEqual(['libonnxruntime.so.1', 'onnxruntime_binding.node']);
    }
    expect(readdirSync(join(dir, 'models')).sort()).toEqual(['linear-trend.onnx', 'robust-z.onnx']);
    expect(readFileSync(join(dir, '.gcloudignore'), 'utf8')).not.toMatch(/^node_modules/m);
    // The other packages stay small: no ONNX Runtime.
    expect(existsSync(join(dirname(bundles.evaluate!), 'vendor'))).toBe(false);
  });

  it('serves the API bundle over HTTP', async () => {
    const url = await serve('api', 'http');
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${url}/prometheus/api/v1/alerts`)).status).toBe(401);
    const authed = await fetch(`${url}/prometheus/api/v1/alerts`, { headers: { authorization: 'Bearer deploy-test-key-0123456789' } });
    expect(authed.status).toBe(200);
  }, 120_000);

  it('handles a Pub/Sub CloudEvent with the ingest bundle', async () => {
    const url = await serve('ingest', 'cloudevent');
    const recorded = JSON.parse(readFileSync(join(ROOT, 'events', 'gcp', 'pubsub-ingest.json'), 'utf8'));
    const res = await fetch(url, { method: 'POST', headers: recorded.headers, body: JSON.stringify(recorded.body) });
    expect(res.status).toBeLessThan(300);
    const db = new Firestore({ projectId: EMULATOR_PROJECT });
    const names = await db.collectionGroup('vigil_items').where('pk', '==', 'mn#default').get();
    await db.terminate();
    expect(names.docs.map((d) => d.get('sk'))).toContain('cpu_usage');
  }, 120_000);

  it('prints the topics, subscriptions with dead letters, scheduler job and deploy calls', () => {
    const text = lines.join('\n');
    expect(text).toContain('gcloud pubsub topics create vigil-citest-ingest vigil-citest-ingest-dead');
    expect(text).toMatch(/--dead-letter-topic=vigil-citest-notify-dead --max-delivery-attempts=25/);
    expect(text).toContain('gcloud functions deploy vigil-citest-ingest --gen2 --runtime=nodejs22 --region=europe-west1');
    expect(text).toContain('gcloud scheduler jobs create http vigil-citest-sweep');
    // Shell-quoted as printed: the job, its cron and the function whose URL it calls.
    expect(text).toMatch(/jobs create http vigil-citest-predict --schedule=\S*\*\/5 \* \* \* \*.*functions describe vigil-citest-predict /);
    expect(text).toMatch(/jobs create http vigil-citest-drift-detect --schedule=\S*0 \* \* \* \*.*functions describe vigil-citest-drift-detect /);
    expect(text).toMatch(/subscriptions create vigil-citest-heal-sub --topic=vigil-citest-heal .*--dead-letter-topic=vigil-citest-heal-dead/);
    expect(text).toMatch(/functions deploy vigil-citest-predict .*--memory=1Gi --set-env-vars=.*VIGIL_MODELS_DIR=\/workspace\/models/);
    expect(text).toContain('gcloud firestore fields ttls update expiresAt --collection-group=vigil_items --enable-ttl');
    expect(lines.at(-1)).toMatch(/dry run: nothing was sent to gcp/);
  });
});
