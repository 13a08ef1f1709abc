/**
 * The parser of Go's text/template language, shared by rule templates and notification
 * templates: text, `{{ pipeline }}` actions with `{{-`/`-}}` trimming and comments,
 * `if`/`else if`/`else`, `range` (with `$i, $e :=`, `break`, `continue`), `with`/`else with`,
 * `define`, `template`, `block`, variables (`:=`, `=`), pipelines, parenthesised pipelines and
 * field chains. As Go's parser does, it refuses functions the caller does not offer and
 * variables that are not in scope, so such mistakes surface when a template is uploaded.
 *
 * Templates come from users, so the parser bounds what it accepts (source size, nesting) and
 * every error carries the offset, and the template name, line and column, as Go's does.
 */

/** An error at a place in a template: Go's `template: NAME:LINE:COLUMN: REASON`. */
export class TemplatePlaceError extends Error {
  constructor(
    readonly template: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
    /** Offset into the template source. */
    readonly pos: number = 0,
  ) {
    super(`template: ${template}:${line}:${column}: ${reason}`);
  }
}

/** A template that does not parse. */
export class TemplateSyntaxError extends TemplatePlaceError {
  override name = 'TemplateSyntaxError';
}

export const PARSE_LIMITS = {
  /** Characters of template source in one parse. */
  maxSourceChars: 1_000_000,
  /** Nesting of blocks and parentheses. */
  maxDepth: 100,
};

export interface ParseOptions {
  /** Functions templates may call; `and` and `or` are always there. Unset: any name parses. */
  functions?: ReadonlySet<string>;
  /** Variables in scope besides `$` (Prometheus declares `$labels`, `$value`, ...). */
  predeclared?: readonly string[];
  /** A reason to refuse a keyword (e.g. `define` where templates cannot be named), or undefined. */
  refuseKeyword?: (keyword: string) => string | undefined;
}

// ---------------------------------------------------------------------------------------------
// AST

export type Arg =
  | { t: 'field'; names: string[]; pos: number }
  | { t: 'var'; name: string; names: string[]; pos: number }
  | { t: 'dot'; pos: number }
  | { t: 'ident'; name: string; pos: number }
  | { t: 'string'; value: string; pos: number }
  /** `int`: an integer constant (Go's int), with its exact value; otherwise a float64. */
  | { t: 'number'; value: number; int?: bigint; pos: number }
  | { t: 'bool'; value: boolean; pos: number }
  | { t: 'nil'; pos: number }
  | { t: 'pipe'; pipe: Pipe; pos: number }
  | { t: 'chain'; node: Arg; names: string[]; pos: number };

export interface Command {
  args: Arg[];
  pos: number;
}

export interface Pipe {
  decl: string[];
  /** `=` rather than `:=`. */
  assign: boolean;
  cmds: Command[];
  pos: number;
}

export type Node =
  | { t: 'text'; text: string; pos: number }
  | { t: 'action'; pipe: Pipe; pos: number }
  | { t: 'if' | 'with' | 'range'; pipe: Pipe; list: Node[]; elseList?: Node[]; pos: number }
  | { t: 'template'; name: string; pipe?: Pipe; pos: number }
  | { t: 'break' | 'continue'; pos: number };

export interface ParsedTemplate {
  /** The top-level body (what executing this template by its own name runs). */
  root: Node[];
  /** Templates defined with `define` / `block`. */
  defines: Map<string, Node[]>;
  /** Source, to turn positions into line:column. */
  source: string;
  name: string;
}

