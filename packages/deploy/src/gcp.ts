import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle, lockedVersions, writePackageJson } from './bundle';
import { copyModels, copyOnnxRuntime } from './onnx-runtime';
import type { DeployOptions, Plan, Step } from './plan';

/** Entry points exported by adapters/gcp (`--entry-point`). */
export const GCP_FUNCTIONS = ['api', 'schedule', 'ingest', 'evaluate', 'notify', 'predict', 'drift-detect', 'heal'] as const;
/** Queues consumed by a function, with their delivery limits (notify's delayed flushes arrive early up to ~17 times). */
export const GCP_QUEUES = [
  { name: 'ingest', maxDeliveries: 5, retry: ['--min-retry-delay=10s', '--max-retry-delay=600s'] },
  { name: 'evaluate', maxDeliveries: 5, retry: ['--min-retry-delay=10s', '--max-retry-delay=600s'] },
  { name: 'notify', maxDeliveries: 25, retry: ['--min-retry-delay=10s', '--max-retry-delay=60s'] },
  // heal's delayed verification arrives early like notify's flushes, so it is redelivered as often.
  { name: 'heal', maxDeliveries: 25, retry: ['--min-retry-delay=10s', '--max-retry-delay=60s'] },
] as const;
/** Cloud Scheduler jobs (unix cron) calling an HTTP function: the sweep, predict and drift-detect. */
export const GCP_SCHEDULES = [
  { job: 'sweep', fn: 'schedule', cron: '* * * * *', what: 'evaluation sweep every minute' },
  { job: 'predict', fn: 'predict', cron: '*/5 * * * *', what: 'predict every 5 minutes' },
  { job: 'drift-detect', fn: 'drift-detect', cron: '0 * * * *', what: 'drift detection every hour' },
] as const;
/** Where predict's package vendors ONNX Runtime (linux/x64, as Cloud Functions run) and the models; /workspace is the source's folder. */
const GCP_ONNX_ENV = 'VIGIL_ONNXRUNTIME=/workspace/vendor/node_modules/onnxruntime-node/dist/index.js,VIGIL_MODELS_DIR=/workspace/models';

/**
 * GCP: one bundle per function (Cloud Functions 2nd gen, Node.js 22), Pub/Sub topics with
 * dead-letter topics, push subscriptions (authenticated with a dedicated service account) to
 * the queue functions, Firestore with its TTL policy, and a Cloud Scheduler job for the sweep.
 * Queue functions are deployed as private HTTP functions fed by push subscriptions, so Vigil
 * owns each subscription's dead-letter and retry policy (docs/adapters/GCP.md).
 */
