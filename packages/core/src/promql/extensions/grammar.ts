/**
 * The PromQL grammar (Prometheus' Lezer grammar) only knows Prometheus' function names. The text
 * the grammar sees calls `label_replace` instead of an extension function, padded with spaces to
 * the same length so every position stays right; the converter reads the real name from the
 * original text with extensionNameAt.
 */
const EXTENSION_CALL_RE = /(?<![A-Za-z0-9_:])(anomaly_score|forecast_breach_probability|forecast_drop_probability)(?=\s*\()/g;
const STAND_IN = 'label_replace';

export function extensionsForGrammar(text: string): string {
  if (!text.includes('anomaly_score') && !text.includes('forecast_')) return text;
  return text.replace(EXTENSION_CALL_RE, (name) => STAND_IN + ' '.repeat(name.length - STAND_IN.length));
}

const NAME_AT_RE = /(anomaly_score|forecast_breach_probability|forecast_drop_probability)(?![A-Za-z0-9_:])/y;

/** The extension function name written at `from` in the original text, if one is. */
export function extensionNameAt(text: string, from: number): string | undefined {
  NAME_AT_RE.lastIndex = from;
  return NAME_AT_RE.exec(text)?.[1];
}
