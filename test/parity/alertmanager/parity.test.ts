import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@vigil/core';
import { startLocal, type LocalRuntime } from '@vigil/adapter-local';
import { requireTool } from '../../helpers/tools';
import { ADMIN_KEY } from '../../helpers/local';
import { AlertmanagerProcess, compare, Recorder, replay, type Notification, type Scenario, type Side } from './harness';
import { scenarios } from './scenarios';

/**
 * Parity with Alertmanager 0.25: every scenario of the corpus runs through a real Alertmanager
 * and through Vigil with the same configuration and alert stream; the webhook deliveries must
 * agree in receiver, group key, alert set and status, and arrive within TOLERANCE_MS of each
 * other. Scenarios run a few at a time, each with its own Alertmanager and Vigil tenant.
 */
const TOLERANCE_MS = 1_000;
const CONCURRENCY = 5;
const STAGGER_MS = 400;

interface Outcome {
  scenario: Scenario;
  am: Notification[];
  vigil: Notification[];
  diffs: string[];
  deltasMs: number[];
}

describe('parity with Alertmanager 0.25', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-parity-'));
  const recorder = new Recorder();
  let vigil: LocalRuntime;
  let amBin = '';
  const outcomes = new Map<string, Outcome>();

  async function runScenario(scenario: Scenario): Promise<void> {
    const am = new AlertmanagerProcess(amBin);
    try {
      await am.start(scenario.config.replaceAll('HOOK', `${recorder.url}/am/${scenario.name}`));
      const tenant = `parity-${scenario.name}`;
      const headers = { authorization: `Bearer ${ADMIN_KEY}`, 'x-scope-orgid': tenant };
      const yaml = scenario.config.replaceAll('HOOK', `${recorder.url}/vigil/${scenario.name}`);
      const res = await fetch(`${vigil.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ alertmanager_config: yaml }),
      });
      if (res.status !== 201) throw new Error(`${scenario.name}: Vigil refused the configuration: ${await res.text()}`);
      const sides: Side[] = [
        { name: 'am', base: am.url, headers: {} },
        { name: 'vigil', base: `${vigil.url}/alertmanager`, headers },
      ];
      const t0 = Date.now();
      await replay(scenario, sides, t0);
      const amN = recorder.notifications('am', scenario.name, t0);
      const vigilN = recorder.notifications('vigil', scenario.name, t0);
      outcomes.set(scenario.name, { scenario, am: amN, vigil: vigilN, ...compare(amN, vigilN, TOLERANCE_MS) });
    } finally {
      await am.stop();
    }
  }

  beforeAll(async () => {
    amBin = requireTool('prometheus-alertmanager', 'apt-get install prometheus-alertmanager (Alertmanager 0.25), or run test/setup/ensure-tools.sh');
    await recorder.start();
    vigil = await startLocal({ dataDir, port: 0, apiKey: ADMIN_KEY, logger: silentLogger, outboundAllow: '127.0.0.1/32', pollIntervalMs: 20 });
    const queue = [...scenarios];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, lane) => {
        // Staggered starts keep the lanes' group timers from all falling due in the same instant,
        // which would queue every flush behind the others on the one local notify worker.
        await new Promise((r) => setTimeout(r, lane * STAGGER_MS));
        for (let s = queue.shift(); s; s = queue.shift()) await runScenario(s);
      }),
    );
    const matching = [...outcomes.values()].filter((o) => o.diffs.length === 0).length;
    const deltas = [...outcomes.values()].flatMap((o) => o.deltasMs).sort((a, b) => a - b);
    const pct = (p: number) => deltas[Math.min(deltas.length - 1, Math.floor(p * deltas.length))] ?? NaN;
    process.stdout.write(
      `parity: ${matching}/${scenarios.length} scenarios match Alertmanager 0.25 (tolerance ${TOLERANCE_MS} ms); ` +
        `${deltas.length} paired notifications, Vigil minus Alertmanager arrival: median ${pct(0.5)} ms, p90 ${pct(0.9)} ms, max ${deltas[deltas.length - 1]} ms\n`,
    );
  }, 300_000);

  afterAll(async () => {
    await vigil?.stop();
    await recorder.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has a corpus of at least 25 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(25);
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length);
  });

  it.each(scenarios.map((s) => [s.name]))('%s', (name) => {
    const o = outcomes.get(name);
    expect(o).toBeDefined();
    // Every scenario makes Alertmanager send something, so agreement is never agreement on nothing.
    expect(o!.am.length).toBeGreaterThan(0);
    expect({ name, diffs: o!.diffs }).toEqual({ name, diffs: [] });
  });
});
