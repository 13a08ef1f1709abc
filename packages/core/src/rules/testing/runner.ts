import { dirname, isAbsolute, join } from 'node:path';
import { ValidationError, parseWith } from '../../errors';
import type { Labels } from '../../model';
import { parsePromQL, PromQLError, EvaluationError } from '../../promql';
import { parseUserYaml } from '../../yaml';
import { instantQuery, RuleGroupEngine, RuleEvaluationError } from '../engine/group';
import { MemorySeries } from '../engine/memory';
import { parseRuleFileYaml } from '../load';
import type { RuleGroup } from '../schema';
import { compareLabels, formatE, goDurationString, goQuote, indentLines, labelsString, modelDurationString } from './format';
import { NotationError, parseSeriesDescription, parseValues } from './notation';
import { ruleTestFileSchema, type AlertTestCase, type TestGroup } from './schema';

/** What the runner reads: files by path, and the files a rule_files glob names. */
export interface TestFileSystem {
  readText(path: string): Promise<string>;
  /** Paths matching a glob pattern (`*`, `?`, `[...]` in the last component), sorted. */
  glob(pattern: string): Promise<string[]>;
}

export interface TestFileResult {
  file: string;
  /** promtool's failure messages, one per failing test (or one for a file that cannot run). */
  errors: string[];
  warnings: string[];
}

const DEFAULT_EVALUATION_INTERVAL_MS = 60_000;

interface LoadedGroup {
  file: string;
  group: RuleGroup;
}

function describeError(err: unknown): string {
  if (err instanceof ValidationError) return err.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  return (err as Error).message;
}

/**
 * Runs one promtool rule unit-test file, as `promtool test rules` (2.42) does: each test group
 * gets a fresh in-memory store loaded with its input series; every rule group is evaluated at
 * 0, evaluation_interval, 2·evaluation_interval, ... up to the largest eval_time; alert tests
 * compare the firing alerts of the evaluation at or just before their eval_time; PromQL tests
 * query the store afterwards.
 */
export async function runRuleTestFile(filename: string, fs: TestFileSystem): Promise<TestFileResult> {
  const result: TestFileResult = { file: filename, errors: [], warnings: [] };
  let file;
  try {
    file = parseWith(ruleTestFileSchema, parseUserYaml(await fs.readText(filename)));
  } catch (err) {
    result.errors.push(describeError(err));
    return result;
  }
  const baseDir = dirname(filename);
  const ruleFiles: string[] = [];
  for (const rf of file.rule_files ?? []) {
    const pattern = rf !== '' && !isAbsolute(rf) ? join(baseDir, rf) : rf;
    const matched = await fs.glob(pattern);
    if (matched.length === 0) result.warnings.push(`  WARNING: no file match pattern ${pattern}`);
    ruleFiles.push(...matched);
  }
  const evalInterval = file.evaluation_interval || DEFAULT_EVALUATION_INTERVAL_MS;
  const order = new Map<string, number>();
  for (const [i, name] of (file.group_eval_order ?? []).entries()) {
    if (order.has(name)) {
      result.errors.push(`group name repeated in evaluation order: ${name}`);
      return result;
    }
    order.set(name, i);
  }

  const groups: LoadedGroup[] = [];
  const loadErrors: string[] = [];
  for (const rf of ruleFiles) {
    try {
      for (const group of parseRuleFileYaml(await fs.readText(rf)).groups) groups.push({ file: rf, group });
    } catch (err) {
      loadErrors.push(`${rf}: ${describeError(err)}`);
    }
  }
  // Groups named in group_eval_order run in that order; the others first (index 0), in file order.
  const ordered = groups.map((g, i) => ({ g, i })).sort((a, b) => (order.get(a.g.group.name) ?? 0) - (order.get(b.g.group.name) ?? 0) || a.i - b.i);

  for (const tg of file.tests ?? []) {
    if (loadErrors.length > 0) {
      result.errors.push(...loadErrors);
      continue;
    }
    result.errors.push(...(await runTestGroup(tg, evalInterval, ordered.map((o) => o.g))));
  }
  return result;
}

