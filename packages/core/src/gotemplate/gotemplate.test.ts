import { builtinFunctions, execute, parseTemplateSource, TemplateExecError, TemplateSyntaxError, type ExecOptions, type ValueModel } from '.';

const PROM: ValueModel = { ints: 'bigint', plainObjects: 'map' };
const AM: ValueModel = { ints: 'number', plainObjects: 'struct' };

function run(text: string, data: unknown, model: ValueModel, options: Partial<ExecOptions> = {}): string {
  const parsed = parseTemplateSource('t', text, { functions: new Set(builtinFunctions(model).keys()), predeclared: Object.keys(options.vars ?? {}) });
  return execute({ nodes: parsed.root, from: parsed }, data, { functions: builtinFunctions(model), model, ...options });
}

describe('the shared text/template engine', () => {
  it('keeps Go ints and float64s apart where the data does (bigint model)', () => {
    expect(run('{{ 1 }} {{ 1.0 }} {{ 1e6 }} {{ printf "%d %v %T" 3 2.5 }}', {}, PROM)).toBe('1 1 1e+06 3 2.5 %!T(MISSING)');
    expect(run('{{ printf "%d" 3.0 }}', {}, PROM)).toBe('%!d(float64=3)');
    expect(run('{{ range $i, $e := .L }}{{ $i }}{{ $e }}{{ end }} {{ len .L }}', { L: ['a', 'b'] }, PROM)).toBe('0a1b 2');
  });

  it('treats integral numbers as ints in the number model, and rounds printf half to even', () => {
    expect(run('{{ printf "%d %.0f %.2f %05.1f" 3 2.5 0.125 2.5 }}', {}, AM)).toBe('3 2 0.12 002.5');
    expect(run('{{ range 3 }}{{ . }}{{ end }}', {}, AM)).toBe('012');
  });

  it('reads plain objects as maps or structs, with Go missingkey semantics', () => {
    expect(run('{{ .M.a }}|{{ .M.b }}|{{ .M }}', { M: { a: 'x' } }, PROM, { missingKey: 'zero' })).toBe('x||map[a:x]');
    expect(run('{{ .S.Name }}', { S: { Name: 'n' } }, AM)).toBe('n');
    expect(() => run('{{ .S.name }}', { S: { Name: 'n' } }, AM)).toThrow(/can't evaluate field name in type struct/);
  });

  it('refuses unknown functions, undeclared variables and refused keywords at parse time, with the offset', () => {
    const err = (text: string, refuse?: string) => {
      try {
        parseTemplateSource('t', text, { functions: new Set(['print']), predeclared: ['$v'], refuseKeyword: (k) => (k === refuse ? `no ${k}` : undefined) });
      } catch (e) {
        return [(e as TemplateSyntaxError).reason, (e as TemplateSyntaxError).pos];
      }
      return undefined;
    };
    expect(err('{{ print $v }}')).toBeUndefined();
    expect(err('ab {{ nosuch }}')).toEqual(['function "nosuch" not defined', 6]);
    expect(err('{{ $x }}')).toEqual(['undefined variable "$x"', 3]);
    expect(err('{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}')).toEqual(['undefined variable "$x"', 35]);
    expect(err('{{ $x = 1 }}')).toEqual(['undefined variable "$x"', 3]);
    expect(err('{{ define "a" }}{{ $v }}{{ end }}')).toEqual(['undefined variable "$v"', 19]);
    expect(err('x {{ define "a" }}{{ end }}', 'define')).toEqual(['no define', 5]);
    expect(err('x {{ range 1 }}')).toEqual(['unexpected EOF: {{range}} has no {{end}}', 2]);
  });

  it('bounds execution and reports where it failed', () => {
    expect(() => run('{{ range 1000 }}x{{ end }}', {}, AM, { limits: { maxOutputChars: 10 } })).toThrow(/output is larger than 10 characters/);
    try {
      run('a\n {{ index .L 3 }}', { L: [] }, AM);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateExecError);
      expect((e as TemplateExecError).message).toBe('template: t:2:5: error calling index: index out of range: 3');
      expect((e as TemplateExecError).pos).toBe(6);
    }
  });
});
