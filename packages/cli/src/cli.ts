import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RE2JS } from 're2js';
import { checkRuleFileText, ruleTesting, ValidationError } from '@vigil/core';
import { convertConditionsFile } from './convert';

export interface CliIO extends ruleTesting.Output, ruleTesting.TestFileSystem {
  exists(path: string): boolean;
}

const USAGE = `usage: vigil <command> [<args> ...]

Commands:
  rules check FILE...   Check rule files for syntax and semantic errors (like promtool check rules).
  rules test FILE...    Run rule unit tests in promtool's format (like promtool test rules).
  rules convert FILE.json [--group NAME]
                        Print JSON conditions (threshold, anomaly, forecast) as a rule file (YAML).
  deploy --cloud aws|gcp|azure [--stage NAME] [--region R] [--tool osls|cdk] [--dry-run]
                        Build and deploy Vigil to a cloud (docs/DEPLOY.md).
`;

/** Glob of the last path component only (`rules/*.yml`), the form rule_files use. */
function globToRegExp(pattern: string): RE2JS {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return RE2JS.compile(`^${re}$`);
}

export function nodeIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    exists: (p) => existsSync(p),
    readText: async (p) => readFileSync(p, 'utf8'),
    glob: async (pattern) => {
      if (!/[*?[]/.test(pattern)) return existsSync(pattern) ? [pattern] : [];
      const dir = dirname(pattern);
      if (/[*?[]/.test(dir)) throw new Error(`globs in directory names are not supported: ${pattern}`);
      const re = globToRegExp(basename(pattern));
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
      return readdirSync(dir)
        .filter((f) => re.matches(f))
        .sort()
        .map((f) => join(dir, f));
    },
  };
}

/** `vigil rules check FILE...`: output and exit code as `promtool check rules`. */
export async function rulesCheck(files: readonly string[], io: CliIO): Promise<number> {
  let failed = false;
  for (const f of files) {
    io.stdout(`Checking ${f}\n`);
    let text: string;
    try {
      text = await io.readText(f);
    } catch (err) {
      io.stderr(`  FAILED:\n${f}: ${(err as Error).message}\n`);
      io.stdout('\n');
      failed = true;
      continue;
    }
    const result = checkRuleFileText(text);
    if (result.errors.length > 0) {
      io.stderr('  FAILED:\n');
      for (const e of result.errors) io.stderr(`${f}: ${e}\n`);
      failed = true;
    } else io.stdout(`  SUCCESS: ${result.rules} rules found\n`);
    io.stdout('\n');
  }
  return failed ? 1 : 0;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === 'rules' && (sub === 'check' || sub === 'test')) {
    const files = rest.filter((a) => !a.startsWith('--'));
    if (files.length === 0) {
      io.stderr(`vigil: error: required argument 'rule-${sub === 'check' ? 'files' : 'test-files'}' not provided, try --help\n`);
      return 1;
    }
    const missing = files.find((f) => !io.exists(f));
    if (missing) {
      io.stderr(`vigil: error: path '${missing}' does not exist, try --help\n`);
      return 1;
    }
    return sub === 'check' ? rulesCheck(files, io) : ruleTesting.runRuleTestFiles(files, io, io);
  }
  if (command === 'rules' && sub === 'convert') {
    const [file] = rest.filter((a, i) => !a.startsWith('--') && rest[i - 1] !== '--group');
    const groupAt = rest.indexOf('--group');
    if (file === undefined) {
      io.stderr("vigil: error: required argument 'conditions-file' not provided, try --help\n");
      return 1;
    }
    if (!io.exists(file)) {
      io.stderr(`vigil: error: path '${file}' does not exist, try --help\n`);
      return 1;
    }
    try {
      io.stdout(convertConditionsFile(await io.readText(file), groupAt >= 0 ? rest[groupAt + 1] : undefined));
      return 0;
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const issue of err.issues) io.stderr(`${file}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
      return 1;
    }
  }
  if (command === 'deploy') {
    // Loaded on demand: deployment pulls in esbuild and the archive tools, which rule checks never need.
    const { main: deploy } = await import('@vigil/deploy');
    return deploy(argv.slice(1));
  }
  io.stderr(`vigil: error: unknown command "${argv.join(' ')}", try --help\n`);
  return 1;
}