async function runTestGroup(tg: TestGroup, evalInterval: number, loaded: LoadedGroup[]): Promise<string[]> {
  // promtool runs subqueries without a step at the evaluation interval.
  const storage = new MemorySeries();
  for (const input of tg.input_series ?? []) {
    let labels: Labels;
    try {
      labels = parseSeriesDescription(input.series);
      parseValues(input.values).forEach((s, i) => {
        if (!s.omitted) storage.append(labels, i * tg.interval, s.value);
      });
    } catch (err) {
      if (err instanceof NotationError) return [`${input.series} ${input.values}: ${err.message} at offset ${err.position}`];
      throw err;
    }
  }
  let engines: RuleGroupEngine[];
  try {
    engines = loaded.map((l) => new RuleGroupEngine(l.group, storage, storage, { externalLabels: tg.external_labels ?? undefined, externalURL: tg.external_url, subqueryStepMs: evalInterval }));
  } catch (err) {
    return [describeError(err)];
  }

  const maxt = Math.max(0, ...(tg.alert_rule_test ?? []).map((a) => a.eval_time), ...(tg.promql_expr_test ?? []).map((p) => p.eval_time));
  const alertTests = new Map<number, AlertTestCase[]>();
  for (const a of tg.alert_rule_test ?? []) {
    if (a.alertname === '') {
      const inGroup = tg.name ? ` (in TestGroup ${tg.name})` : '';
      return [`an item under alert_rule_test misses required attribute alertname at eval_time ${modelDurationString(a.eval_time)}${inGroup}`];
    }
    alertTests.set(a.eval_time, [...(alertTests.get(a.eval_time) ?? []), a]);
  }
  const alertEvalTimes = [...alertTests.keys()].sort((a, b) => a - b);
  let curr = 0;
  const errs: string[] = [];

  for (let ts = 0; ts <= maxt; ts += evalInterval) {
    // promtool's lazy loader appends input samples only up to the evaluation in progress; PromQL
    // tests, run after the loop, therefore see samples up to the last evaluation only.
    storage.visibleUntil = ts;
    const evalErrs: string[] = [];
    for (const engine of engines) {
      for (const outcome of await engine.evaluate(ts)) {
        if (outcome.error !== undefined) evalErrs.push(`    rule: ${outcome.name}, time: ${goDurationString(ts)}, err: ${outcome.error}`);
      }
    }
    errs.push(...evalErrs);
    if (evalErrs.length > 0) return errs;

    while (curr < alertEvalTimes.length && ts <= alertEvalTimes[curr]! && alertEvalTimes[curr]! < ts + evalInterval) {
      const t = alertEvalTimes[curr]!;
      for (const testcase of alertTests.get(t)!) {
        const message = checkAlerts(tg, testcase, engines);
        if (message) errs.push(message);
      }
      curr++;
    }
  }

  for (const testCase of tg.promql_expr_test ?? []) {
    const head = `    expr: ${goQuote(testCase.expr)}, time: ${modelDurationString(testCase.eval_time)}`;
    let got: { labels: Labels; value: number }[];
    try {
      got = (await instantQuery(parsePromQL(testCase.expr), testCase.eval_time, storage, evalInterval)).map((s) => ({ labels: s.labels, value: s.value }));
    } catch (err) {
      if (!(err instanceof PromQLError || err instanceof EvaluationError || err instanceof RuleEvaluationError)) throw err;
      // Parse errors read as Prometheus prints them: line:column: parse error: reason.
      errs.push(`${head}, err: ${err instanceof PromQLError ? `${err.line}:${err.column}: parse error: ${err.reason}` : err.message}`);
      continue;
    }
    const exp: { labels: Labels; value: number }[] = [];
    let bad: string | undefined;
    for (const s of testCase.exp_samples ?? []) {
      try {
        exp.push({ labels: parseSeriesDescription(s.labels), value: s.value });
      } catch (err) {
        if (!(err instanceof NotationError)) throw err;
        bad = `${head}, err: labels ${goQuote(s.labels)}: 1:${err.position + 1}: parse error: ${err.message}`;
        break;
      }
    }
    if (bad) {
      errs.push(bad);
      continue;
    }
    const bySeries = (a: { labels: Labels }, b: { labels: Labels }) => compareLabels(a.labels, b.labels);
    exp.sort(bySeries);
    got.sort(bySeries);
    // Compared like Go's reflect.DeepEqual: labels exactly, values with == (so NaN never matches).
    const equal = exp.length === got.length && exp.every((e, i) => compareLabels(e.labels, got[i]!.labels) === 0 && e.value === got[i]!.value);
    if (!equal) {
      const show = (ss: { labels: Labels; value: number }[]) => (ss.length === 0 ? 'nil' : ss.map((s) => `${labelsString(s.labels)} ${formatE(s.value)}`).join(', '));
      errs.push(`${head},\n        exp: ${show(exp)}\n        got: ${show(got)}`);
    }
  }
  return errs;
}

