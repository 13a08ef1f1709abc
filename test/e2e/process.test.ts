import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import { client, tempDir } from '../helpers/local';

/**
 * `npm start`'s entry point as a real process on real time: the scheduler and queue workers
 * run on their own, the process is killed without warning mid-stream, and after a restart
 * the alert is still firing and is not notified twice. Waits are bounded polls, not timings.
 */
const ROOT = join(__dirname, '..', '..');
const KEY = 'process-test-key';

function startProcess(dataDir: string, port: number): ChildProcess {
  // One node process (tsx as a loader, not its CLI, which would fork a child that SIGKILL misses).
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'adapters', 'local', 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), VIGIL_DATA_DIR: dataDir, VIGIL_API_KEY: KEY, VIGIL_OUTBOUND_ALLOW: '127.0.0.1/32', VIGIL_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the local process (npm start)', () => {
  const { dir, remove } = tempDir();
  const hook = new WebhookReceiver();
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const api = client(`http://127.0.0.1:${port}`, KEY);
  let proc: ChildProcess;
  let pusher: NodeJS.Timeout | undefined;
  let value = 95;

  const statuses = () => hook.requests.map((r) => r.json?.status as string);
  const healthy = () => until('healthz', async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined));

  beforeAll(async () => {
    await hook.start();
    proc = startProcess(dir, port);
    await healthy();
  }, 60_000);
  afterAll(async () => {
    if (pusher) clearInterval(pusher);
    if (proc.exitCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    await hook.stop();
    remove();
  });

  it('fires, survives a crash, and resolves — each notified once', async () => {
    const rules = 'name: fast\ninterval: 1s\nrules:\n  - alert: Hot\n    expr: temp_c > 50\n    for: 2s\n';
    expect((await api.post('/prometheus/config/v1/rules/e2e', rules)).status).toBe(202);
    const am = `alertmanager_config: |\n  route:\n    receiver: r\n    group_wait: 0s\n    group_interval: 1s\n    repeat_interval: 1h\n  receivers:\n    - name: r\n      webhook_configs:\n        - url: ${hook.url}/hook\n`;
    expect((await api.post('/api/v1/alerts', am)).status).toBe(201);
    const push = () => void api.post('/v1/metrics', { samples: [{ metric: 'temp_c', labels: { room: 'x' }, value, timestamp: Date.now() }] }).catch(() => undefined);
    push();
    pusher = setInterval(push, 300);

    await until('a firing notification', async () => (statuses().includes('firing') ? true : undefined));

    proc.kill('SIGKILL');
    await new Promise((r) => proc.once('exit', r));
    proc = startProcess(dir, port);
    await healthy();
    expect(proc.exitCode).toBeNull();
    const alerts = (await api.get('/prometheus/api/v1/alerts')).json.data.alerts;
    expect(alerts).toEqual([expect.objectContaining({ state: 'firing', labels: { alertname: 'Hot', room: 'x' } })]);

    // Several evaluation and flush cycles after the restart: still one firing notification.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(statuses().filter((s) => s === 'firing')).toHaveLength(1);

    value = 20;
    await until('a resolved notification', async () => (statuses().includes('resolved') ? true : undefined));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(statuses()).toEqual(['firing', 'resolved']);
  }, 90_000);
});
