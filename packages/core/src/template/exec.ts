import { goPrint, type GoMap, type GoValue } from './gofmt';
import type { Arg, Command, Node, Pipeline } from './parse';

/** Raised while executing; the caller decides how it shows (Prometheus puts it in the value). */
export class TemplateExecError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'TemplateExecError';
  }
}

export type TemplateFunction = (...args: GoValue[]) => GoValue;

/** Go's notion of truth for if/with/and/or/not: zero values and empty collections are false. */
export function truth(v: GoValue): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Date) return true;
  return Object.keys(v).length > 0;
}

function isMap(v: GoValue): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

const MAX_OUTPUT = 1 << 20;
const MAX_RANGE_STEPS = 100_000;

interface Scope {
  vars: { name: string; value: GoValue }[];
}

/** Executes a parsed template against `dot`, with `$` and predeclared variables. */
export function execute(nodes: Node[], dot: GoValue, predeclared: Record<string, GoValue>, functions: ReadonlyMap<string, TemplateFunction>): string {
  const scope: Scope = { vars: [{ name: '$', value: dot }, ...Object.entries(predeclared).map(([name, value]) => ({ name, value }))] };
  const out: string[] = [];
  let size = 0;
  let steps = 0;
  const write = (s: string, pos: number) => {
    size += s.length;
    if (size > MAX_OUTPUT) throw new TemplateExecError('template output exceeds 1 MiB', pos);
    out.push(s);
  };

  const lookup = (name: string, pos: number): GoValue => {
    for (let i = scope.vars.length - 1; i >= 0; i--) if (scope.vars[i]!.name === name) return scope.vars[i]!.value;
    throw new TemplateExecError(`undefined variable: ${name}`, pos);
  };
  const setVar = (name: string, value: GoValue, pos: number) => {
    for (let i = scope.vars.length - 1; i >= 0; i--) {
      if (scope.vars[i]!.name === name) {
        scope.vars[i]!.value = value;
        return;
      }
    }
    throw new TemplateExecError(`undefined variable: ${name}`, pos);
  };

  const field = (receiver: GoValue, chain: string[], pos: number): GoValue => {
    let v = receiver;
    for (const name of chain) {
      if (isMap(v)) {
        // Rule templates run with missingkey=zero: an absent label is the empty string.
        v = Object.prototype.hasOwnProperty.call(v, name) ? v[name] : '';
      } else if (v === null || v === undefined) {
        throw new TemplateExecError(`nil pointer evaluating interface {}.${name}`, pos);
      } else {
        throw new TemplateExecError(`can't evaluate field ${name} in type ${typeof v === 'number' ? 'float64' : typeof v}`, pos);
      }
    }
    return v;
  };

  const evalArg = (a: Arg, dotValue: GoValue): GoValue => {
    switch (a.kind) {
      case 'field':
        return field(dotValue, a.chain, a.pos);
      case 'variable':
        return field(lookup(a.name, a.pos), a.chain, a.pos);
      case 'string':
        return a.value;
      case 'number':
        return a.value;
      case 'bool':
        return a.value;
      case 'nil':
        return null;
      case 'pipe':
        return field(evalPipeline(a.pipe, dotValue), a.chain, a.pos);
      case 'ident':
        return call(a.name, [], a.pos, dotValue);
    }
  };

  const call = (name: string, args: GoValue[], pos: number, _dot: GoValue): GoValue => {
    const fn = functions.get(name);
    if (!fn) throw new TemplateExecError(`function "${name}" not defined`, pos);
    try {
      return fn(...args);
    } catch (err) {
      if (err instanceof TemplateExecError) throw err;
      throw new TemplateExecError(`error calling ${name}: ${(err as Error).message}`, pos);
    }
  };

  const evalCommand = (cmd: Command, dotValue: GoValue, final: GoValue | typeof NONE): GoValue => {
    const [head, ...rest] = cmd.args;
    if (!head) throw new TemplateExecError('empty command', cmd.pos);
    if (head.kind === 'ident') {
      // and/or evaluate lazily, as Go does since 1.18.
      if (head.name === 'and' || head.name === 'or') {
        const values: (() => GoValue)[] = rest.map((a) => () => evalArg(a, dotValue));
        if (final !== NONE) values.push(() => final);
        if (values.length === 0) throw new TemplateExecError(`wrong number of args for ${head.name}: want at least 1 got 0`, head.pos);
        let v: GoValue = null;
        for (const get of values) {
          v = get();
          if (truth(v) === (head.name === 'or')) return v;
        }
        return v;
      }
      const args = rest.map((a) => evalArg(a, dotValue));
      if (final !== NONE) args.push(final);
      return call(head.name, args, head.pos, dotValue);
    }
    if (rest.length > 0 || final !== NONE) {
      throw new TemplateExecError(`can't give argument to non-function ${describe(head)}`, head.pos);
    }
    return evalArg(head, dotValue);
  };

  const evalPipeline = (pipe: Pipeline, dotValue: GoValue): GoValue => {
    let value: GoValue | typeof NONE = NONE;
    for (const cmd of pipe.cmds) value = evalCommand(cmd, dotValue, value);
    const result = value === NONE ? null : value;
    if (pipe.assign) setVar(pipe.decl[0]!, result, pipe.pos);
    else if (pipe.decl.length === 1) scope.vars.push({ name: pipe.decl[0]!, value: result });
    return result;
  };

  const walk = (list: Node[], dotValue: GoValue): void => {
    for (const node of list) {
      if (node.kind === 'text') {
        write(node.text, 0);
        continue;
      }
      if (node.kind === 'action') {
        const v = evalPipeline(node.pipe, dotValue);
        if (node.pipe.decl.length === 0) write(v === undefined ? '<no value>' : goPrint(v), node.pos);
        continue;
      }
      const mark = scope.vars.length;
      if (node.kind === 'range') {
        const decl = node.pipe.decl;
        const rangePipe = { ...node.pipe, decl: [] };
        const v = evalPipeline(rangePipe, dotValue);
        const entries: [GoValue, GoValue][] = Array.isArray(v)
          ? v.map((x, i) => [BigInt(i), x])
          : isMap(v)
            ? Object.keys(v)
                .sort()
                .map((k) => [k, v[k]])
            : v === null || v === undefined
              ? []
              : (() => {
                  throw new TemplateExecError(`range can't iterate over ${goPrint(v)}`, node.pos);
                })();
        if (entries.length === 0) walk(node.elseList, dotValue);
        for (const [k, x] of entries) {
          if (++steps > MAX_RANGE_STEPS) throw new TemplateExecError('range executes too many times', node.pos);
          const inner = scope.vars.length;
          if (decl.length === 1) scope.vars.push({ name: decl[0]!, value: x });
          if (decl.length === 2) scope.vars.push({ name: decl[0]!, value: k }, { name: decl[1]!, value: x });
          walk(node.list, x);
          scope.vars.length = inner;
        }
        scope.vars.length = mark;
        continue;
      }
      const v = evalPipeline(node.pipe, dotValue);
      if (truth(v)) walk(node.list, node.kind === 'with' ? v : dotValue);
      else {
        scope.vars.length = mark;
        walk(node.elseList, dotValue);
      }
      scope.vars.length = mark;
    }
  };

  walk(nodes, dot);
  return out.join('');
}

const NONE = Symbol('none');

function describe(a: Arg): string {
  switch (a.kind) {
    case 'field':
      return a.chain.length ? `.${a.chain.join('.')}` : '.';
    case 'variable':
      return a.name + (a.chain.length ? `.${a.chain.join('.')}` : '');
    case 'string':
      return JSON.stringify(a.value);
    case 'number':
      return String(a.value);
    case 'bool':
      return String(a.value);
    default:
      return a.kind;
  }
}
