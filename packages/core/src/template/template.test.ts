import { checkTemplate, expandTemplate } from '.';

const data = { labels: { instance: 'a:9100', job: 'node' }, value: 93.456, externalLabels: { cluster: 'eu1' } };

describe('templates', () => {
  it('expands labels and values', () => {
    expect(expandTemplate('{{ $labels.instance }} is at {{ $value }}', data)).toBe('a:9100 is at 93.456');
    expect(expandTemplate('{{ .Labels.job }}/{{ index $labels "instance" }} in {{ $externalLabels.cluster }}', data)).toBe('node/a:9100 in eu1');
    expect(expandTemplate('{{ $labels.missing }}|', data)).toBe('|');
  });
  it('applies functions', () => {
    expect(expandTemplate('{{ $value | printf "%.1f" }}', data)).toBe('93.5');
    expect(expandTemplate('{{ $value | humanize }}', { ...data, value: 1234567 })).toBe('1.235M');
    expect(expandTemplate('{{ $value | humanizePercentage }}', { ...data, value: 0.1234 })).toBe('12.34%');
    expect(expandTemplate('{{ $value | humanizeDuration }}', { ...data, value: 3725 })).toBe('1h 2m 5s');
  });
  it('rejects what it cannot render, with a position', () => {
    expect(checkTemplate('ok {{ $labels.a }}')).toBeUndefined();
    expect(checkTemplate('x {{ range $labels }}')).toMatch(/unsupported template action .* at offset 2/);
    expect(checkTemplate('{{ $value | toUpper }}')).toMatch(/unsupported template function "toUpper"/);
    expect(checkTemplate('{{ $labels.a ')).toMatch(/unclosed/);
  });
});
