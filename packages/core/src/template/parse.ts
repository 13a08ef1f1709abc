/**
 * A parser for Go's text/template language, the part rule templates use: text and actions with
 * `{{-`/`-}}` trimming, comments, pipelines with `|`, variables (`$x := ...`, `$x = ...`), fields
 * (`.Labels.job`, `$labels.job`), literals, function calls, parenthesised pipelines, and the
 * control structures `if`/`else if`/`else`, `with` and `range`. Positions are offsets into the
 * template text, so errors point where the user wrote the problem.
 */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

export type Arg =
  | { kind: 'field'; chain: string[]; pos: number }
  | { kind: 'variable'; name: string; chain: string[]; pos: number }
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number | bigint; pos: number }
  | { kind: 'bool'; value: boolean; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'pipe'; pipe: Pipeline; chain: string[]; pos: number };

export interface Command {
  args: Arg[];
  pos: number;
}

export interface Pipeline {
  decl: string[];
  /** `=` rather than `:=`. */
  assign: boolean;
  cmds: Command[];
  pos: number;
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline; pos: number }
  | { kind: 'if' | 'with' | 'range'; pipe: Pipeline; list: Node[]; elseList: Node[]; pos: number };

type Tok =
  | { t: 'ident' | 'field' | 'variable' | 'string' | 'number' | 'keyword'; v: string; pos: number; chain?: string[] }
  | { t: '|' | '(' | ')' | ':=' | '=' | ',' | 'end-action' | 'dot'; v: string; pos: number; chain?: string[] };

const KEYWORDS = new Set(['if', 'else', 'end', 'with', 'range', 'define', 'template', 'block', 'break', 'continue']);
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*/;
const CHAIN_RE = /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+/;
const NUMBER_RE = /^[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/;

/** Lexes one action starting after `{{` (and its trim marker); returns tokens and where `}}` ends. */
function lexAction(src: string, start: number): { toks: Tok[]; end: number; trimRight: boolean } {
  const toks: Tok[] = [];
  let i = start;
  let parenDepth = 0;
  for (;;) {
    while (i < src.length && /[ \t\r\n]/.test(src[i]!)) {
      // ` -}}` is a trim marker only after space.
      if (src.startsWith(' -}}', i) || src.startsWith('\t-}}', i) || src.startsWith('\n-}}', i) || src.startsWith('\r-}}', i)) {
        return { toks, end: i + 4, trimRight: true };
      }
      i++;
    }
    if (i >= src.length) throw new TemplateError('unclosed action', start);
    if (src.startsWith('}}', i)) {
      if (parenDepth > 0) throw new TemplateError('unclosed left paren', i);
      return { toks, end: i + 2, trimRight: false };
    }
    const pos = i;
    const rest = src.slice(i);
    const c = src[i]!;
    if (c === '|') {
      toks.push({ t: '|', v: c, pos });
      i++;
    } else if (c === '(') {
      parenDepth++;
      toks.push({ t: '(', v: c, pos });
      i++;
    } else if (c === ')') {
      if (--parenDepth < 0) throw new TemplateError('unexpected right paren', pos);
      i++;
      const chain = CHAIN_RE.exec(src.slice(i));
      toks.push({ t: ')', v: c, pos, chain: chain ? chain[0].slice(1).split('.') : [] });
      if (chain) i += chain[0].length;
    } else if (rest.startsWith(':=')) {
      toks.push({ t: ':=', v: ':=', pos });
      i += 2;
    } else if (c === '=') {
      toks.push({ t: '=', v: '=', pos });
      i++;
    } else if (c === ',') {
      toks.push({ t: ',', v: ',', pos });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') j++;
        if (src[j] === '\n') throw new TemplateError('unterminated quoted string', pos);
        j++;
      }
      if (j >= src.length) throw new TemplateError('unterminated quoted string', pos);
      toks.push({ t: 'string', v: unquote(src.slice(i, j + 1), pos), pos });
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('unterminated raw quoted string', pos);
      toks.push({ t: 'string', v: src.slice(i + 1, j), pos });
      i = j + 1;
    } else if (c === '$') {
      const m = /^\$[A-Za-z0-9_]*/.exec(rest)!;
      i += m[0].length;
      const chain = CHAIN_RE.exec(src.slice(i));
      if (chain) i += chain[0].length;
      toks.push({ t: 'variable', v: m[0], pos, chain: chain ? chain[0].slice(1).split('.') : [] });
    } else if (c === '.' && !/^\.\d/.test(rest)) {
      const chain = CHAIN_RE.exec(rest);
      if (chain) {
        toks.push({ t: 'field', v: chain[0], pos, chain: chain[0].slice(1).split('.') });
        i += chain[0].length;
      } else {
        toks.push({ t: 'dot', v: '.', pos });
        i++;
      }
    } else if (/[0-9+\-.]/.test(c) && NUMBER_RE.test(rest)) {
      const m = NUMBER_RE.exec(rest)!;
      toks.push({ t: 'number', v: m[0], pos });
      i += m[0].length;
    } else if (IDENT_RE.test(rest)) {
      const m = IDENT_RE.exec(rest)!;
      toks.push({ t: KEYWORDS.has(m[0]) ? 'keyword' : 'ident', v: m[0], pos });
      i += m[0].length;
    } else {
      throw new TemplateError(`unexpected ${JSON.stringify(c)} in command`, pos);
    }
  }
}

