import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Alerts, GoTime, KV, NotificationTemplates, templatesFor, type TemplateData } from '.';

/**
 * Side by side with Alertmanager 0.25: `amtool template render` executes templates with Go's
 * text/template and amtool's example data; Vigil executes the same text against the same data.
 * First Alertmanager's own template files run through Vigil's engine, then Vigil's default
 * templates are compared with Alertmanager's for the names whose output is meant to match.
 */
const AM_TEMPLATES = '/usr/share/prometheus/alertmanager';

function amtoolPath(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v amtool'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('amtool is not installed: install the prometheus-alertmanager package (test/setup/ensure-tools.sh)');
  }
}

const amtool = amtoolPath();
if (!existsSync(join(AM_TEMPLATES, 'default.tmpl'))) throw new Error(`${AM_TEMPLATES}/default.tmpl is missing: install the prometheus-alertmanager package`);
const files: Record<string, string> = Object.fromEntries(
  readdirSync(AM_TEMPLATES)
    .filter((f) => f.endsWith('.tmpl'))
    .map((f) => [f, readFileSync(join(AM_TEMPLATES, f), 'utf8')]),
);

const render = (text: string) => execFileSync(amtool, ['template', 'render', `--template.glob=${AM_TEMPLATES}/*.tmpl`, `--template.text=${text}`], { encoding: 'utf8' });
const SEP = '\n=====\n';
/** Renders many calls in one amtool run (each run costs a process start). */
const renderAll = (calls: string[]) => render(calls.join(SEP)).split(SEP);

/** amtool's example data (cli/template_render.go), rebuilt with Vigil's template values. */
const common = { commonlabelkey1: 'commonlabelvalue1', commonlabelkey2: 'commonlabelvalue2' };
const commonAnn = { commonannotationkey1: 'commonannotationvalue1', commonannotationkey2: 'commonannotationvalue2' };
const now = Date.now();
const data: TemplateData = {
  Receiver: 'receiver',
  Status: 'alertstatus' as 'firing',
  Alerts: Alerts.from2([
    {
      Status: 'alertstatus' as 'firing',
      Labels: new KV({ label1: 'value1', label2: 'value2', instance: 'foo.bar:1234', ...common }),
      Annotations: new KV({ annotation1: 'value1', annotation2: 'value2', ...commonAnn }),
      StartsAt: new GoTime(now - 300_000),
      EndsAt: new GoTime(now),
      GeneratorURL: 'https://generatorurl.com',
      Fingerprint: 'fingerprint1',
    },
    {
      Status: 'alertstatus' as 'firing',
      Labels: new KV({ foo: 'bar', baz: 'qux', ...common }),
      Annotations: new KV({ aaa: 'bbb', ccc: 'ddd', ...commonAnn }),
      StartsAt: new GoTime(now - 600_000),
      EndsAt: new GoTime(now),
      GeneratorURL: 'https://generatorurl.com',
      Fingerprint: 'fingerprint2',
    },
  ]),
  GroupLabels: new KV({ grouplabelkey1: 'grouplabelvalue1', grouplabelkey2: 'grouplabelvalue2' }),
  CommonLabels: new KV(common),
  CommonAnnotations: new KV(commonAnn),
  ExternalURL: 'https://example.com',
};

/** How each template is called: lists of alerts get `.Alerts`, the rest the whole data. */
const call = (name: string) => (/alert_list|instances/.test(name) ? `{{ template "${name}" .Alerts }}` : `{{ template "${name}" . }}`);

describe("notification templates side by side with Alertmanager's amtool", () => {
  const names = [...new Set(Object.values(files).flatMap((src) => [...src.matchAll(/\{\{-? *define "([^"]+)"/g)].map((m) => m[1]!)))].sort();

  it("runs every template of Alertmanager's own files to the same output", () => {
    expect(names.length).toBeGreaterThan(30);
    const vigil = templatesFor(files);
    const theirs = renderAll(names.map(call));
    expect(theirs).toHaveLength(names.length);
    const mismatches = names.filter((name, i) => vigil.execute(call(name), data) !== theirs[i]);
    expect(mismatches).toEqual([]);
  });

  it("renders Vigil's default templates as Alertmanager's, except the product name", () => {
    const own = NotificationTemplates.create();
    const same = names.filter((n) => own.has(n) && !['__alertmanager', 'slack.default.username', 'pagerduty.default.client', 'email.default.html'].includes(n) && !n.startsWith('msteams'));
    expect(same).toEqual(expect.arrayContaining(['__subject', '__text_alert_list', 'slack.default.title', 'slack.default.fallback', 'pagerduty.default.description', 'pagerduty.default.instances', 'opsgenie.default.description', 'sns.default.message', 'email.default.subject']));
    const theirs = renderAll(same.map(call));
    same.forEach((name, i) => expect([name, own.execute(call(name), data)]).toEqual([name, theirs[i]]));
    expect(own.execute(call('__alertmanager'), data)).toBe('Vigil');
  });
});
