import { runRuleTestFile, runRuleTestFiles, type TestFileSystem } from './runner';

/** An in-memory file system: path → text. */
function memoryFs(files: Record<string, string>): TestFileSystem {
  return {
    readText: async (p) => {
      const text = files[p];
      if (text === undefined) throw new Error(`open ${p}: no such file or directory`);
      return text;
    },
    glob: async (pattern) => {
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      return Object.keys(files).filter((f) => re.test(f)).sort();
    },
  };
}

const RULES = `
groups:
- name: g
  rules:
  - alert: High
    expr: gauge > 10
    for: 2m
    labels: {severity: page}
    annotations: {summary: '{{ $labels.instance }} at {{ $value }}'}
  - record: instance:gauge:double
    expr: gauge * 2
`;

function testFile(tests: string, extra = ''): string {
  return `rule_files: [rules.yml]\nevaluation_interval: 1m\n${extra}tests:\n${tests}`;
}

const INPUT = `- interval: 1m
  input_series:
  - series: 'gauge{instance="a"}'
    values: '5 20 20 20 20'
`;

describe('rule unit-test runner', () => {
  it('passes when the alert fires after its for duration, as expected', async () => {
    const fs = memoryFs({
      'd/rules.yml': RULES,
      'd/t.yml': testFile(`${INPUT}  alert_rule_test:
  - eval_time: 2m
    alertname: High
  - eval_time: 3m
    alertname: High
    exp_alerts:
    - exp_labels: {instance: a, severity: page}
      exp_annotations: {summary: 'a at 20'}
  promql_expr_test:
  - expr: instance:gauge:double
    eval_time: 4m
    exp_samples:
    - labels: 'instance:gauge:double{instance="a"}'
      value: 40
`),
    });
    expect(await runRuleTestFile('d/t.yml', fs)).toEqual({ file: 'd/t.yml', errors: [], warnings: [] });
  });

  it("reports a mismatch in promtool's words", async () => {
    const fs = memoryFs({
      'd/rules.yml': RULES,
      'd/t.yml': testFile(`${INPUT}  name: mine
  alert_rule_test:
  - eval_time: 2m
    alertname: High
    exp_alerts:
    - exp_labels: {instance: a, severity: page}
  promql_expr_test:
  - expr: gauge
    eval_time: 90s
    exp_samples: []
`),
    });
    const { errors } = await runRuleTestFile('d/t.yml', fs);
    expect(errors).toEqual([
      '    name: mine,\n    alertname: High, time: 2m, \n        exp:[\n            0:\n              Labels:{alertname="High", instance="a", severity="page"}\n              Annotations:{}\n            ], \n        got:[]',
      '    expr: "gauge", time: 1m30s,\n        exp: nil\n        got: {__name__="gauge", instance="a"} 2E+01',
    ]);
  });

  it('stops a test group at the first rule evaluation error', async () => {
    const fs = memoryFs({
      'd/rules.yml': 'groups:\n- name: g\n  limit: 1\n  rules:\n  - alert: Any\n    expr: gauge\n',
      'd/t.yml': testFile(`- interval: 1m
  input_series:
  - {series: 'gauge{i="1"}', values: '1'}
  - {series: 'gauge{i="2"}', values: '1'}
  alert_rule_test:
  - {eval_time: 5m, alertname: Any}
`),
    });
    expect((await runRuleTestFile('d/t.yml', fs)).errors).toEqual(['    rule: Any, time: 0s, err: exceeded limit of 1 with 2 alerts']);
  });

  it('refuses malformed files, repeated group order and missing alert names', async () => {
    const fs = memoryFs({
      'd/rules.yml': RULES,
      'd/unknown.yml': 'rule_files: [rules.yml]\ntests: []\nnonsense: 1\n',
      'd/order.yml': testFile('- interval: 1m\n', 'group_eval_order: [g, g]\n'),
      'd/noname.yml': testFile('- interval: 1m\n  alert_rule_test:\n  - eval_time: 1m\n'),
      'd/nofiles.yml': 'rule_files: [missing-*.yml]\ntests: []\n',
    });
    expect((await runRuleTestFile('d/unknown.yml', fs)).errors[0]).toMatch(/nonsense/);
    expect((await runRuleTestFile('d/order.yml', fs)).errors).toEqual(['group name repeated in evaluation order: g']);
    expect((await runRuleTestFile('d/noname.yml', fs)).errors).toEqual(['an item under alert_rule_test misses required attribute alertname at eval_time 1m']);
    expect((await runRuleTestFile('d/nofiles.yml', fs)).warnings).toEqual(['  WARNING: no file match pattern d/missing-*.yml']);
  });

  it('prints SUCCESS and FAILED blocks and returns the exit code', async () => {
    const fs = memoryFs({ 'd/rules.yml': RULES, 'd/ok.yml': testFile(INPUT), 'd/bad.yml': testFile(`${INPUT}  alert_rule_test:\n  - {eval_time: 0m, alertname: ''}\n`) });
    let stdout = '';
    let stderr = '';
    const out = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) };
    expect(await runRuleTestFiles(['d/ok.yml'], fs, out)).toBe(0);
    expect(stdout).toBe('Unit Testing:  d/ok.yml\n  SUCCESS\n\n');
    stdout = '';
    expect(await runRuleTestFiles(['d/bad.yml'], fs, out)).toBe(1);
    expect(stdout).toBe('Unit Testing:  d/bad.yml\n\n\n');
    expect(stderr).toBe('  FAILED:\nan item under alert_rule_test misses required attribute alertname at eval_time 0s\n');
  });
});
