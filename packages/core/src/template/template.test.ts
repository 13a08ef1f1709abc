import { checkTemplate, expandTemplate, formatFloat, sprintf } from '.';

const data = { labels: { __name__: 'm', instance: 'a:9100', job: 'node' }, value: 93.456, externalLabels: { cluster: 'eu1' } };
const at = (value: number) => ({ ...data, value });

describe('templates', () => {
  it('expands labels and values', () => {
    expect(expandTemplate('{{ $labels.instance }} is at {{ $value }}', data)).toBe('a:9100 is at 93.456');
    expect(expandTemplate('{{ .Labels.job }}/{{ index $labels "instance" }} in {{ $externalLabels.cluster }}', data)).toBe('node/a:9100 in eu1');
    expect(expandTemplate('{{ $labels.missing }}|{{ index $labels "nope" }}|', data)).toBe('||');
    expect(expandTemplate('{{ $labels }}', data)).toBe('map[__name__:m instance:a:9100 job:node]');
  });
  it('prints floats as Go does (%v)', () => {
    expect(expandTemplate('{{ $value }}', at(1234567.891))).toBe('1.234567891e+06');
    expect(expandTemplate('{{ $value }}', at(123456))).toBe('123456');
    expect(expandTemplate('{{ $value }}', at(0.00001))).toBe('1e-05');
    expect(expandTemplate('{{ $value }}', at(NaN))).toBe('NaN');
    expect(expandTemplate('{{ 1 }} {{ 1.0 }} {{ 1e6 }}', data)).toBe('1 1 1e+06');
  });
  it('applies Prometheus functions', () => {
    const v = at(1234567.891);
    expect(expandTemplate('{{ $value | humanize }} {{ $value | humanize1024 }} {{ $value | humanizeDuration }}', v)).toBe('1.235M 1.177Mi 14d 6h 56m 7s');
    expect(expandTemplate('{{ 0.5 | humanizeDuration }} {{ 86400.5 | humanizeDuration }} {{ 59.123456 | humanizeDuration }}', v)).toBe('500ms 1d 0h 0m 0s 59.12s');
    expect(expandTemplate('{{ $value | humanizeTimestamp }} {{ $value | humanizePercentage }}', v)).toBe('1970-01-15 06:56:07.891 +0000 UTC 1.235e+08%');
    expect(expandTemplate('{{ 0.1234 | humanizePercentage }} {{ 0.001 | humanize }} {{ "1024" | humanize1024 }}', v)).toBe('12.34% 1m 1ki');
    expect(expandTemplate('{{ title "foo bar" }} {{ toUpper "a" }}{{ toLower "B" }}', v)).toBe('Foo Bar Ab');
    expect(expandTemplate('{{ reReplaceAll "(a+)" "<$1>" "baaac" }} {{ reReplaceAll ":.*" "" .Labels.instance }}', v)).toBe('b<aaa>c a');
    expect(expandTemplate('{{ if match "^a" $labels.instance }}yes{{ end }} {{ stripPort "h:80" }}', v)).toBe('yes h');
  });
  it('formats with printf like Go, rounding half to even', () => {
    expect(expandTemplate('{{ printf "%.2f|%d|%v|%s|%5.1f|%e|%g|%x" $value 3 $value "s" 2.25 $value $value 255 }}', at(1234567.891))).toBe(
      '1234567.89|3|1.234567891e+06|s|  2.2|1.234568e+06|1.234567891e+06|ff',
    );
    expect(sprintf('%.0f %.2f %.1f%%', 2.5, 0.125, 99.95)).toBe('2 0.12 100.0%');
    expect(expandTemplate('{{ $value | printf "%.1f" }}', data)).toBe('93.5');
    expect(formatFloat(100000, 'g', 4)).toBe('1e+05');
    expect(formatFloat(2.5, 'g', 4)).toBe('2.5');
  });
  it('runs control structures and variables', () => {
    expect(expandTemplate('{{ with $labels.job }}J={{ . }}{{ else }}none{{ end }}', data)).toBe('J=node');
    expect(expandTemplate('{{ with $labels.nope }}J={{ . }}{{ else }}none{{ end }}', data)).toBe('none');
    expect(expandTemplate('{{ if gt $value 100.0 }}big{{ else if gt $value 50.0 }}mid{{ else }}small{{ end }}', data)).toBe('mid');
    expect(expandTemplate('{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}', data)).toBe('__name__=m;instance=a:9100;job=node;');
    expect(expandTemplate('{{ $x := "a" }}{{ $x = "b" }}{{ $x }} {{ and "" "y" }}{{ or "" "y" }}', data)).toBe('b y');
    expect(expandTemplate('  {{- " x " -}}  \n', data)).toBe(' x ');
    expect(expandTemplate('a{{/* note */}}b', data)).toBe('ab');
  });
  it('renders execution errors into the value, as Prometheus does', () => {
    expect(expandTemplate('{{ humanize "abc" }}', data)).toMatch(/^<error expanding template: error calling humanize: strconv.ParseFloat/);
  });
  it('rejects what cannot parse, with a position', () => {
    expect(checkTemplate('ok {{ $labels.a }}')).toBeUndefined();
    expect(checkTemplate('x {{ range $labels }}')).toMatch(/has no \{\{end\}\} at offset 2/);
    expect(checkTemplate('{{ $value | nosuch }}')).toBe('function "nosuch" not defined at offset 12');
    expect(checkTemplate('{{ $labels.a ')).toMatch(/unclosed action/);
    expect(checkTemplate('{{ $nope }}')).toBe('undefined variable "$nope" at offset 3');
    expect(checkTemplate('{{ query "up" }}')).toMatch(/not supported at offset 3/);
    expect(checkTemplate('{{ end }}')).toMatch(/unexpected \{\{end\}\} at offset 0/);
  });
});
