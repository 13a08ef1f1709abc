import { ValidationError } from '../../errors';
import { buildTemplateData, NotificationTemplates, TemplateExecError, TemplateSyntaxError, templatesFor, validateTemplateFiles } from '.';

const NOW = Date.parse('2024-05-01T12:00:00Z');

/** A two-alert group: one firing, one resolved, as Alertmanager would flush it. */
const data = buildTemplateData({
  receiver: 'team-x.pager',
  groupLabels: { alertname: 'HighLatency' },
  externalURL: 'http://vigil.example/alertmanager',
  now: NOW,
  alerts: [
    {
      labels: { alertname: 'HighLatency', job: 'api', instance: 'a', severity: 'page' },
      annotations: { summary: 'p99 high', runbook: 'r1' },
      startsAt: Date.parse('2024-05-01T11:50:00.12Z'),
      endsAt: NOW + 300_000,
      generatorURL: 'http://prom/graph?g0.expr=x',
    },
    {
      labels: { alertname: 'HighLatency', job: 'api', instance: 'b', severity: 'page' },
      annotations: { summary: 'p99 high', runbook: 'r2' },
      startsAt: NOW - 3_600_000,
      endsAt: NOW - 1000,
    },
  ],
});

const t = NotificationTemplates.create();
const run = (text: string, d: unknown = data) => t.execute(text, d);

const listA = 'Labels:\n - alertname = HighLatency\n - instance = a\n - job = api\n - severity = page\nAnnotations:\n - runbook = r1\n - summary = p99 high\nSource: http://prom/graph?g0.expr=x\n';
const listB = 'Labels:\n - alertname = HighLatency\n - instance = b\n - job = api\n - severity = page\nAnnotations:\n - runbook = r2\n - summary = p99 high\nSource: \n';

describe("Alertmanager's template data", () => {
  it('has Receiver (regexp-quoted), Status, Alerts with Firing/Resolved, group and common labels', () => {
    expect(run('{{ .Receiver }}|{{ .Status }}|{{ len .Alerts }}|{{ len .Alerts.Firing }}|{{ len .Alerts.Resolved }}')).toBe('team-x\\.pager|firing|2|1|1');
    expect(run('{{ .GroupLabels.SortedPairs }}|{{ .CommonLabels.Names }}|{{ .CommonLabels.Values }}|{{ .CommonAnnotations }}')).toBe(
      '[{alertname HighLatency}]|[alertname job severity]|[HighLatency api page]|map[summary:p99 high]',
    );
    expect(run('{{ .ExternalURL }}|{{ .CommonLabels.alertname }}|{{ .CommonLabels.missing }}|{{ index .CommonLabels "missing" }}.')).toBe(
      'http://vigil.example/alertmanager|HighLatency|<no value>|.',
    );
    expect(run('{{ range .Alerts }}{{ .Status }} {{ .Labels.instance }} {{ .StartsAt }} {{ .EndsAt }}\n{{ end }}')).toBe(
      'firing a 2024-05-01 11:50:00.12 +0000 UTC 0001-01-01 00:00:00 +0000 UTC\nresolved b 2024-05-01 11:00:00 +0000 UTC 2024-05-01 11:59:59 +0000 UTC\n',
    );
    expect(run('{{ (index .Alerts 0).StartsAt.Format "2006-01-02T15:04:05Z07:00" }} {{ (index .Alerts 0).StartsAt.Unix }}')).toBe('2024-05-01T11:50:00Z 1714564200');
    expect(run('{{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Names }}{{ end }}')).toBe('[job severity]');
  });

  it('renders the default templates for a two-alert group as Alertmanager does', () => {
    const subject = '[FIRING:1] HighLatency (api page)';
    for (const name of ['__subject', 'slack.default.title', 'pagerduty.default.description', 'opsgenie.default.message', 'email.default.subject', 'msteams.default.title', 'sns.default.subject']) {
      expect(run(`{{ template "${name}" . }}`)).toBe(subject);
    }
    expect(run('{{ template "__text_alert_list" .Alerts }}')).toBe(listA + listB);
    const both = `p99 high\nAlerts Firing:\n${listA}\nAlerts Resolved:\n${listB}`;
    expect(run('{{ template "opsgenie.default.description" . }}')).toBe(both);
    expect(run('{{ template "sns.default.message" . }}')).toBe(`p99 high\n\nAlerts Firing:\n${listA}\n\n\nAlerts Resolved:\n${listB}\n\n`);
    expect(run('{{ template "slack.default.titlelink" . }}')).toBe('http://vigil.example/alertmanager/#/alerts?receiver=team-x%5C.pager');
    expect(run('{{ template "slack.default.text" . }}')).toBe('');
    const teams = run('{{ template "msteams.default.text" . }}');
    expect(teams).toContain('# Alerts Firing:\n\nLabels:\n  - alertname = HighLatency\n  - instance = a\n');
    expect(teams).toContain('Source: [http://prom/graph?g0.expr=x](http://prom/graph?g0.expr=x)');
    expect(teams).toContain('# Alerts Resolved:');
    const resolvedOnly = buildTemplateData({ receiver: 'r', groupLabels: { alertname: 'A' }, externalURL: '', now: NOW, alerts: [{ labels: { alertname: 'A' }, startsAt: 0, endsAt: 1 }] });
    expect(run('{{ template "__subject" . }}', resolvedOnly)).toBe('[RESOLVED] A ');
    expect(run('{{ template "pagerduty.default.instances" .Alerts.Firing }}{{ .Alerts.Firing | len }}')).toBe(listA + '1');
  });

  it('escapes values in HTML output, except safeHtml', () => {
    const evil = buildTemplateData({ receiver: 'r', groupLabels: { alertname: '<b>x</b>' }, externalURL: '', now: NOW, alerts: [{ labels: { alertname: '<b>x</b>' }, startsAt: 0 }] });
    const html = t.execute('{{ template "email.default.html" . }}', evil, { html: true });
    expect(html).toContain('alertname=&lt;b&gt;x&lt;/b&gt;');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('<!DOCTYPE html>');
    expect(t.execute('{{ "<i>" | safeHtml }}{{ "<i>" }}', {}, { html: true })).toBe('<i>&lt;i&gt;');
  });
});