function unquote(text: string, pos: number): string {
  try {
    return JSON.parse(text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\([abfv])/g, (_m, ch: string) => ({ a: '\\u0007', b: '\\b', f: '\\f', v: '\\u000b' })[ch]!)) as string;
  } catch {
    throw new TemplateError(`invalid syntax in string ${text}`, pos);
  }
}

/** Function names a template may call (builtins plus the host's functions). */
export type FunctionSet = ReadonlySet<string>;

interface Frame {
  kind: 'root' | 'if' | 'with' | 'range';
  node?: Extract<Node, { kind: 'if' | 'with' | 'range' }>;
  list: Node[];
  inElse: boolean;
  /** `else if` opens a nested if whose `end` is shared with the outer one. */
  chained: boolean;
}

export function parseTemplate(src: string, functions: FunctionSet, predeclared: readonly string[] = []): Node[] {
  const root: Frame = { kind: 'root', list: [], inElse: false, chained: false };
  const stack: Frame[] = [root];
  const vars: string[][] = [['$', ...predeclared]];
  let pos = 0;
  let trimNext = false;
  const top = () => stack[stack.length - 1]!;
  const pushText = (text: string) => {
    if (text !== '') top().list.push({ kind: 'text', text });
  };
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      pushText(text);
      break;
    }
    let start = open + 2;
    if (/^-[ \t\r\n]/.test(src.slice(start, start + 2))) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    pushText(text);
    // Comments: {{/* ... */}}
    const afterSpace = src.slice(start).match(/^[ \t\r\n]*/)![0].length;
    if (src.startsWith('/*', start + afterSpace)) {
      const close = src.indexOf('*/', start + afterSpace + 2);
      if (close < 0) throw new TemplateError('unclosed comment', open);
      const tail = src.slice(close + 2);
      const m = /^([ \t\r\n]+-)?}}/.exec(tail);
      if (!m) throw new TemplateError('comment ends before closing delimiter', close);
      trimNext = m[1] !== undefined;
      pos = close + 2 + m[0].length;
      continue;
    }
    const { toks, end, trimRight } = lexAction(src, start);
    trimNext = trimRight;
    pos = end;
    const first = toks[0];
    if (!first) throw new TemplateError('missing value for command', open);
    if (first.t === 'keyword') {
      const rest = toks.slice(1);
      switch (first.v) {
        case 'if':
        case 'with':
        case 'range': {
          const scope: string[] = [];
          vars.push(scope);
          const pipe = parsePipeline(rest, functions, vars, first.pos, first.v === 'range');
          const node = { kind: first.v, pipe, list: [], elseList: [], pos: open } as Extract<Node, { kind: 'if' | 'with' | 'range' }>;
          top().list.push(node);
          stack.push({ kind: first.v, node, list: node.list, inElse: false, chained: false });
          break;
        }
        case 'else': {
          const f = top();
          if (f.kind === 'root' || f.inElse) throw new TemplateError('unexpected {{else}}', open);
          f.inElse = true;
          f.list = f.node!.elseList;
          vars.pop();
          vars.push([]);
          const next = rest[0];
          if (next && next.t === 'keyword' && (next.v === 'if' || (next.v === 'with' && f.kind === 'with'))) {
            const scope: string[] = [];
            vars.push(scope);
            const pipe = parsePipeline(rest.slice(1), functions, vars, next.pos, false);
            const kind: 'if' | 'with' = next.v === 'if' ? 'if' : 'with';
            const node: Extract<Node, { kind: 'if' | 'with' | 'range' }> = { kind, pipe, list: [], elseList: [], pos: open };
            f.list.push(node);
            stack.push({ kind, node, list: node.list, inElse: false, chained: true });
          } else if (next) throw new TemplateError(`unexpected ${JSON.stringify(next.v)} in else`, next.pos);
          break;
        }
        case 'end': {
          if (rest[0]) throw new TemplateError(`unexpected ${JSON.stringify(rest[0].v)} in end`, rest[0].pos);
          for (;;) {
            const f = top();
            if (f.kind === 'root') throw new TemplateError('unexpected {{end}}', open);
            stack.pop();
            vars.pop();
            if (!f.chained) break;
          }
          break;
        }
        default:
          throw new TemplateError(`"${first.v}" is not supported in rule templates`, first.pos);
      }
      continue;
    }
    const pipe = parsePipeline(toks, functions, vars, first.pos, false);
    top().list.push({ kind: 'action', pipe, pos: open });
  }
  if (stack.length > 1) throw new TemplateError(`unexpected EOF: {{${top().kind}}} at offset ${top().node!.pos} has no {{end}}`, top().node!.pos);
  return root.list;
}

