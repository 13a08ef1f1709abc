import { checkRuleFileText } from './check';

describe('rule file check', () => {
  it('counts rules of a valid file', () => {
    expect(checkRuleFileText('groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == 0\n  - record: r\n    expr: up\n')).toEqual({ rules: 2, errors: [] });
  });
  it('reports bad PromQL, durations and templates with line and column', () => {
    const text = [
      'groups:',
      '- name: g',
      '  rules:',
      '  - alert: A',
      '    expr: up ==',
      '    for: 5x',
      '    annotations:',
      "      s: '{{ $value | nosuch }}'",
      '  - alert: A',
      '    expr: up',
    ].join('\n');
    const { errors } = checkRuleFileText(text);
    expect(errors).toEqual([
      expect.stringMatching(/^5:11: groups\[0\]\.rules\[0\]\.expr: invalid PromQL: .*line 1, column/),
      expect.stringMatching(/^6:10: groups\[0\]\.rules\[0\]\.for: invalid duration "5x"/),
      '8:10: groups[0].rules[0].annotations.s: template error: function "nosuch" not defined at offset 12',
      '9:12: groups[0].rules[1].alert: duplicate alert name "A" with the same labels (first at rules[0])',
    ]);
  });
  it('refuses an alert repeated with the same labels but not one with other labels', () => {
    const base = 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    labels: {severity: warning}\n  - alert: A\n    expr: up\n';
    expect(checkRuleFileText(`${base}    labels: {severity: critical}\n`).errors).toEqual([]);
    expect(checkRuleFileText(`${base}    labels: {severity: warning}\n`).errors).toEqual(['7:12: groups[0].rules[1].alert: duplicate alert name "A" with the same labels (first at rules[0])']);
  });
});
