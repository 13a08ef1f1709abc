/**
 * A quick look at the default anomaly model (`robust-z`, 60-point window) on a few labelled
 * Numenta Anomaly Benchmark files. Not the NAB score (that needs NAB's scorer and its
 * application profiles): per file, how many labelled anomaly windows contain at least one
 * point at or above the threshold, the first such point's position in the window, and how many
 * points outside every window reach it. The thresholds are fixed beforehand, not fitted.
 *
 *   node --import tsx bench/predict/nab.ts [file ...]      (NAB_DIR defaults to ../shared/data/nab)
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OnnxModelRunner } from '@vigil/ml';

const NAB_DIR = process.env.NAB_DIR ?? resolve(__dirname, '..', '..', '..', 'shared', 'data', 'nab');
const WINDOW = 60;
const THRESHOLDS = [0.999, 0.99999];
const DEFAULT_FILES = [
  'realKnownCause/machine_temperature_system_failure.csv',
  'realKnownCause/ec2_request_latency_system_failure.csv',
  'realKnownCause/nyc_taxi.csv',
  'realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv',
  'realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv',
  'artificialWithAnomaly/art_daily_jumpsup.csv',
  'artificialNoAnomaly/art_daily_small_noise.csv',
];

function readCsv(file: string): { t: number; v: number }[] {
  return readFileSync(join(NAB_DIR, 'data', file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [ts, v] = line.split(',');
      return { t: Date.parse(ts!.replace(' ', 'T') + 'Z'), v: Number(v) };
    });
}

async function main(): Promise<void> {
  const windows = JSON.parse(readFileSync(join(NAB_DIR, 'labels', 'combined_windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_FILES;
  const runner = new OnnxModelRunner();
  console.log(`robust-z on NAB, ${WINDOW}-point sliding window; thresholds ${THRESHOLDS.join(', ')}`);
  for (const file of files) {
    const rows = readCsv(file);
    const n = rows.length - WINDOW + 1;
    const data = new Float32Array(n * WINDOW);
    for (let i = 0; i < n; i++) {
      // Centred per window in float64, as predict does.
      const w = rows.slice(i, i + WINDOW).map((r) => r.v);
      const mean = w.reduce((a, b) => a + b, 0) / WINDOW;
      for (let j = 0; j < WINDOW; j++) data[i * WINDOW + j] = w[j]! - mean;
    }
    const out = await runner.run('robust-z', { window: { data, dims: [n, WINDOW] } });
    const scored = rows.slice(WINDOW - 1).map((r, i) => ({ t: r.t, score: out.score!.data[i]! }));
    const labelled = (windows[file] ?? []).map(([a, b]) => [Date.parse(a.replace(' ', 'T') + 'Z'), Date.parse(b.replace(' ', 'T') + 'Z')] as const);
    const inWindow = (t: number) => labelled.some(([a, b]) => t >= a && t <= b);
    const parts = THRESHOLDS.map((th) => {
      const hits = labelled.map(([a, b]) => {
        const inside = scored.filter((s) => s.t >= a && s.t <= b);
        const first = inside.findIndex((s) => s.score >= th);
        return first < 0 ? '-' : `${Math.round((100 * first) / inside.length)}%`;
      });
      const fp = scored.filter((s) => s.score >= th && !inWindow(s.t)).length;
      return `≥${th}: windows hit ${hits.filter((h) => h !== '-').length}/${labelled.length} (first at ${hits.join(', ') || 'n/a'} of window), ${fp} points outside windows (${((100 * fp) / scored.length).toFixed(2)}%)`;
    });
    console.log(`${file} (${rows.length} points)\n  ${parts.join('\n  ')}`);
  }
  await runner.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
