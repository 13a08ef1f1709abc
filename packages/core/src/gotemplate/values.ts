/**
 * How Go values are modelled in JavaScript for templates, and what text/template does with them
 * regardless of who supplies the data: truth, type names, `%v` printing, map access.
 *
 * Strings, booleans, arrays and null are themselves. A float64 is a number. A Go int is a bigint,
 * or, for data whose numbers are all integers where Go has ints, a number ({@link ValueModel}).
 * A map is a {@link GoMapValue} or, where the data says so, a plain object; other plain objects
 * are structs whose exported (capitalised) properties are fields. A class exposes Go methods by
 * listing them in a static `goMethods` set and names its Go type in a static `goType`; nothing
 * else on a JavaScript object is reachable from a template.
 */
import { formatFloat, goTimeString } from './format';

/** A missing map entry (Go's invalid value): printed as `<no value>`. */
export const NO_VALUE: unique symbol = Symbol('no value');

/** html/template's trusted HTML (`safeHtml`): printed without escaping in HTML output. */
export class SafeHtml {
  static readonly goType = 'template.HTML';
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** A Go map with string keys; `keys()` is the order Go ranges and prints in. */
export abstract class GoMapValue {
  abstract keys(): string[];
  abstract get(key: string): unknown;
  abstract get size(): number;
}

/** What differs between the data of one template host and another's. */
export interface ValueModel {
  /** `bigint`: Go ints are bigints and numbers are float64s. `number`: integral numbers are ints. */
  ints: 'bigint' | 'number';
  /** Whether plain objects are maps (Prometheus' label maps) or structs (Alertmanager's data). */
  plainObjects: 'map' | 'struct';
}

const isPlain = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** A read-only view of v as a Go map, or undefined when it is not one. */
export function asMap(v: unknown, model: ValueModel): { keys(): string[]; get(key: string): unknown; size: number } | undefined {
  if (v instanceof GoMapValue) return v;
  if (model.plainObjects === 'map' && typeof v === 'object' && v !== null && !Array.isArray(v) && isPlain(v)) {
    const o = v as Record<string, unknown>;
    return {
      keys: () => Object.keys(o).sort(),
      get: (k) => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined),
      size: Object.keys(o).length,
    };
  }
  return undefined;
}

export function isInt(v: unknown, model: ValueModel): v is number | bigint {
  return typeof v === 'bigint' || (model.ints === 'number' && typeof v === 'number' && Number.isInteger(v));
}

/** A Go int as the model represents it. */
export function toInt(n: number | bigint, model: ValueModel): number | bigint {
  return model.ints === 'bigint' ? BigInt(n) : Number(n);
}

/** A string-like value's text (string or template.HTML), or undefined. */
export function textOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : v instanceof SafeHtml ? v.value : undefined;
}

export function goMethodsOf(v: unknown): Set<string> | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const ctor = (v as object).constructor as { goMethods?: Set<string> } | undefined;
  return ctor?.goMethods;
}

/** text/template's notion of true: not the zero value, not empty. */
export function truth(v: unknown, model: ValueModel): boolean {
  if (v === NO_VALUE || v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'string') return v.length > 0;
  if (v instanceof SafeHtml) return v.value.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  const map = asMap(v, model);
  if (map) return map.size > 0;
  return true;
}

/** A Go type name for error messages and `%!verb(type=value)`. */
export function typeName(v: unknown, model: ValueModel): string {
  if (v === NO_VALUE) return 'invalid value';
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return isInt(v, model) ? 'int' : 'float64';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'function') return 'func';
  if (v instanceof Date) return 'time.Time';
  const goType = ((v as object).constructor as { goType?: string } | undefined)?.goType;
  if (goType) return goType;
  if (Array.isArray(v)) return '[]interface {}';
  if (asMap(v, model)) return 'map[string]string';
  return 'struct';
}

/** fmt's %v. */
export function printValue(v: unknown, model: ValueModel): string {
  if (v === NO_VALUE) return '<no value>';
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return isInt(v, model) ? (Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString()) : formatFloat(v, 'g', -1);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof SafeHtml) return v.value;
  if (v instanceof Date) return goTimeString(v);
  if (goMethodsOf(v)?.has('String')) return String((v as { String(): unknown }).String());
  if (Array.isArray(v)) return `[${v.map((x) => printValue(x, model)).join(' ')}]`;
  const map = asMap(v, model);
  if (map) return `map[${map.keys().map((k) => `${k}:${printValue(map.get(k), model)}`).join(' ')}]`;
  if (typeof v === 'object') return `{${Object.values(v as object).map((x) => printValue(x, model)).join(' ')}}`;
  return String(v);
}
