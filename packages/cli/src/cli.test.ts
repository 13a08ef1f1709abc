import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, nodeIO } from './cli';

function capture() {
  const out = { stdout: '', stderr: '' };
  const io = { ...nodeIO(), stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) };
  return { io, out };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
const good = join(dir, 'good.yml');
const bad = join(dir, 'bad.yml');
writeFileSync(good, 'groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 1m\n');
writeFileSync(bad, 'groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up ==\n');
const tests = join(dir, 'good_test.yml');
writeFileSync(
  tests,
  'rule_files: [good.yml]\ntests:\n- interval: 1m\n  input_series:\n  - {series: \'up{job="a"}\', values: "0 0 0"}\n  alert_rule_test:\n  - eval_time: 2m\n    alertname: Down\n    exp_alerts:\n    - exp_labels: {job: a}\n',
);

describe('vigil CLI', () => {
  it('rules check: SUCCESS with the rule count, exit 0', async () => {
    const { io, out } = capture();
    expect(await main(['rules', 'check', good], io)).toBe(0);
    expect(out.stdout).toBe(`Checking ${good}\n  SUCCESS: 1 rules found\n\n`);
  });
  it('rules check: FAILED with file, position and reason, exit 1', async () => {
    const { io, out } = capture();
    expect(await main(['rules', 'check', good, bad], io)).toBe(1);
    expect(out.stdout).toBe(`Checking ${good}\n  SUCCESS: 1 rules found\n\nChecking ${bad}\n\n`);
    expect(out.stderr).toMatch(new RegExp(`^  FAILED:\\n${bad.replace(/[/\\]/g, '\\$&')}: 5:11: groups\\[0\\]\\.rules\\[0\\]\\.expr: invalid PromQL`));
  });
  it('rules test: runs promtool-format unit tests', async () => {
    const { io, out } = capture();
    expect(await main(['rules', 'test', tests], io)).toBe(0);
    expect(out.stdout).toBe(`Unit Testing:  ${tests}\n  SUCCESS\n\n`);
  });
  it('refuses missing files and unknown commands', async () => {
    const { io, out } = capture();
    expect(await main(['rules', 'check', join(dir, 'nope.yml')], io)).toBe(1);
    expect(out.stderr).toContain("does not exist");
    expect(await main(['frobnicate'], io)).toBe(1);
    expect(await main(['rules', 'test'], io)).toBe(1);
  });
});
