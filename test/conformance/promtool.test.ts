/**
 * Conformance with `promtool test rules` (Prometheus 2.42): every rule unit-test file of the
 * corpus (test/fixtures/rules, examples/rules) runs through promtool and through Vigil's runner,
 * and both must agree on every test: same exit code, same failing tests. Files under a
 * `failing/` folder are written to fail, so the comparison is shown to detect failures too.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { ruleTesting, parseUserYaml } from '@vigil/core';
import { nodeIO } from '../../packages/cli/src/cli';
import { requireTool } from '../helpers/tools';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CORPUS = [join(ROOT, 'test', 'fixtures', 'rules'), join(ROOT, 'examples', 'rules')];

/**
 * Test files left out, with the reason. Each entry names a PromQL feature Vigil's engine does
 * not evaluate like Prometheus 2.42 yet; the file stays in the corpus for when it does.
 */
const EXCLUDED: Record<string, string> = {};

function testFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (/(^|[-.])tests?\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

/** The tests promtool reports as failing, from its stderr (same parser for both outputs). */
function failingTests(stderr: string): string[] {
  const ids: string[] = [];
  const lines = stderr.split('\n');
  let name = '';
  for (const line of lines) {
    let m = /^ {4}name: (.*),$/.exec(line);
    if (m) {
      name = m[1]!;
      continue;
    }
    m = /^ {4}alertname: (\S+), time: (\S+), $/.exec(line);
    if (m) {
      ids.push(`alert ${name}/${m[1]}@${m[2]}`);
      name = '';
      continue;
    }
    m = /^ {4}expr: (".*"), time: (\S+?),( err: .*)?$/.exec(line);
    if (m) {
      ids.push(`expr ${m[1]}@${m[2]}${m[3] ? ' (error)' : ''}`);
      continue;
    }
    m = /^ {4}rule: (.*), time: (\S+), err: /.exec(line);
    if (m) ids.push(`rule error ${m[1]}@${m[2]}`);
  }
  return ids.sort();
}

function countTests(file: string): number {
  const doc = parseUserYaml(readFileSync(file, 'utf8')) as { tests?: { alert_rule_test?: unknown[]; promql_expr_test?: unknown[] }[] };
  return (doc.tests ?? []).reduce((n, t) => n + (t.alert_rule_test?.length ?? 0) + (t.promql_expr_test?.length ?? 0), 0);
}

async function promtool(file: string): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run('promtool', ['test', 'rules', file], { cwd: ROOT });
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '' };
  }
}

async function vigil(file: string): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io = { ...nodeIO(), stdout: () => undefined, stderr: (t: string) => void (stderr += t) };
  const code = await ruleTesting.runRuleTestFiles([file], io, io);
  return { code, stderr };
}

const files = CORPUS.flatMap(testFiles).filter((f) => !(relative(ROOT, f) in EXCLUDED));
const summary = { files: 0, tests: 0 };

beforeAll(() => {
  requireTool('promtool', 'install the Debian package "prometheus" (test/setup/ensure-tools.sh)');
});

afterAll(() => {
  // The figure this suite stands for: tests on which promtool and Vigil agree.
  console.log(`promtool conformance: ${summary.tests} rule unit tests in ${summary.files} files agree; ${Object.keys(EXCLUDED).length} files excluded`);
});

describe('rule unit tests agree with promtool test rules', () => {
  it('has a corpus of at least 60 tests', () => {
    expect(files.reduce((n, f) => n + countTests(f), 0)).toBeGreaterThanOrEqual(60);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s', async (_name, file) => {
    const [p, v] = await Promise.all([promtool(file), vigil(file)]);
    const mustFail = file.includes(`${join('rules', 'failing')}`);
    expect(p.code).toBe(mustFail ? 1 : 0);
    expect({ code: v.code, failing: failingTests(v.stderr) }).toEqual({ code: p.code, failing: failingTests(p.stderr) });
    if (mustFail) expect(failingTests(p.stderr).length).toBeGreaterThan(0);
    summary.files++;
    summary.tests += countTests(file);
    // Long tests (days of 1-minute evaluations) take a while under both tools.
  }, 180_000);
});
