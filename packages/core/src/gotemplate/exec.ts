/**
 * Executes parsed templates with text/template's semantics; the caller brings the functions and
 * the data. Templates are user input, so execution is bounded: a step budget (every node and
 * command costs one), a cap on nested `template` calls (the only way to recurse) and a cap on
 * output size. Errors carry the offset, and the template name, line and column.
 */
import { lineColumn, TemplatePlaceError, type Arg, type Command, type Node, type ParsedTemplate, type Pipe } from './parse';
import { NO_VALUE, SafeHtml, asMap, goMethodsOf, isInt, printValue, toInt, truth, typeName, type ValueModel } from './values';

/** A template function. Throwing an Error fails the execution with `error calling NAME: ...`. */
export type TemplateFunction = (...args: unknown[]) => unknown;

export interface ExecOptions {
  /** Functions by name; `and` and `or` are the executor's own (they evaluate lazily). */
  functions: ReadonlyMap<string, TemplateFunction>;
  model: ValueModel;
  /** Go's missingkey option: `default` prints a missing map key as `<no value>`, `zero` as "". */
  missingKey?: 'default' | 'zero';
  /** Variables in scope besides `$`. */
  vars?: Readonly<Record<string, unknown>>;
  /** Named templates `{{ template }}` may call. */
  lookup?: (name: string) => TemplateBody | undefined;
  limits?: Partial<ExecLimits>;
  /** Escape printed values (not template.HTML) as html/template does in element content. */
  html?: boolean;
}

export interface ExecLimits {
  /** Nodes and commands evaluated per execution. */
  maxSteps: number;
  /** Nested `template` calls. */
  maxDepth: number;
  /** Characters of output. */
  maxOutputChars: number;
}

export const DEFAULT_EXEC_LIMITS: ExecLimits = { maxSteps: 1_000_000, maxDepth: 100, maxOutputChars: 1024 * 1024 };

/** A template that failed while executing. */
export class TemplateExecError extends TemplatePlaceError {
  override name = 'TemplateExecError';
}

/** A named template body and the source it came from (for positions). */
export interface TemplateBody {
  nodes: Node[];
  from: ParsedTemplate;
}

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

interface Frame {
  from: ParsedTemplate;
  vars: { name: string; value: unknown }[];
}

class Execution {
  private steps = 0;
  private depth = 0;
  private out = '';
  private size = 0;

  private readonly model: ValueModel;
  private readonly limits: ExecLimits;

  constructor(private readonly options: ExecOptions) {
    this.model = options.model;
    this.limits = { ...DEFAULT_EXEC_LIMITS, ...options.limits };
  }

  run(body: TemplateBody, data: unknown): string {
    const vars = [{ name: '$', value: data }, ...Object.entries(this.options.vars ?? {}).map(([name, value]) => ({ name, value }))];
    this.list(body.nodes, data, { from: body.from, vars });
    return this.out;
  }

  private fail(frame: Frame, pos: number, reason: string): never {
    const { line, column } = lineColumn(frame.from.source, pos);
    throw new TemplateExecError(frame.from.name, line, column, reason, pos);
  }

  private step(frame: Frame, pos: number): void {
    if (++this.steps > this.limits.maxSteps) this.fail(frame, pos, `execution stopped after ${this.limits.maxSteps} steps`);
  }

  private write(frame: Frame, pos: number, s: string): void {
    this.size += s.length;
    if (this.size > this.limits.maxOutputChars) this.fail(frame, pos, `output is larger than ${this.limits.maxOutputChars} characters`);
    this.out += s;
  }

  private list(nodes: Node[], dot: unknown, frame: Frame): void {
    for (const node of nodes) this.node(node, dot, frame);
  }

  private node(node: Node, dot: unknown, frame: Frame): void {
    this.step(frame, node.pos);
    switch (node.t) {
      case 'text':
        this.write(frame, node.pos, node.text);
        return;
      case 'action': {
        const v = this.pipe(node.pipe, dot, frame);
        if (node.pipe.decl.length === 0) this.write(frame, node.pos, this.print(v));
        return;
      }
      case 'if':
      case 'with': {
        const mark = frame.vars.length;
        const v = this.pipe(node.pipe, dot, frame);
        if (truth(v, this.model)) this.list(node.list, node.t === 'with' ? v : dot, frame);
        else if (node.elseList) this.list(node.elseList, dot, frame);
        if (frame.vars.length !== mark) frame.vars.length = mark;
        return;
      }
      case 'range':
        this.range(node, dot, frame);
        return;
      case 'template': {
        const target = this.options.lookup?.(node.name);
        if (!target) this.fail(frame, node.pos, `template: no template ${JSON.stringify(node.name)} associated with template ${JSON.stringify(frame.from.name)}`);
        const next = node.pipe ? this.pipe(node.pipe, dot, frame) : null;
        if (++this.depth > this.limits.maxDepth) this.fail(frame, node.pos, `exceeded maximum template depth (${this.limits.maxDepth})`);
        this.list(target.nodes, next, { from: target.from, vars: [{ name: '$', value: next }] });
        this.depth--;
        return;
      }
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
    }
  }

