import { MetricsRegistry } from '.';

describe('MetricsRegistry', () => {
  it('counts per label set and renders the Prometheus text format', () => {
    const lines: string[] = [];
    const r = new MetricsRegistry();
    r.logTo({ debug: (msg, f) => lines.push(`${msg} ${JSON.stringify(f)}`), info() {}, warn() {}, error() {} });
    const c = r.counter('vigil_notifications_total', 'Notifications attempted.');
    c.inc({ integration: 'slack' });
    c.inc({ integration: 'slack' }, 2);
    c.inc({ integration: 'email"x' });
    expect(r.counter('vigil_notifications_total', 'again')).toBe(c);
    expect(c.get({ integration: 'slack' })).toBe(3);
    expect(c.get({ integration: 'sns' })).toBe(0);
    expect(r.toPrometheusText()).toBe(
      '# HELP vigil_notifications_total Notifications attempted.\n# TYPE vigil_notifications_total counter\nvigil_notifications_total{integration="slack"} 3\nvigil_notifications_total{integration="email\\"x"} 1\n',
    );
    expect(lines[1]).toBe('metric {"metric":"vigil_notifications_total","labels":{"integration":"slack"},"by":2}');
  });
});
