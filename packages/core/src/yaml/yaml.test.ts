import { parseUserYaml } from '.';
import { ValidationError } from '../errors';

describe('parseUserYaml', () => {
  it('parses plain data', () => {
    expect(parseUserYaml('a: 1\nb: [x, y]\n')).toEqual({ a: 1, b: ['x', 'y'] });
  });
  it('rejects custom and language tags', () => {
    expect(() => parseUserYaml('a: !!js/function "x"')).toThrow(ValidationError);
    expect(() => parseUserYaml('a: !custom 1')).toThrow(ValidationError);
  });
  it('rejects billion-laughs alias expansion', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
    }
    expect(() => parseUserYaml(lines.join('\n'))).toThrow(ValidationError);
  });
  it('rejects duplicate keys and syntax errors with a position', () => {
    expect(() => parseUserYaml('a: 1\na: 2\n')).toThrow(/line 2/);
    expect(() => parseUserYaml('a: [1, 2\n')).toThrow(ValidationError);
  });
  it('rejects deep nesting', () => {
    expect(() => parseUserYaml('['.repeat(200) + ']'.repeat(200))).toThrow(ValidationError);
  });
});
