/**
 * text/template's predefined functions (not, len, index, slice, print, println, printf, the
 * comparisons, html, js, urlquery), for data in the given value model. `and` and `or` are the
 * executor's own.
 */
import type { TemplateFunction } from './exec';
import { goSprintf } from './format';
import { NO_VALUE, SafeHtml, asMap, isInt, printValue, textOf, toInt, truth, typeName, type ValueModel } from './values';

export const arity = (fn: string, args: unknown[], min: number, max = min): void => {
  if (args.length < min || args.length > max) {
    throw new Error(`wrong number of args for ${fn}: want ${min === max ? min : `${min}-${max}`} got ${args.length}`);
  }
};

export function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

function jsEscape(s: string): string {
  return s.replace(/[\\'"<>&=\n\r\t\u2028\u2029]|[\x00-\x1f]/g, (c) => {
    const map: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return map[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/** url.QueryEscape. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function builtinFunctions(model: ValueModel): Map<string, TemplateFunction> {
  const print = (v: unknown) => printValue(v, model);
  const type = (v: unknown) => typeName(v, model);
  /** fmt.Sprint: a space between operands when neither side is a string. */
  const sprint = (args: unknown[]): string => {
    let out = '';
    args.forEach((a, i) => {
      if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
      out += print(a);
    });
    return out;
  };
  const isBasic = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof SafeHtml;
  const compare = (fn: string, a: unknown, b: unknown): number => {
    const numeric = (x: unknown): x is number | bigint => typeof x === 'number' || typeof x === 'bigint';
    if (numeric(a) && numeric(b)) {
      // An int and a float64 do not compare in Go.
      if (model.ints === 'bigint' && typeof a !== typeof b) throw new Error(`error calling ${fn}: incompatible types for comparison`);
      const x = Number(a);
      const y = Number(b);
      return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
    }
    const sa = textOf(a);
    const sb = textOf(b);
    if (sa !== undefined && sb !== undefined) return sa < sb ? -1 : sa > sb ? 1 : 0;
    if (typeof a === 'boolean' && typeof b === 'boolean' && (fn === 'eq' || fn === 'ne')) return a === b ? 0 : 1;
    if ((a === null || a === undefined) && (b === null || b === undefined) && (fn === 'eq' || fn === 'ne')) return 0;
    if (a === NO_VALUE || b === NO_VALUE) throw new Error(`error calling ${fn}: invalid type for comparison`);
    if (!isBasic(a) || !isBasic(b)) throw new Error(`error calling ${fn}: non-comparable type ${type(isBasic(a) ? b : a)}`);
    throw new Error(`error calling ${fn}: incompatible types for comparison`);
  };
  const lengthOf = (v: unknown): number => {
    const text = textOf(v);
    if (text !== undefined) return Buffer.byteLength(text, 'utf8');
    if (Array.isArray(v)) return v.length;
    const map = asMap(v, model);
    if (map) return map.size;
    throw new Error(`error calling len: len of type ${type(v)}`);
  };
  const indexOf = (item: unknown, indices: unknown[]): unknown => {
    let v = item;
    for (const ix of indices) {
      const map = asMap(v, model);
      const text = textOf(v);
      if (map) {
        // A missing key yields the element type's zero value: "" for label maps.
        v = map.get(String(ix)) ?? '';
      } else if (Array.isArray(v) || text !== undefined) {
        if (!isInt(ix, model)) throw new Error(`error calling index: cannot index slice/array with type ${type(ix)}`);
        const i = Number(ix);
        const length = text !== undefined ? Buffer.byteLength(text, 'utf8') : (v as unknown[]).length;
        if (i < 0 || i >= length) throw new Error(`error calling index: index out of range: ${i}`);
        v = text !== undefined ? toInt(Buffer.from(text, 'utf8')[i]!, model) : (v as unknown[])[i];
      } else if (v === null || v === undefined || v === NO_VALUE) {
        throw new Error('error calling index: index of untyped nil');
      } else throw new Error(`error calling index: can't index item of type ${type(v)}`);
    }
    return v;
  };
  const fns: Record<string, TemplateFunction> = {
    not: (...a) => (arity('not', a, 1), !truth(a[0], model)),
    len: (...a) => (arity('len', a, 1), toInt(lengthOf(a[0]), model)),
    index: (...a) => {
      if (a.length < 1) throw new Error('wrong number of args for index: want at least 1 got 0');
      return indexOf(a[0], a.slice(1));
    },
    slice: (...a) => {
      if (a.length < 1 || a.length > 3) throw new Error(`wrong number of args for slice: want 1-3 got ${a.length}`);
      const [item, from = 0, to] = a;
      if (typeof item !== 'string' && !Array.isArray(item)) throw new Error(`error calling slice: can't slice item of type ${type(item)}`);
      const end = to === undefined ? item.length : to;
      if (!isInt(from, model) && from !== 0) throw new Error('error calling slice: index out of range');
      if (!isInt(end, model)) throw new Error('error calling slice: index out of range');
      const [i, j] = [Number(from), Number(end)];
      if (i < 0 || j < i || j > item.length) throw new Error('error calling slice: index out of range');
      return item.slice(i, j);
    },
    print: (...a) => sprint(a),
    println: (...a) => `${a.map(print).join(' ')}\n`,
    printf: (...a) => {
      if (a.length < 1) throw new Error('wrong number of args for printf: want at least 1 got 0');
      const format = textOf(a[0]);
      if (format === undefined) throw new Error(`wrong type for value; expected string; got ${type(a[0])}`);
      return goSprintf(format, a.slice(1), model);
    },
    eq: (...a) => {
      if (a.length < 2) throw new Error('missing argument for comparison');
      return a.slice(1).some((b) => compare('eq', a[0], b) === 0);
    },
    ne: (...a) => (arity('ne', a, 2), compare('ne', a[0], a[1]) !== 0),
    lt: (...a) => (arity('lt', a, 2), compare('lt', a[0], a[1]) < 0),
    le: (...a) => (arity('le', a, 2), compare('le', a[0], a[1]) <= 0),
    gt: (...a) => (arity('gt', a, 2), compare('gt', a[0], a[1]) > 0),
    ge: (...a) => (arity('ge', a, 2), compare('ge', a[0], a[1]) >= 0),
    html: (...a) => htmlEscape(sprint(a)),
    js: (...a) => jsEscape(sprint(a)),
    urlquery: (...a) => queryEscape(sprint(a)),
  };
  return new Map(Object.entries(fns));
}
