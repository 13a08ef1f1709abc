import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, nodeIO } from './cli';

function capture() {
  const out = { stdout: '', stderr: '' };
  const io = { ...nodeIO(), stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) };
  return { io, out };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-convert-'));

describe('vigil rules convert', () => {
  it('prints JSON conditions as a rule file that rules check accepts', async () => {
    const file = join(dir, 'conditions.json');
    writeFileSync(file, JSON.stringify([{ type: 'threshold', metric_path: 'current_metrics.cpu_usage', operator: '>', threshold: 80, name: 'HighCPU', description: 'CPU high', severity: 'critical' }]));
    const { io, out } = capture();
    expect(await main(['rules', 'convert', file, '--group', 'infra'], io)).toBe(0);
    expect(out.stdout).toBe(
      'groups:\n  - name: infra\n    rules:\n      - alert: HighCPU\n        expr: cpu_usage > 80\n        labels:\n          severity: critical\n        annotations:\n          description: CPU high\n',
    );
    const yml = join(dir, 'converted.yml');
    writeFileSync(yml, out.stdout);
    const check = capture();
    expect(await main(['rules', 'check', yml], check.io)).toBe(0);
  });
  it('reports bad conditions with their field path, exit 1', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ conditions: [{ type: 'forecast', metric_path: 'disk', operator: '>', threshold: 90, horizon: '4x', name: 'D' }] }));
    const { io, out } = capture();
    expect(await main(['rules', 'convert', file], io)).toBe(1);
    expect(out.stderr).toBe(`${file}: conditions[0].horizon: invalid duration "4x": not a valid duration string: "4x"\n`);
    expect(await main(['rules', 'convert'], io)).toBe(1);
  });
});
