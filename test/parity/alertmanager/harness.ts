/**
 * Replays one alert stream through a real Alertmanager 0.25 and through Vigil with the same
 * configuration, and records what each side's webhook receivers get. Alertmanager runs with
 * clustering off and its own storage directory; Vigil runs as the local runtime on real time,
 * one tenant per scenario. Both post to one real HTTP server on loopback, under
 * `/am/<scenario>/...` and `/vigil/<scenario>/...`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../../helpers/tools';

export interface AlertSpec {
  labels: Record<string, string>;
  resolved?: boolean;
}

export interface Step {
  /** Seconds after the scenario starts. */
  at: number;
  alerts?: AlertSpec[];
  silence?: { ref: string; matchers: { name: string; value: string; isRegex?: boolean; isEqual?: boolean }[] };
  expire?: string;
}

export interface Scenario {
  name: string;
  /** alertmanager.yml; every webhook URL is written `HOOK/<path>`. */
  config: string;
  steps: Step[];
  /** Seconds to observe in all. */
  duration: number;
}

export interface Notification {
  /** Milliseconds after the scenario started. */
  at: number;
  path: string;
  receiver: string;
  groupKey: string;
  status: string;
  /** `labels|status`, sorted. */
  alerts: string[];
}

/** `alertname=A,team=db` → labels; a leading `!` marks the alert resolved. */
export function alert(spec: string): AlertSpec {
  const resolved = spec.startsWith('!');
  const labels: Record<string, string> = {};
  for (const pair of (resolved ? spec.slice(1) : spec).split(',')) {
    const [k, v] = pair.split('=');
    labels[k!.trim()] = (v ?? '').trim();
  }
  return { labels, resolved };
}

const labelsKey = (l: Record<string, string>) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join(',');

/** Records webhook deliveries with their arrival time. */
export class Recorder {
  readonly received: { side: string; scenario: string; path: string; t: number; body: any }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const t = Date.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [, side, scenario, ...rest] = (req.url ?? '').split('/');
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        this.received.push({ side: side ?? '', scenario: scenario ?? '', path: rest.join('/'), t, body });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  notifications(side: string, scenario: string, t0: number): Notification[] {
    return this.received
      .filter((r) => r.side === side && r.scenario === scenario)
      .map((r) => ({
        at: r.t - t0,
        path: r.path,
        receiver: r.body?.receiver,
        groupKey: r.body?.groupKey,
        status: r.body?.status,
        alerts: ((r.body?.alerts ?? []) as any[]).map((a) => `${labelsKey(a.labels)}|${a.status}`).sort(),
      }));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** One Alertmanager process with clustering off. */
export class AlertmanagerProcess {
  private proc: ChildProcess | undefined;
  private dir = '';
  url = '';
  log = '';

  constructor(private readonly bin: string) {}

  async start(config: string): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'vigil-parity-am-'));
    writeFileSync(join(this.dir, 'alertmanager.yml'), config);
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.proc = spawn(
      this.bin,
      [
        `--config.file=${join(this.dir, 'alertmanager.yml')}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.proc.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    await waitFor(`Alertmanager on ${this.url}`, async () => ((await fetch(`${this.url}/-/ready`)).ok ? true : undefined), 20_000, 50);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (proc?.pid !== undefined && proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await exited;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An Alertmanager v2 API endpoint: Alertmanager itself, or Vigil's for one tenant. */
export interface Side {
  name: 'am' | 'vigil';
  base: string;
  headers: Record<string, string>;
}

async function call(side: Side, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(side.base + path, {
    method,
    headers: { 'content-type': 'application/json', ...side.headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${side.name} ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Runs the steps against both sides at the same moments; returns when the scenario's time is up. */
export async function replay(scenario: Scenario, sides: Side[], t0: number): Promise<void> {
  const silenceIds = new Map<string, string>();
  const sleepUntil = async (t: number) => {
    const ms = t - Date.now();
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  };
  for (const step of scenario.steps) {
    await sleepUntil(t0 + step.at * 1000);
    const now = new Date().toISOString();
    await Promise.all(
      sides.map(async (side) => {
        if (step.alerts) {
          const body = step.alerts.map((a) => ({ labels: a.labels, ...(a.resolved ? { endsAt: now } : {}) }));
          await call(side, 'POST', '/api/v2/alerts', body);
        }
        if (step.silence) {
          const res = await call(side, 'POST', '/api/v2/silences', {
            matchers: step.silence.matchers.map((m) => ({ isRegex: false, isEqual: true, ...m })),
            startsAt: now,
            endsAt: new Date(Date.now() + 3_600_000).toISOString(),
            createdBy: 'parity',
            comment: scenario.name,
          });
          silenceIds.set(`${side.name}:${step.silence.ref}`, res.silenceID);
        }
        if (step.expire) await call(side, 'DELETE', `/api/v2/silence/${silenceIds.get(`${side.name}:${step.expire}`)}`);
      }),
    );
  }
  await sleepUntil(t0 + scenario.duration * 1000);
}

/**
 * Pairs the notifications of both sides per receiver path and group key, in order, and lists
 * every difference: a missing or extra notification, another alert set or status, or an arrival
 * further apart than the tolerance.
 */
export function compare(am: Notification[], vigil: Notification[], toleranceMs: number): { diffs: string[]; deltasMs: number[] } {
  const diffs: string[] = [];
  const deltasMs: number[] = [];
  const key = (n: Notification) => `${n.path} ${n.groupKey}`;
  const keys = new Set([...am, ...vigil].map(key));
  for (const k of keys) {
    const a = am.filter((n) => key(n) === k).sort((x, y) => x.at - y.at);
    const v = vigil.filter((n) => key(n) === k).sort((x, y) => x.at - y.at);
    for (let i = 0; i < Math.max(a.length, v.length); i++) {
      const x = a[i];
      const y = v[i];
      if (!x) diffs.push(`${k}: extra notification #${i + 1} from Vigil at ${y!.at} ms: ${y!.status} ${y!.alerts.join(' ')}`);
      else if (!y) diffs.push(`${k}: Alertmanager sent #${i + 1} at ${x.at} ms (${x.status} ${x.alerts.join(' ')}), Vigil did not`);
      else {
        if (x.receiver !== y.receiver || x.status !== y.status || x.alerts.join(' ') !== y.alerts.join(' ')) {
          diffs.push(`${k} #${i + 1}: Alertmanager ${x.status} [${x.alerts.join(' ')}] vs Vigil ${y.status} [${y.alerts.join(' ')}]`);
        }
        deltasMs.push(y.at - x.at);
        if (Math.abs(x.at - y.at) > toleranceMs) diffs.push(`${k} #${i + 1}: Alertmanager at ${x.at} ms, Vigil at ${y.at} ms`);
      }
    }
  }
  return { diffs, deltasMs };
}
