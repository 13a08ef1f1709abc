import { otlp, remoteWrite } from '@vigil/core';

/** One benchmark request in every format, carrying the same samples. */
export interface Payloads {
  json: string;
  remoteWrite: Uint8Array;
  otlp: Uint8Array;
  samples: number;
}

/**
 * The shape Prometheus itself sends: many series, one sample each, one request per scrape
 * round (timestamp `t`). `perSeries` > 1 packs several consecutive samples per series, `stepMs`
 * apart in all. `row` (when given) is a label of every series, so separate runs write separate
 * series.
 */
export function buildPayloads(samples: number, perSeries: number, t: number, stepMs = 15_000, row?: string): Payloads {
  const seriesCount = Math.max(1, Math.floor(samples / perSeries));
  const series = Array.from({ length: seriesCount }, (_, i) => ({
    labels: { __name__: 'bench_metric', job: 'bench', instance: `host-${i % 100}`, series: String(i), ...(row === undefined ? {} : { row }) },
    samples: Array.from({ length: perSeries }, (_, k) => ({ t: t + k * (stepMs / perSeries), v: (i * 7 + k) % 1000 })),
  }));
  const json = JSON.stringify({
    samples: series.flatMap((s) => s.samples.map((p) => ({ metric: 'bench_metric', labels: { job: 'bench', instance: s.labels.instance, series: s.labels.series, ...(row === undefined ? {} : { row }) }, value: p.v, timestamp: p.t }))),
  });
  const request = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'bench.metric',
                gauge: {
                  dataPoints: series.flatMap((s) =>
                    s.samples.map((p) => ({
                      timeUnixNano: (BigInt(Math.round(p.t)) * 1_000_000n).toString(),
                      asDouble: p.v,
                      attributes: [
                        { key: 'host', value: { stringValue: s.labels.instance } },
                        { key: 'series', value: { stringValue: s.labels.series } },
                        ...(row === undefined ? [] : [{ key: 'row', value: { stringValue: row } }]),
                      ],
                    })),
                  ),
                },
              },
            ],
          },
        ],
      },
    ],
  };
  return {
    json,
    remoteWrite: remoteWrite.encodeRemoteWrite(series),
    otlp: otlp.exportRequestType().encode(otlp.exportRequestType().fromObject(request)).finish(),
    samples: seriesCount * perSeries,
  };
}