  private range(node: Extract<Node, { list: Node[] }>, dot: unknown, frame: Frame): void {
    const mark = frame.vars.length;
    // The declared variables are set per element, not to the pipeline's value.
    const pipe: Pipe = { ...node.pipe, decl: [] };
    const v = this.pipe(pipe, dot, frame);
    let entries: [unknown, unknown][];
    const map = asMap(v, this.model);
    const int = (i: number) => toInt(i, this.model);
    if (Array.isArray(v)) entries = v.map((e, i) => [int(i), e]);
    else if (map) entries = map.keys().map((k) => [k, map.get(k)]);
    else if (isInt(v, this.model)) {
      // Go 1.22's range over an int; the step budget bounds it before the array would.
      const n = Math.min(Math.max(0, Number(v)), this.limits.maxSteps + 1);
      entries = Array.from({ length: n }, (_, i) => [int(i), int(i)]);
    } else if (v === null || v === undefined || v === NO_VALUE) entries = [];
    else this.fail(frame, node.pos, `range can't iterate over ${printValue(v, this.model)}`);
    if (entries.length === 0) {
      if (node.elseList) this.list(node.elseList, dot, frame);
      if (frame.vars.length !== mark) frame.vars.length = mark;
      return;
    }
    for (const [key, elem] of entries) {
      this.step(frame, node.pos);
      const decl = node.pipe.decl;
      if (decl.length === 1) this.setVar(frame, decl[0]!, elem, node.pipe.assign, node.pos);
      else if (decl.length === 2) {
        this.setVar(frame, decl[0]!, key, node.pipe.assign, node.pos);
        this.setVar(frame, decl[1]!, elem, node.pipe.assign, node.pos);
      }
      const inner = frame.vars.length;
      try {
        this.list(node.list, elem, frame);
      } catch (signal) {
        if (signal === BREAK) {
          if (frame.vars.length !== inner) frame.vars.length = inner;
          break;
        }
        if (signal !== CONTINUE) throw signal;
      }
      if (frame.vars.length !== inner) frame.vars.length = inner;
    }
    if (frame.vars.length !== mark) frame.vars.length = mark;
  }

  private setVar(frame: Frame, name: string, value: unknown, assign: boolean, pos: number): void {
    if (!assign) {
      frame.vars.push({ name, value });
      return;
    }
    for (let i = frame.vars.length - 1; i >= 0; i--) {
      if (frame.vars[i]!.name === name) {
        frame.vars[i]!.value = value;
        return;
      }
    }
    this.fail(frame, pos, `undefined variable: ${name}`);
  }

  private getVar(frame: Frame, name: string, pos: number): unknown {
    for (let i = frame.vars.length - 1; i >= 0; i--) if (frame.vars[i]!.name === name) return frame.vars[i]!.value;
    this.fail(frame, pos, `undefined variable: ${name}`);
  }

  private pipe(pipe: Pipe, dot: unknown, frame: Frame): unknown {
    let value: unknown = undefined;
    let first = true;
    for (const cmd of pipe.cmds) {
      value = this.command(cmd, dot, frame, first ? undefined : { value });
      first = false;
    }
    for (const name of pipe.decl) this.setVar(frame, name, value, pipe.assign, pipe.pos);
    return value;
  }

  /** One command; `final` is the previous command's result, passed as the last argument. */
  private command(cmd: Command, dot: unknown, frame: Frame, final: { value: unknown } | undefined): unknown {
    this.step(frame, cmd.pos);
    const [head, ...rest] = cmd.args;
    if (!head) this.fail(frame, cmd.pos, 'empty command');
    switch (head.t) {
      case 'ident':
        return this.call(head.name, rest, dot, frame, final, head.pos);
      case 'field':
        return this.fieldChain(dot, head.names, rest, dot, frame, final, head.pos);
      case 'var': {
        const v = this.getVar(frame, head.name, head.pos);
        if (head.names.length === 0) {
          this.noArgs(rest, final, frame, head.pos, head.name);
          return v;
        }
        return this.fieldChain(v, head.names, rest, dot, frame, final, head.pos);
      }
      case 'chain': {
        const base = this.arg(head.node, dot, frame);
        return this.fieldChain(base, head.names, rest, dot, frame, final, head.pos);
      }
      default:
        this.noArgs(rest, final, frame, head.pos, 'value');
        return this.arg(head, dot, frame);
    }
  }