function declared(vars: string[][], name: string): boolean {
  return vars.some((scope) => scope.includes(name));
}

function parsePipeline(toks: Tok[], functions: FunctionSet, vars: string[][], pos: number, isRange: boolean): Pipeline {
  let i = 0;
  const decl: string[] = [];
  let assign = false;
  // Declarations: $x := ..., $x = ..., range $k, $v := ...
  const d0 = toks[0];
  if (d0?.t === 'variable' && d0.chain!.length === 0) {
    const t1 = toks[1];
    const t2 = toks[2];
    const t3 = toks[3];
    if (t1 && (t1.t === ':=' || t1.t === '=')) {
      decl.push(d0.v);
      assign = t1.t === '=';
      i = 2;
    } else if (isRange && t1?.t === ',' && t2?.t === 'variable' && t3?.t === ':=') {
      decl.push(d0.v, t2.v);
      i = 4;
    }
  }
  if (assign && !declared(vars, decl[0]!)) throw new TemplateError(`undefined variable "${decl[0]}"`, d0!.pos);
  const { cmds, next } = parseCommands(toks, i, functions, vars, pos, false);
  if (next < toks.length) throw new TemplateError(`unexpected ${JSON.stringify(toks[next]!.v)} in operand`, toks[next]!.pos);
  if (cmds.length === 0) throw new TemplateError('missing value for command', pos);
  if (!assign) vars[vars.length - 1]!.push(...decl);
  return { decl, assign, cmds, pos };
}

function parseCommands(toks: Tok[], start: number, functions: FunctionSet, vars: string[][], pos: number, inParen: boolean): { cmds: Command[]; next: number } {
  const cmds: Command[] = [];
  let i = start;
  let args: Arg[] = [];
  const finish = (at: number) => {
    if (args.length === 0) throw new TemplateError('missing value for command', at);
    cmds.push({ args, pos: args[0]!.pos });
    args = [];
  };
  while (i < toks.length) {
    const t = toks[i]!;
    if (t.t === ')') {
      if (!inParen) throw new TemplateError('unexpected right paren', t.pos);
      break;
    }
    if (t.t === '|') {
      finish(t.pos);
      i++;
      continue;
    }
    switch (t.t) {
      case 'ident':
        if (t.v === 'true' || t.v === 'false') args.push({ kind: 'bool', value: t.v === 'true', pos: t.pos });
        else if (t.v === 'nil') args.push({ kind: 'nil', pos: t.pos });
        else if (!functions.has(t.v)) throw new TemplateError(`function "${t.v}" not defined`, t.pos);
        else args.push({ kind: 'ident', name: t.v, pos: t.pos });
        break;
      case 'field':
        args.push({ kind: 'field', chain: t.chain!, pos: t.pos });
        break;
      case 'dot':
        args.push({ kind: 'field', chain: [], pos: t.pos });
        break;
      case 'variable':
        if (!declared(vars, t.v)) throw new TemplateError(`undefined variable "${t.v}"`, t.pos);
        args.push({ kind: 'variable', name: t.v, chain: t.chain!, pos: t.pos });
        break;
      case 'string':
        args.push({ kind: 'string', value: t.v, pos: t.pos });
        break;
      case 'number': {
        const clean = t.v.replace(/_/g, '');
        const isInt = /^[+-]?(\d+|0[xX][0-9a-fA-F]+)$/.test(clean);
        args.push({ kind: 'number', value: isInt ? BigInt(clean.replace(/^\+/, '')) : Number(clean), pos: t.pos });
        break;
      }
      case 'keyword':
        throw new TemplateError(`unexpected <${t.v}> in command`, t.pos);
      case '(': {
        const inner = parseCommands(toks, i + 1, functions, vars, t.pos, true);
        const close = toks[inner.next];
        if (!close || close.t !== ')') throw new TemplateError('unclosed left paren', t.pos);
        if (inner.cmds.length === 0) throw new TemplateError('missing value for parenthesized pipeline', t.pos);
        args.push({ kind: 'pipe', pipe: { decl: [], assign: false, cmds: inner.cmds, pos: t.pos }, chain: close.chain ?? [], pos: t.pos });
        i = inner.next;
        break;
      }
      default:
        throw new TemplateError(`unexpected ${JSON.stringify(t.v)} in command`, t.pos);
    }
    i++;
  }
  if (args.length > 0) finish(pos);
  else if (cmds.length > 0) throw new TemplateError('missing value for command', pos);
  for (const c of cmds.slice(1)) {
    const head = c.args[0]!;
    if (head.kind !== 'ident' && head.kind !== 'field' && head.kind !== 'variable' && head.kind !== 'pipe') {
      throw new TemplateError('non executable command in pipeline stage 2', head.pos);
    }
  }
  return { cmds, next: i };
}