describe('the Go text/template language', () => {
  it('has if/else if/else, with/else, range/else with variables, break and continue', () => {
    expect(run('{{ if eq .Status "resolved" }}R{{ else if eq .Status "firing" }}F{{ else }}?{{ end }}')).toBe('F');
    expect(run('{{ with .CommonLabels.nope }}x{{ else }}none{{ end }}|{{ with .GroupLabels.alertname }}{{ . }}{{ end }}')).toBe('none|HighLatency');
    expect(run('{{ range $i, $a := .Alerts }}{{ $i }}={{ $a.Labels.instance }};{{ end }}{{ range .Alerts.Resolved.Firing }}x{{ else }}empty{{ end }}')).toBe('0=a;1=b;empty');
    expect(run('{{ range $k, $v := .CommonLabels }}{{ $k }}:{{ $v }},{{ end }}')).toBe('alertname:HighLatency,job:api,severity:page,');
    expect(run('{{ range 5 }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ if eq . 3 }}{{ break }}{{ end }}{{ . }}{{ end }}')).toBe('02');
    expect(run('{{ $n := 0 }}{{ range .Alerts }}{{ $n = len .Labels }}{{ end }}{{ $n }} {{ $.Status }}')).toBe('4 firing');
    expect(run('a  {{- /* comment */ -}}  b {{- " c " -}} d')).toBe('ab c d');
  });

  it('has pipelines, parentheses, and the built-in and Alertmanager functions', () => {
    expect(run('{{ .Status | toUpper | printf "%s!" }} {{ printf "%d/%05.1f/%q/%v/%x" 3 2.5 "a" true 255 }}')).toBe('FIRING! 3/002.5/"a"/true/ff');
    expect(run('{{ title "hello wide world" }} {{ toLower "ABC" }} {{ trimSpace "  x  " }} {{ join "," (stringSlice "a" "b") }}')).toBe('Hello Wide World abc x a,b');
    expect(run('{{ reReplaceAll "(\\\\w+)@(\\\\w+)" "${2}:$1" "joe@host x" }} {{ match "^a.c$" "abc" }} {{ match "b" "xyz" }}')).toBe('host:joe x true false');
    expect(run('{{ and 1 0 "x" }} {{ or 0 "" "y" }} {{ not true }} {{ and .Status (len .Alerts) }}')).toBe('0 y false 2');
    expect(run('{{ index (stringSlice "a" "b") 1 }} {{ slice "abcdef" 1 3 }} {{ len "héllo" }} {{ print 1 2 "x" 3 }}')).toBe('b bc 6 1 2x3');
    expect(run('{{ lt 1 2 }} {{ ge "b" "a" }} {{ ne .Status "firing" }} {{ eq 2 1 2 }}')).toBe('true true false true');
    expect(run('{{ humanize 1234567 }} {{ humanize1024 2048 }} {{ humanizePercentage 0.1234 }} {{ humanizeDuration 3661 }}')).toBe('1.235M 2ki 12.34% 1h 1m 1s');
    expect(run('{{ html "<a&b>" }} {{ urlquery "a b&c" }} {{ js "it\'s" }}')).toBe("&lt;a&amp;b&gt; a+b%26c it\\'s");
  });

  it('uses RE2: patterns JavaScript would backtrack on run in linear time, lookarounds are refused', () => {
    const long = 'a'.repeat(5000) + '!';
    expect(run(`{{ match "(a+)+b" "${long}" }}`)).toBe('false');
    expect(() => run('{{ match "a(?=b)" "ab" }}')).toThrow(/invalid regular expression/);
  });

  it('lets tenant files add and redefine templates', () => {
    const set = templatesFor({
      'b.tmpl': '{{ define "__subject" }}custom {{ .Status }}{{ end }}',
      'a.tmpl': '{{ define "mine" }}{{ range .Alerts }}<{{ .Labels.instance }}>{{ end }}{{ end }}',
    });
    expect(set.execute('{{ template "mine" . }}', data)).toBe('<a><b>');
    expect(set.execute('{{ template "slack.default.title" . }}', data)).toBe('custom firing');
    expect(templatesFor({}).execute('{{ template "__subject" . }}', data)).toBe('[FIRING:1] HighLatency (api page)');
  });
});