export function planGcp(o: DeployOptions): Plan {
  const region = o.region ?? 'us-central1';
  const project = o.project ?? process.env.CLOUDSDK_CORE_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? '<project-id>';
  const prefix = `vigil-${o.stage}-`;
  const p = [`--project=${project}`];
  const invoker = `vigil-${o.stage}-invoker@${project}.iam.gserviceaccount.com`;
  const out = join(o.outDir, 'functions');
  const entry = join(o.root, 'adapters', 'gcp', 'src', 'index.ts');
  const url = (fn: string) => `$(gcloud functions describe ${prefix}${fn} --gen2 --region=${region} ${p[0]} --format='value(serviceConfig.uri)')`;
  // Google's client libraries load protobuf descriptors from their own files, and the Functions
  // Framework must be the one the runtime starts: they stay packages, installed by Cloud Build
  // from the package.json beside each bundle.
  const external = ['@google-cloud/firestore', '@google-cloud/pubsub', '@google-cloud/functions-framework'];

  const steps: Step[] = GCP_FUNCTIONS.map((fn) => ({
    title: `bundle function ${fn}`,
    build: async () => {
      const files = [...(await bundle(entry, join(out, fn, 'index.js'), { external })), writePackageJson(join(out, fn), 'index.js', lockedVersions(o.root, external))];
      if (fn === 'predict') files.push(...vendorOnnxRuntime(o.root, join(out, fn)));
      return files;
    },
  }));
  for (const q of [...GCP_QUEUES.map((x) => x.name), 'events']) {
    steps.push({ title: `topics ${prefix}${q} and ${prefix}${q}-dead`, command: ['gcloud', 'pubsub', 'topics', 'create', `${prefix}${q}`, `${prefix}${q}-dead`, ...p] });
  }
  steps.push(
    { title: 'Firestore database (native mode)', command: ['gcloud', 'firestore', 'databases', 'create', `--location=${region}`, ...p] },
    { title: 'TTL policy: Firestore deletes expired items by itself', command: ['gcloud', 'firestore', 'fields', 'ttls', 'update', 'expiresAt', '--collection-group=vigil_items', '--enable-ttl', ...p] },
    { title: 'service account that Pub/Sub and Cloud Scheduler call the functions as', command: ['gcloud', 'iam', 'service-accounts', 'create', `vigil-${o.stage}-invoker`, ...p] },
  );
  const env = `VIGIL_PUBSUB_PREFIX=${prefix},GOOGLE_CLOUD_PROJECT=${project},VIGIL_FIRESTORE_COLLECTION=vigil`;
  for (const fn of GCP_FUNCTIONS) {
    const access = fn === 'api' ? ['--allow-unauthenticated'] : ['--no-allow-unauthenticated'];
    // ONNX Runtime's sessions want more than the default 256 MiB.
    const sized = fn === 'predict' ? ['--memory=1Gi', `--set-env-vars=${env},${GCP_ONNX_ENV}`] : [`--set-env-vars=${env}`];
    steps.push({
      title: `deploy ${fn} (HTTP${fn === 'api' ? ', public: the API authenticates every request itself' : ', private'})`,
      command: ['gcloud', 'functions', 'deploy', `${prefix}${fn}`, '--gen2', '--runtime=nodejs22', `--region=${region}`, `--source=${join(out, fn)}`, `--entry-point=${fn}`, '--trigger-http', ...access, ...sized, ...p],
    });
    if (fn !== 'api') {
      steps.push({
        title: `let the invoker service account call ${fn}`,
        command: ['gcloud', 'functions', 'add-invoker-policy-binding', `${prefix}${fn}`, '--gen2', `--region=${region}`, `--member=serviceAccount:${invoker}`, ...p],
      });
    }
  }
  for (const q of GCP_QUEUES) {
    steps.push({
      title: `push subscription ${prefix}${q.name}-sub → ${q.name}, dead-lettered after ${q.maxDeliveries} deliveries`,
      command: [
        'sh',
        '-c',
        [
          'gcloud pubsub subscriptions create',
          `${prefix}${q.name}-sub`,
          `--topic=${prefix}${q.name}`,
          // The Functions Framework turns a push to /projects/P/topics/T into the Pub/Sub CloudEvent.
          `--push-endpoint="${url(q.name)}/projects/${project}/topics/${prefix}${q.name}"`,
          `--push-auth-service-account=${invoker}`,
          `--dead-letter-topic=${prefix}${q.name}-dead`,
          `--max-delivery-attempts=${q.maxDeliveries}`,
          ...q.retry,
          '--ack-deadline=60',
          p[0],
        ].join(' '),
      ],
    });
    steps.push({ title: `subscription keeping ${q.name}'s dead letters`, command: ['gcloud', 'pubsub', 'subscriptions', 'create', `${prefix}${q.name}-dead-sub`, `--topic=${prefix}${q.name}-dead`, ...p] });
  }
  for (const s of GCP_SCHEDULES) {
    steps.push({
      title: `Cloud Scheduler job: ${s.what}`,
      command: [
        'sh',
        '-c',
        `gcloud scheduler jobs create http ${prefix}${s.job} --schedule='${s.cron}' --uri="${url(s.fn)}" --http-method=POST --oidc-service-account-email=${invoker} --location=${region} ${p[0]}`,
      ],
    });
  }
  return {
    cloud: 'gcp',
    requires: [{ command: 'gcloud', install: 'install the Google Cloud CLI (gcloud) and run `gcloud auth login`' }],
    credentials: { check: ['gcloud', 'auth', 'print-access-token'], hint: 'run `gcloud auth login` (or set GOOGLE_APPLICATION_CREDENTIALS) and pass --project' },
    steps,
  };
}

/**
 * predict's package carries ONNX Runtime itself, with the linux/x64 binary only (the npm package
 * holds every platform's, ~350 MB), under vendor/ so that Cloud Build's install leaves it alone,
 * and the models. gcloud ignores node_modules folders unless told otherwise: .gcloudignore says so.
 */
function vendorOnnxRuntime(root: string, dir: string): string[] {
  copyOnnxRuntime(root, join(dir, 'vendor', 'node_modules'), 'x86_64');
  copyModels(root, join(dir, 'models'));
  const ignore = join(dir, '.gcloudignore');
  writeFileSync(ignore, '# Upload everything: vendor/node_modules holds ONNX Runtime for linux/x64.\n.gcloudignore\n');
  return [join(dir, 'vendor', 'node_modules', 'onnxruntime-node'), join(dir, 'models'), ignore];
}