interface AlertView {
  labels: Labels;
  annotations: Labels;
}

function compareAlerts(a: AlertView, b: AlertView): number {
  return compareLabels(a.labels, b.labels) || compareLabels(a.annotations, b.annotations);
}

function alertsString(list: AlertView[]): string {
  if (list.length === 0) return '[]';
  const one = (a: AlertView) => `Labels:${labelsString(a.labels)}\nAnnotations:${labelsString(a.annotations)}`;
  let s = `[\n0:${indentLines(`\n${one(list[0]!)}`, '  ')}`;
  list.slice(1).forEach((a, i) => {
    s += `,\n${i + 1}:${indentLines(`\n${one(a)}`, '  ')}`;
  });
  return `${s}\n]`;
}

function checkAlerts(tg: TestGroup, testcase: AlertTestCase, engines: RuleGroupEngine[]): string | undefined {
  const got: AlertView[] = engines
    .flatMap((e) => e.alerts(testcase.alertname))
    .filter((a) => a.state === 'firing')
    .map((a) => ({ labels: { ...a.labels }, annotations: { ...a.annotations } }));
  const exp: AlertView[] = (testcase.exp_alerts ?? []).map((a) => ({
    labels: { ...(a.exp_labels ?? {}), alertname: testcase.alertname },
    annotations: { ...(a.exp_annotations ?? {}) },
  }));
  got.sort(compareAlerts);
  exp.sort(compareAlerts);
  const equal = got.length === exp.length && got.every((g, i) => compareAlerts(g, exp[i]!) === 0);
  if (equal) return undefined;
  const testName = tg.name ? `    name: ${tg.name},\n` : '';
  return `${testName}    alertname: ${testcase.alertname}, time: ${modelDurationString(testcase.eval_time)}, \n        exp:${indentLines(alertsString(exp), '            ')}, \n        got:${indentLines(alertsString(got), '            ')}`;
}

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** `promtool test rules FILE...`: prints as promtool does and returns the exit code (0 or 1). */
export async function runRuleTestFiles(files: readonly string[], fs: TestFileSystem, out: Output): Promise<number> {
  let failed = false;
  for (const f of files) {
    out.stdout(`Unit Testing:  ${f}\n`);
    const r = await runRuleTestFile(f, fs);
    for (const w of r.warnings) out.stderr(`${w}\n`);
    if (r.errors.length > 0) {
      out.stderr('  FAILED:\n');
      for (const e of r.errors) {
        out.stderr(`${e}\n`);
        out.stdout('\n');
      }
      failed = true;
    } else out.stdout('  SUCCESS\n');
    out.stdout('\n');
  }
  return failed ? 1 : 0;
}