describe('templates are user input', () => {
  it('reports syntax errors with template name, line and column', () => {
    const err = (() => {
      try {
        NotificationTemplates.create({ 'x.tmpl': '{{ define "a" }}\nok {{ .Foo \n' });
      } catch (e) {
        return e;
      }
    })() as TemplateSyntaxError;
    expect(err).toBeInstanceOf(TemplateSyntaxError);
    expect(err.message).toMatch(/^template: x\.tmpl:2:4: /);
    expect(() => run('{{ if .Status }}x')).toThrow(/unexpected EOF/);
    expect(() => run('{{ end }}')).toThrow(/text:1:1: unexpected \{\{end\}\}/);
    expect(() => run('{{ nosuch 1 }}')).toThrow(/function "nosuch" not defined/);
    expect(() => run('{{ break }}')).toThrow(/outside \{\{range\}\}/);
  });

  it('reports execution errors with position', () => {
    try {
      run('line1\n  {{ .Alerts.Nope }}');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateExecError);
      expect((e as Error).message).toBe("template: text:2:6: can't evaluate field Nope in type template.Alerts");
    }
    expect(() => run('{{ index .Alerts 5 }}')).toThrow(/index out of range: 5/);
    expect(() => run('{{ eq .CommonLabels.missing "x" }}')).toThrow(/invalid type for comparison/);
    expect(() => run('{{ template "nope" }}')).toThrow(/no template "nope"/);
  });

  it('bounds recursion, loops and output size', () => {
    const rec = templatesFor({ 'r.tmpl': '{{ define "loop" }}x{{ template "loop" . }}{{ end }}' });
    expect(() => rec.execute('{{ template "loop" . }}', {})).toThrow(/exceeded maximum template depth/);
    const big = NotificationTemplates.create({}, { maxOutputChars: 1000 });
    expect(() => big.execute('{{ range 2000 }}x{{ end }}', {})).toThrow(/output is larger than 1000 characters/);
    const slow = NotificationTemplates.create({}, { maxSteps: 10_000 });
    expect(() => slow.execute('{{ range 100000 }}{{ end }}', {})).toThrow(/execution stopped after 10000 steps/);
    const fan = templatesFor({ 'f.tmpl': '{{ define "f" }}{{ range 50 }}{{ template "g" }}{{ end }}{{ end }}{{ define "g" }}{{ range 50 }}{{ range 50 }}{{ range 50 }}{{ end }}{{ end }}{{ end }}{{ end }}' });
    expect(() => fan.execute('{{ template "f" }}', {})).toThrow(/execution stopped/);
  });

  it('validates template files at upload with a path per file', () => {
    expect(() => validateTemplateFiles({ 'ok.tmpl': '{{ define "a" }}{{ end }}' })).not.toThrow();
    try {
      validateTemplateFiles({ 'ok.tmpl': '', 'bad.tmpl': 'x\n{{ if }}' });
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues).toEqual([{ path: 'template_files.bad.tmpl', message: 'line 2, column 1: missing value for if' }]);
    }
  });
});