  private noArgs(rest: Arg[], final: { value: unknown } | undefined, frame: Frame, pos: number, what: string): void {
    if (rest.length > 0 || final) this.fail(frame, pos, `can't give argument to non-function ${what}`);
  }

  /** An argument's value: functions named as arguments are called without arguments. */
  private arg(a: Arg, dot: unknown, frame: Frame): unknown {
    switch (a.t) {
      case 'dot':
        return dot;
      case 'string':
        return a.value;
      case 'number':
        return a.int !== undefined && this.model.ints === 'bigint' ? a.int : a.value;
      case 'bool':
        return a.value;
      case 'nil':
        return null;
      case 'var': {
        const v = this.getVar(frame, a.name, a.pos);
        return a.names.length ? this.fieldChain(v, a.names, [], dot, frame, undefined, a.pos) : v;
      }
      case 'field':
        return this.fieldChain(dot, a.names, [], dot, frame, undefined, a.pos);
      case 'chain':
        return this.fieldChain(this.arg(a.node, dot, frame), a.names, [], dot, frame, undefined, a.pos);
      case 'pipe': {
        const mark = frame.vars.length;
        const v = this.pipe(a.pipe, dot, frame);
        if (frame.vars.length !== mark) frame.vars.length = mark;
        return v;
      }
      case 'ident':
        return this.call(a.name, [], dot, frame, undefined, a.pos);
    }
  }

  private fieldChain(receiver: unknown, names: string[], args: Arg[], dot: unknown, frame: Frame, final: { value: unknown } | undefined, pos: number): unknown {
    let v = receiver;
    names.forEach((name, i) => {
      const last = i === names.length - 1;
      v = this.field(v, name, last ? args : [], dot, frame, last ? final : undefined, pos);
    });
    return v;
  }

  private field(receiver: unknown, name: string, args: Arg[], dot: unknown, frame: Frame, final: { value: unknown } | undefined, pos: number): unknown {
    const methods = goMethodsOf(receiver);
    if (methods?.has(name)) {
      const values = args.map((a) => this.arg(a, dot, frame));
      if (final) values.push(final.value);
      const method = (receiver as Record<string, (...a: unknown[]) => unknown>)[name]!;
      try {
        return method.apply(receiver, values);
      } catch (err) {
        this.fail(frame, pos, `error calling ${name}: ${(err as Error).message}`);
      }
    }
    const hasArgs = args.length > 0 || final !== undefined;
    if (receiver === null || receiver === undefined || receiver === NO_VALUE) {
      this.fail(frame, pos, `nil pointer evaluating ${receiver === NO_VALUE ? 'invalid value' : 'interface {}'}.${name}`);
    }
    const map = asMap(receiver, this.model);
    if (map) {
      if (hasArgs) this.fail(frame, pos, `${name} is not a method but has arguments`);
      return map.get(name) ?? (this.options.missingKey === 'zero' ? '' : NO_VALUE);
    }
    if (typeof receiver === 'object' && !Array.isArray(receiver) && Object.prototype.hasOwnProperty.call(receiver, name) && /^[A-Z]/.test(name)) {
      if (hasArgs) this.fail(frame, pos, `${name} has arguments but cannot be invoked as function`);
      return (receiver as Record<string, unknown>)[name];
    }
    this.fail(frame, pos, `can't evaluate field ${name} in type ${typeName(receiver, this.model)}`);
  }

  private call(name: string, args: Arg[], dot: unknown, frame: Frame, final: { value: unknown } | undefined, pos: number): unknown {
    if (name === 'and' || name === 'or') {
      // and/or stop at the first argument that decides, as Go 1.18+ does.
      const all: (() => unknown)[] = args.map((a) => () => this.arg(a, dot, frame));
      if (final) all.push(() => final.value);
      if (all.length < 1) this.fail(frame, pos, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (const get of all) {
        v = get();
        if (name === 'and' ? !truth(v, this.model) : truth(v, this.model)) return v;
      }
      return v;
    }
    const fn = this.options.functions.get(name);
    if (!fn) this.fail(frame, pos, `function ${JSON.stringify(name)} not defined`);
    const values = args.map((a) => this.arg(a, dot, frame));
    if (final) values.push(final.value);
    try {
      return fn(...values);
    } catch (err) {
      if (err instanceof TemplateExecError || !(err instanceof Error)) throw err;
      this.fail(frame, pos, `error calling ${name}: ${err.message.replace(/^error calling \w+: /, '')}`);
    }
  }

  /** How an action prints its value; HTML output escapes everything not marked safe. */
  private print(v: unknown): string {
    const s = printValue(v, this.model);
    if (!this.options.html || v instanceof SafeHtml) return s;
    return s.replace(/[&'<>"\0+]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD', '+': '&#43;' })[c]!);
  }
}

export function execute(body: TemplateBody, data: unknown, options: ExecOptions): string {
  return new Execution(options).run(body, data);
}