export function lineColumn(source: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

// ---------------------------------------------------------------------------------------------
// Lexing: the source becomes text and action items; actions become tokens.

type TokKind = 'field' | 'var' | 'ident' | 'string' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'keyword';

interface Tok {
  kind: TokKind;
  text: string;
  /** Decoded value for strings and numbers. */
  value?: string | number;
  /** Integer constants' exact value. */
  int?: bigint;
  pos: number;
  end: number;
}

type Item = { kind: 'text'; text: string; pos: number } | { kind: 'action'; toks: Tok[]; pos: number };

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

class Lexer {
  constructor(
    private readonly src: string,
    private readonly fail: (pos: number, reason: string) => never,
  ) {}

  items(): Item[] {
    const { src } = this;
    const out: Item[] = [];
    let pos = 0;
    let trimNext = false;
    while (pos < src.length) {
      const open = src.indexOf('{{', pos);
      let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
      const textPos = pos;
      if (trimNext) {
        const before = text.length;
        text = text.replace(/^[ \t\r\n]+/, '');
        void before;
      }
      trimNext = false;
      if (open < 0) {
        if (text) out.push({ kind: 'text', text, pos: textPos });
        break;
      }
      let p = open + 2;
      // `{{- ` trims the text before; the dash must be followed by a space to count.
      if (src[p] === '-' && isSpace(src[p + 1])) {
        text = text.replace(/[ \t\r\n]+$/, '');
        p += 2;
      }
      if (text) out.push({ kind: 'text', text, pos: textPos });
      while (isSpace(src[p])) p++;
      if (src.startsWith('/*', p)) {
        const close = src.indexOf('*/', p + 2);
        if (close < 0) this.fail(open, 'unclosed comment');
        p = close + 2;
        if (src.startsWith(' -}}', p)) {
          trimNext = true;
          p += 4;
        } else if (src.startsWith('}}', p)) p += 2;
        else this.fail(p, 'comment ends before closing delimiter');
        pos = p;
        continue;
      }
      const { toks, end, trim } = this.action(p, open);
      out.push({ kind: 'action', toks, pos: open });
      trimNext = trim;
      pos = end;
    }
    return out;
  }

  /** Tokens of one action starting at p; returns where the action ends. */
  private action(start: number, open: number): { toks: Tok[]; end: number; trim: boolean } {
    const { src } = this;
    const toks: Tok[] = [];
    let p = start;
    let parens = 0;
    for (;;) {
      // The closing delimiter is only looked for between tokens, so strings may contain it.
      if (isSpace(src[p])) {
        let q = p;
        while (isSpace(src[q])) q++;
        if (src[q] === '-' && src.startsWith('}}', q + 1)) return { toks, end: q + 3, trim: true };
        p = q;
        continue;
      }
      if (p >= src.length) this.fail(open, 'unclosed action');
      if (src.startsWith('}}', p)) {
        if (parens > 0) this.fail(p, 'unclosed left paren');
        return { toks, end: p + 2, trim: false };
      }
      const c = src[p]!;
      const tok = (kind: TokKind, len: number, value?: string | number): void => {
        toks.push({ kind, text: src.slice(p, p + len), value, pos: p, end: p + len });
        p += len;
      };
      if (c === '|') tok('pipe', 1);
      else if (c === '(') {
        parens++;
        if (parens > PARSE_LIMITS.maxDepth) this.fail(p, 'parentheses nested too deeply');
        tok('lparen', 1);
      } else if (c === ')') {
        parens--;
        if (parens < 0) this.fail(p, 'unexpected right paren');
        tok('rparen', 1);
      } else if (c === ',') tok('comma', 1);
      else if (c === ':' && src[p + 1] === '=') tok('declare', 2);
      else if (c === '=') tok('assign', 1);
      else if (c === '"') tok('string', ...this.quoted(p));
      else if (c === '`') {
        const close = src.indexOf('`', p + 1);
        if (close < 0) this.fail(p, 'unterminated raw quoted string');
        tok('string', close + 1 - p, src.slice(p + 1, close));
      } else if (c === "'") {
        const [len, cp] = this.char(p);
        tok('number', len, cp);
        toks[toks.length - 1]!.int = BigInt(cp);
      }
      else if (c === '$') {
        let q = p + 1;
        while (isAlnum(src[q])) q++;
        tok('var', q - p);
      } else if (c === '.') {
        if (isDigit(src[p + 1])) p = this.numberTok(p, toks);
        else {
          let q = p + 1;
          while (isAlnum(src[q])) q++;
          if (q === p + 1) tok('dot', 1);
          else tok('field', q - p);
        }
      } else if (isDigit(c) || ((c === '-' || c === '+') && (isDigit(src[p + 1]) || src[p + 1] === '.'))) p = this.numberTok(p, toks);
      else if (/[A-Za-z_]/.test(c)) {
        let q = p;
        while (isAlnum(src[q])) q++;
        const word = src.slice(p, q);
        if (word === 'true' || word === 'false') tok('bool', q - p);
        else if (word === 'nil') tok('nil', q - p);
        else if (KEYWORDS.has(word)) tok('keyword', q - p);
        else tok('ident', q - p);
      } else this.fail(p, `unexpected ${JSON.stringify(c)} in command`);
    }
  }

  private quoted(p: number): [number, string] {
    const { src } = this;
    let q = p + 1;
    for (;;) {
      const c = src[q];
      if (c === undefined || c === '\n') this.fail(p, 'unterminated quoted string');
      if (c === '\\') q += 2;
      else if (c === '"') break;
      else q++;
    }
    return [q + 1 - p, this.unquote(src.slice(p + 1, q), p)];
  }

  /** Go's escape sequences in interpreted string literals. */
  private unquote(s: string, pos: number): string {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s[++i];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = s.slice(i + 1, i + 1 + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) this.fail(pos, 'invalid escape in quoted string');
        out += e === 'x' ? String.fromCharCode(parseInt(hex, 16)) : String.fromCodePoint(parseInt(hex, 16));
        i += n;
      } else if (e !== undefined && /[0-7]/.test(e)) {
        const oct = s.slice(i, i + 3);
        if (!/^[0-7]{3}$/.test(oct)) this.fail(pos, 'invalid escape in quoted string');
        out += String.fromCharCode(parseInt(oct, 8));
        i += 2;
      } else this.fail(pos, 'invalid escape in quoted string');
    }
    return out;
  }

  private char(p: number): [number, number] {
    const { src } = this;
    let q = p + 1;
    while (q < src.length && src[q] !== "'") q += src[q] === '\\' ? 2 : 1;
    if (q >= src.length) this.fail(p, 'unterminated character constant');
    const body = this.unquote(src.slice(p + 1, q), p);
    const cp = body.codePointAt(0);
    if (cp === undefined || [...body].length !== 1) this.fail(p, 'malformed character constant');
    return [q + 1 - p, cp];
  }

  /** Lexes a number at p into toks; returns where it ends. */
  private numberTok(p: number, toks: Tok[]): number {
    const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(this.src.slice(p, p + 100));
    const text = m?.[0] ?? '';
    if (!text || isAlnum(this.src[p + text.length])) this.fail(p, `bad number syntax: ${JSON.stringify(this.src.slice(p, p + text.length + 1))}`);
    const clean = text.replace(/_/g, '');
    let value: number;
    let int: bigint | undefined;
    const sign = clean.startsWith('-') ? -1 : 1;
    const body = clean.replace(/^[+-]/, '');
    const radix = /^0[xX]/.test(body) ? 16 : /^0[bB]/.test(body) ? 2 : /^0[oO]/.test(body) ? 8 : /^0\d+$/.test(body) ? 8 : 10;
    if (radix !== 10 || /^\d+$/.test(body)) {
      // Integer constants are Go ints: exact, whatever their size.
      const digits = radix === 8 && /^0\d/.test(body) ? body.slice(1) : radix !== 10 ? body.slice(2) : body;
      const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
      if (radix === 8 && /[89]/.test(digits)) this.fail(p, `bad number syntax: ${JSON.stringify(text)}`);
      int = BigInt(prefix + (digits || '0')) * BigInt(sign);
      value = Number(int);
    } else value = sign * Number(body);
    if (!Number.isFinite(value)) this.fail(p, `bad number syntax: ${JSON.stringify(text)}`);
    toks.push({ kind: 'number', text, value, int, pos: p, end: p + text.length });
    return p + text.length;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

class Parser {
  private i = 0;
  private depth = 0;
  private rangeDepth = 0;
  readonly defines = new Map<string, Node[]>();
  /** Variables in scope, innermost last. */
  private vars: string[];

  constructor(
    private readonly items: Item[],
    private readonly fail: (pos: number, reason: string) => never,
    private readonly options: ParseOptions,
  ) {
    this.vars = ['$', ...(options.predeclared ?? [])];
  }

  parseRoot(): Node[] {
    const { list, end } = this.list(true);
    if (end) this.fail(end.pos, `unexpected {{${end.toks.map((t) => t.text).join(' ')}}}`);
    return list;
  }

  /** Nodes up to an `end` or `else` action (returned), or the end of input at top level. */
  private list(top: boolean): { list: Node[]; end?: Extract<Item, { kind: 'action' }> } {
    const list: Node[] = [];
    while (this.i < this.items.length) {
      const item = this.items[this.i++]!;
      if (item.kind === 'text') {
        list.push({ t: 'text', text: item.text, pos: item.pos });
        continue;
      }
      const [first] = item.toks;
      if (!first) this.fail(item.pos, 'missing value for command');
      if (first.kind === 'keyword') {
        const refused = this.options.refuseKeyword?.(first.text);
        if (refused !== undefined) this.fail(first.pos, refused);
        switch (first.text) {
          case 'end':
          case 'else':
            if (top) this.fail(item.pos, `unexpected {{${first.text}}}`);
            return { list, end: item };
          case 'if':
          case 'with':
          case 'range':
            list.push(this.control(first.text, item.toks.slice(1), item.pos));
            break;
          case 'template':
            list.push(this.templateCall(item.toks.slice(1), item.pos));
            break;
          case 'define':
          case 'block': {
            if (first.text === 'define' && !top) this.fail(item.pos, 'unexpected define: define is only allowed at the top level');
            const name = item.toks[1];
            if (!name || name.kind !== 'string') this.fail(item.pos, `${first.text} clause requires a template name string`);
            // A named template's body sees only `$`, whatever is in scope where it is written.
            const outer = this.vars;
            this.vars = ['$'];
            const body = this.block(item.pos, first.text);
            this.vars = outer;
            if (body.else) this.fail(item.pos, `unexpected {{else}} in ${first.text}`);
            this.defines.set(name.value as string, body.list);
            if (first.text === 'block') {
              const rest = item.toks.slice(2);
              list.push({ t: 'template', name: name.value as string, pipe: rest.length ? this.pipe(rest, item.pos, false) : undefined, pos: item.pos });
            } else if (item.toks.length > 2) this.fail(item.toks[2]!.pos, 'unexpected token in define clause');
            break;
          }
          case 'break':
          case 'continue':
            if (this.rangeDepth === 0) this.fail(item.pos, `{{${first.text}}} outside {{range}}`);
            if (item.toks.length > 1) this.fail(item.toks[1]!.pos, `unexpected token in {{${first.text}}}`);
            list.push({ t: first.text, pos: item.pos });
            break;
          default:
            this.fail(item.pos, `unexpected keyword ${first.text}`);
        }
        continue;
      }
      list.push({ t: 'action', pipe: this.pipe(item.toks, item.pos, true), pos: item.pos });
    }
    return { list };
  }

  private declared(name: string, pos: number): void {
    if (!this.vars.includes(name)) this.fail(pos, `undefined variable ${JSON.stringify(name)}`);
  }

  private enter(pos: number): void {
    if (++this.depth > PARSE_LIMITS.maxDepth) this.fail(pos, 'blocks nested too deeply');
  }

  /** A body up to `{{end}}`; `else` items are returned for the caller to read. */
  private block(pos: number, what: string): { list: Node[]; else?: Extract<Item, { kind: 'action' }> } {
    this.enter(pos);
    const { list, end } = this.list(false);
    this.depth--;
    if (!end) this.fail(pos, `unexpected EOF: {{${what}}} has no {{end}}`);
    if (end.toks[0]!.text === 'else') return { list, else: end };
    if (end.toks.length > 1) this.fail(end.toks[1]!.pos, 'unexpected token in {{end}}');
    return { list };
  }

  private control(kind: 'if' | 'with' | 'range', toks: Tok[], pos: number): Node {
    // Variables declared in the pipeline or the body go out of scope at {{end}}.
    const mark = this.vars.length;
    try {
      return this.controlBody(kind, toks, pos);
    } finally {
      this.vars.length = mark;
    }
  }

  private controlBody(kind: 'if' | 'with' | 'range', toks: Tok[], pos: number): Node {
    const pipe = this.pipe(toks, pos, kind !== 'range', kind === 'range');
    if (pipe.cmds.length === 0) this.fail(pos, `missing value for ${kind}`);
    if (kind === 'range') this.rangeDepth++;
    const body = this.block(pos, kind);
    if (kind === 'range') this.rangeDepth--;
    if (!body.else) return { t: kind, pipe, list: body.list, pos };
    const elseToks = body.else.toks.slice(1);
    // `{{else if ...}}` and `{{else with ...}}` chain into a nested node that shares our {{end}}.
    if (elseToks[0]?.kind === 'keyword' && (elseToks[0].text === 'if' || elseToks[0].text === 'with') && kind !== 'range') {
      if (elseToks[0].text !== kind) this.fail(body.else.pos, `unexpected {{else ${elseToks[0].text}}} in {{${kind}}}`);
      const nested = this.control(kind, elseToks.slice(1), body.else.pos);
      return { t: kind, pipe, list: body.list, elseList: [nested], pos };
    }
    if (elseToks.length > 0) this.fail(elseToks[0]!.pos, 'unexpected token in {{else}}');
    const rest = this.block(body.else.pos, kind);
    if (rest.else) this.fail(rest.else.pos, 'expected end; found {{else}}');
    return { t: kind, pipe, list: body.list, elseList: rest.list, pos };
  }

  private templateCall(toks: Tok[], pos: number): Node {
    const name = toks[0];
    if (!name || name.kind !== 'string') this.fail(pos, 'template clause requires a template name string');
    const rest = toks.slice(1);
    return { t: 'template', name: name.value as string, pipe: rest.length ? this.pipe(rest, pos, false) : undefined, pos };
  }

  /** A pipeline, optionally starting with a declaration (`$x :=`, `$x =`, or `$i, $e :=` in range). */
  private pipe(toks: Tok[], pos: number, allowDecl: boolean, rangeDecl = false): Pipe {
    let decl: string[] = [];
    let assign = false;
    let k = 0;
    const t0 = toks[0];
    const t1 = toks[1];
    if (t0?.kind === 'var' && (t1?.kind === 'declare' || t1?.kind === 'assign' || (t1?.kind === 'comma' && rangeDecl))) {
      if (t1.kind === 'comma') {
        const t2 = toks[2];
        const t3 = toks[3];
        if (t2?.kind !== 'var' || (t3?.kind !== 'declare' && t3?.kind !== 'assign')) this.fail(t1.pos, 'too many declarations in range');
        decl = [t0.text, t2.text];
        assign = t3.kind === 'assign';
        k = 4;
      } else {
        decl = [t0.text];
        assign = t1.kind === 'assign';
        k = 2;
      }
      if (!allowDecl && !rangeDecl) this.fail(t0.pos, 'unexpected declaration');
      if (assign) for (const [i, name] of decl.entries()) this.declared(name, i === 0 ? t0.pos : toks[2]!.pos);
      else this.vars.push(...decl);
    }
    const cmds: Command[] = [];
    let cur: Arg[] = [];
    let cmdPos = toks[k]?.pos ?? pos;
    const end = this.operands(toks, k, (arg) => cur.push(arg), () => {
      if (cur.length === 0) this.fail(cmdPos, 'missing command');
      cmds.push({ args: cur, pos: cmdPos });
      cur = [];
    }, (p) => (cmdPos = p));
    if (end !== toks.length) this.fail(toks[end]!.pos, `unexpected ${JSON.stringify(toks[end]!.text)}`);
    if (cur.length > 0) cmds.push({ args: cur, pos: cmdPos });
    else if (cmds.length > 0) this.fail(pos, 'missing command after |');
    if (cmds.length === 0 && decl.length > 0) this.fail(pos, 'missing value for command');
    // Only the first command may be a non-function with arguments.
    cmds.forEach((c, i) => {
      if (i > 0 && c.args[0] && ['string', 'number', 'bool', 'nil', 'dot'].includes(c.args[0].t)) {
        this.fail(c.pos, `non executable command in pipeline stage ${i + 1}`);
      }
    });
    return { decl, assign, cmds, pos };
  }

  /** Reads operands from toks[k], calling back per operand and per `|`; stops at `)` or the end. */
  private operands(toks: Tok[], k: number, onArg: (a: Arg) => void, onPipe: () => void, onCmdStart: (pos: number) => void): number {
    while (k < toks.length) {
      const t = toks[k]!;
      if (t.kind === 'rparen') return k;
      if (t.kind === 'pipe') {
        onPipe();
        k++;
        if (toks[k]) onCmdStart(toks[k]!.pos);
        continue;
      }
      const [arg, next] = this.operand(toks, k);
      onArg(arg);
      k = next;
    }
    return k;
  }

  private operand(toks: Tok[], k: number): [Arg, number] {
    const t = toks[k]!;
    let arg: Arg;
    let next = k + 1;
    switch (t.kind) {
      case 'field':
        arg = { t: 'field', names: [t.text.slice(1)], pos: t.pos };
        break;
      case 'var':
        this.declared(t.text, t.pos);
        arg = { t: 'var', name: t.text, names: [], pos: t.pos };
        break;
      case 'dot':
        arg = { t: 'dot', pos: t.pos };
        break;
      case 'ident':
        if (this.options.functions && !this.options.functions.has(t.text) && t.text !== 'and' && t.text !== 'or') this.fail(t.pos, `function ${JSON.stringify(t.text)} not defined`);
        arg = { t: 'ident', name: t.text, pos: t.pos };
        break;
      case 'string':
        arg = { t: 'string', value: t.value as string, pos: t.pos };
        break;
      case 'number':
        arg = { t: 'number', value: t.value as number, int: t.int, pos: t.pos };
        break;
      case 'bool':
        arg = { t: 'bool', value: t.text === 'true', pos: t.pos };
        break;
      case 'nil':
        arg = { t: 'nil', pos: t.pos };
        break;
      case 'lparen': {
        this.enter(t.pos);
        let cmds: Command[] = [];
        let cur: Arg[] = [];
        let cmdPos = toks[k + 1]?.pos ?? t.pos;
        const close = this.operands(toks, k + 1, (a) => cur.push(a), () => {
          if (cur.length === 0) this.fail(cmdPos, 'missing command');
          cmds.push({ args: cur, pos: cmdPos });
          cur = [];
        }, (p) => (cmdPos = p));
        this.depth--;
        if (toks[close]?.kind !== 'rparen') this.fail(t.pos, 'unclosed left paren');
        if (cur.length === 0) this.fail(t.pos, 'missing command in parentheses');
        cmds = [...cmds, { args: cur, pos: cmdPos }];
        arg = { t: 'pipe', pipe: { decl: [], assign: false, cmds, pos: t.pos }, pos: t.pos };
        next = close + 1;
        break;
      }
      default:
        this.fail(t.pos, `unexpected ${JSON.stringify(t.text)} in operand`);
    }
    // Fields written right after a term, with no space, chain onto it: `.A.B`, `$x.A`, `(f).A`.
    const names: string[] = [];
    let last = toks[next - 1]!;
    while (toks[next]?.kind === 'field' && toks[next]!.pos === last.end) {
      names.push(toks[next]!.text.slice(1));
      last = toks[next]!;
      next++;
    }
    if (names.length > 0) {
      if (arg.t === 'field' || arg.t === 'var') arg.names.push(...names);
      else if (arg.t === 'pipe' || arg.t === 'dot') arg = arg.t === 'dot' ? { t: 'field', names, pos: arg.pos } : { t: 'chain', node: arg, names, pos: arg.pos };
      else this.fail(arg.pos, `unexpected . after term ${JSON.stringify(t.text)}`);
    }
    return [arg, next];
  }
}

/** Parses one template source. `name` is what errors call it. */
export function parseTemplateSource(name: string, source: string, options: ParseOptions = {}): ParsedTemplate {
  const fail = (pos: number, reason: string): never => {
    const { line, column } = lineColumn(source, pos);
    throw new TemplateSyntaxError(name, line, column, reason, pos);
  };
  if (source.length > PARSE_LIMITS.maxSourceChars) fail(0, `template is larger than ${PARSE_LIMITS.maxSourceChars} characters`);
  const items = new Lexer(source, fail).items();
  const parser = new Parser(items, fail, options);
  const root = parser.parseRoot();
  return { root, defines: parser.defines, source, name };
}
