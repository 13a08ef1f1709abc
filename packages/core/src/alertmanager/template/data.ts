/**
 * Alertmanager's template data (template.Data): what every notification template and every
 * receiver's payload is built from.
 */
import { fingerprint as computeFingerprint } from '../../model/fingerprint';
import type { Labels } from '../../model/labels';
import { Alerts, GoTime, KV, type TemplateAlert } from './values';

export interface TemplateData {
  Receiver: string;
  Status: 'firing' | 'resolved';
  Alerts: Alerts;
  GroupLabels: KV;
  CommonLabels: KV;
  CommonAnnotations: KV;
  ExternalURL: string;
}

export interface DataAlertInput {
  labels: Labels;
  annotations?: Labels;
  startsAt: number;
  /** Epoch ms; at or before `now` means resolved. */
  endsAt?: number;
  generatorURL?: string;
  fingerprint?: string;
}

export interface BuildDataInput {
  receiver: string;
  groupLabels: Labels;
  alerts: ReadonlyArray<DataAlertInput>;
  externalURL: string;
  now: number;
}

/** regexp.QuoteMeta, which Alertmanager applies to the receiver name in template data. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
}

function common(maps: KV[]): KV {
  const first = maps[0];
  if (!first) return new KV({});
  const out: Record<string, string> = { ...first.map };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m.get(k) !== out[k]) delete out[k];
  return new KV(out);
}

export function buildTemplateData(input: BuildDataInput): TemplateData {
  const alerts = Alerts.from2(
    input.alerts.map((a): TemplateAlert => {
      const resolved = a.endsAt !== undefined && a.endsAt > 0 && a.endsAt <= input.now;
      return {
        Status: resolved ? 'resolved' : 'firing',
        Labels: new KV(a.labels),
        Annotations: new KV(a.annotations ?? {}),
        StartsAt: new GoTime(a.startsAt),
        // Alertmanager zeroes the end of alerts that are still firing when it flushes.
        EndsAt: resolved ? new GoTime(a.endsAt!) : GoTime.zero(),
        GeneratorURL: a.generatorURL ?? '',
        Fingerprint: a.fingerprint ?? computeFingerprint(a.labels),
      };
    }),
  );
  return {
    Receiver: quoteMeta(input.receiver),
    Status: alerts.some((a) => a.Status === 'firing') ? 'firing' : 'resolved',
    Alerts: alerts,
    GroupLabels: new KV(input.groupLabels),
    CommonLabels: common(alerts.map((a) => a.Labels)),
    CommonAnnotations: common(alerts.map((a) => a.Annotations)),
    ExternalURL: input.externalURL,
  };
}
