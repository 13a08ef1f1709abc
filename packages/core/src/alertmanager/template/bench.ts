/**
 * Rendering cost of the default notification templates: `npx tsx packages/core/src/alertmanager/template/bench.ts`.
 * Prints renders per second and the mean time per render for groups of 2, 100 and 1000 alerts.
 */
import { buildTemplateData, NotificationTemplates } from '.';

const templates = NotificationTemplates.create();
const now = Date.now();

function group(n: number) {
  return buildTemplateData({
    receiver: 'bench',
    groupLabels: { alertname: 'HighLatency' },
    externalURL: 'http://vigil.example/alertmanager',
    now,
    alerts: Array.from({ length: n }, (_, i) => ({
      labels: { alertname: 'HighLatency', job: 'api', instance: `host-${i}`, severity: 'page' },
      annotations: { summary: `p99 latency high on host-${i}`, runbook: 'https://runbooks.example/latency' },
      startsAt: now - 600_000,
      endsAt: i % 4 === 0 ? now - 1000 : now + 300_000,
      generatorURL: 'http://prom/graph?g0.expr=x',
    })),
  });
}

const cases: [string, string, boolean][] = [
  ['__subject', '{{ template "__subject" . }}', false],
  ['opsgenie.default.description', '{{ template "opsgenie.default.description" . }}', false],
  ['msteams.default.text', '{{ template "msteams.default.text" . }}', false],
  ['email.default.html', '{{ template "email.default.html" . }}', true],
];

for (const size of [2, 100, 1000]) {
  const data = group(size);
  for (const [name, text, html] of cases) {
    let out = '';
    const warm = Date.now();
    while (Date.now() - warm < 100) out = templates.execute(text, data, { html });
    let runs = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 500) {
      out = templates.execute(text, data, { html });
      runs++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    console.log(`${String(size).padStart(5)} alerts  ${name.padEnd(30)} ${(runs / (elapsed / 1000)).toFixed(0).padStart(8)} renders/s  ${((elapsed / runs) * 1000).toFixed(1).padStart(9)} µs/render  ${out.length} chars`);
  }
}
