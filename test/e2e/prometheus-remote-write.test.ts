import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { silentLogger } from '@vigil/core';
import { startLocal, type LocalRuntime } from '@vigil/adapter-local';
import { ingestServices } from '@vigil/fn-ingest';
import { WebhookReceiver } from '../helpers/webhook-receiver';
import { ADMIN_KEY, client, tempDir } from '../helpers/local';
import { freePort, requireTool, waitFor } from '../helpers/tools';

/**
 * A real Prometheus 2.42 scrapes a small exporter on loopback and remote-writes to Vigil with
 * an API key. A rule on the scraped metric fires and reaches a webhook; when the exporter stops
 * exposing the series, Prometheus writes stale markers and the alert resolves. Prometheus' own
 * remote-storage counters must show nothing failed, retried or dropped. Real time, bounded polls.
 */
const WRITER_KEY = 'prometheus-writer-key';

describe('Prometheus remote write → rule → webhook', () => {
  const { dir, remove } = tempDir('vigil-prw-');
  const hook = new WebhookReceiver();
  let vigil: LocalRuntime;
  let exporter: Server;
  let prometheus: ChildProcess | undefined;
  let promPort = 0;
  let exporterPort = 0;
  let hot = true;
  let stderr = '';

  const exposition = () =>
    [
      '# HELP demo_temperature_celsius Temperature of the lab.',
      '# TYPE demo_temperature_celsius gauge',
      ...(hot ? ['demo_temperature_celsius{room="lab"} 95.5'] : []),
      '# HELP demo_requests_total Requests served.',
      '# TYPE demo_requests_total counter',
      `demo_requests_total{code="200"} ${Math.floor(Date.now() / 100)}`,
      '',
    ].join('\n');

  beforeAll(async () => {
    const binary = requireTool('prometheus', 'apt-get install prometheus (2.42)');
    await hook.start();
    vigil = await startLocal({ dataDir: join(dir, 'vigil'), port: 0, apiKey: ADMIN_KEY, logger: silentLogger, background: true, pollIntervalMs: 50, outboundAllow: '127.0.0.1/32' });
    await vigil.ctx.services.apiKeys.create(WRITER_KEY, { tenant: 'default', scopes: ['metrics:write'], name: 'prometheus', createdAt: Date.now() });

    exporter = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(exposition());
    });
    exporterPort = await freePort();
    await new Promise<void>((resolve) => exporter.listen(exporterPort, '127.0.0.1', resolve));

    promPort = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: exporter',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${exporterPort}']`,
        'remote_write:',
        `  - url: ${vigil.url}/api/v1/push`,
        '    authorization:',
        `      credentials: ${WRITER_KEY}`,
        '    queue_config:',
        '      batch_send_deadline: 500ms',
        '      min_backoff: 100ms',
        '      max_backoff: 1s',
        '    metadata_config:',
        '      send_interval: 2s',
        '',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'tsdb'));
    prometheus = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    prometheus.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    await waitFor('Prometheus to be ready', async () => ((await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok ? true : undefined), 30_000);
  }, 60_000);

  afterAll(async () => {
    if (prometheus?.pid && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      process.kill(-prometheus.pid, 'SIGTERM');
      await exited;
    }
    await new Promise<void>((resolve) => exporter?.close(() => resolve()));
    await vigil?.stop();
    await hook.stop();
    remove();
  });

  const remoteStorage = async () => {
    const text = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
    const sum = (name: string) => {
      const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
      // A counter Prometheus does not expose would read as 0 and prove nothing.
      if (lines.length === 0) throw new Error(`Prometheus exposes no ${name}`);
      return lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    };
    return {
      sent: sum('prometheus_remote_storage_samples_total'),
      failed: sum('prometheus_remote_storage_samples_failed_total'),
      retried: sum('prometheus_remote_storage_samples_retried_total'),
      dropped: sum('prometheus_remote_storage_samples_dropped_total'),
      metadataFailed: sum('prometheus_remote_storage_metadata_failed_total'),
    };
  };

  it('fires on scraped data, resolves on stale markers, and Prometheus reports nothing failed or dropped', async () => {
    const api = client(vigil.url);
    const rules = 'name: lab\ninterval: 1s\nrules:\n  - alert: LabHot\n    expr: demo_temperature_celsius > 90\n    labels:\n      severity: page\n';
    expect((await api.post('/prometheus/config/v1/rules/lab', rules)).status).toBe(202);
    const am = `alertmanager_config: |\n  route:\n    receiver: r\n    group_by: [alertname]\n    group_wait: 0s\n    group_interval: 1s\n    repeat_interval: 1h\n  receivers:\n    - name: r\n      webhook_configs:\n        - url: ${hook.url}/hook\n          send_resolved: true\n`;
    expect((await api.post('/api/v1/alerts', am)).status).toBe(201);

    const firing = await waitFor(
      'a firing notification',
      async () => hook.requests.find((r) => r.json?.status === 'firing'),
      45_000,
      250,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}; Prometheus said: ${stderr.split('\n').filter((l) => /remote|error/i.test(l)).slice(-5).join(' | ')}`);
    });
    expect(firing.json.alerts[0].labels).toEqual({ alertname: 'LabHot', severity: 'page', room: 'lab', job: 'exporter', instance: `127.0.0.1:${exporterPort}` });

    // Counters and metadata arrive too.
    const requests = await waitFor('the scraped counter', async () => {
      const r = await api.get('/prometheus/api/v1/query?query=demo_requests_total');
      return r.json?.data?.result?.length > 0 ? r.json.data.result : undefined;
    });
    expect(requests[0].metric).toMatchObject({ __name__: 'demo_requests_total', code: '200', job: 'exporter' });
    await waitFor('metadata', async () => {
      const m = await ingestServices(vigil.ctx).metadata.list('default', 'demo_temperature_celsius');
      return m[0]?.type === 'gauge' ? m : undefined;
    });

    // The series disappears from the exporter: Prometheus writes a stale marker, the alert resolves.
    hot = false;
    await waitFor('a resolved notification', async () => (hook.requests.some((r) => r.json?.status === 'resolved') ? true : undefined), 45_000, 250);
    expect((await api.get('/prometheus/api/v1/query?query=demo_temperature_celsius')).json.data.result).toEqual([]);

    const counters = await waitFor('samples sent by Prometheus', async () => {
      const c = await remoteStorage();
      return c.sent > 0 ? c : undefined;
    });
    expect(counters.sent).toBeGreaterThan(0);
    expect({ failed: counters.failed, retried: counters.retried, dropped: counters.dropped, metadataFailed: counters.metadataFailed }).toEqual({
      failed: 0,
      retried: 0,
      dropped: 0,
      metadataFailed: 0,
    });
  }, 120_000);
});
