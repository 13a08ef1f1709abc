import { gunzipSync } from 'node:zlib';
import { ValidationError } from '../../errors';
import { IngestProtocolError } from '../errors';
import { exportRequestType, exportResponseType, statusType, type ExportRequest } from './proto';

export type OtlpFormat = 'protobuf' | 'json';

/** Bound on a gunzipped body (a gzip bomb expands ~1000×). */
export const MAX_OTLP_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/** The request's encoding from its Content-Type; 415 for anything OTLP/HTTP does not define. */
export function otlpFormat(contentType: string | null | undefined): OtlpFormat {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === 'application/x-protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  throw new IngestProtocolError(415, `unsupported Content-Type ${JSON.stringify(contentType ?? '')}: OTLP/HTTP needs application/x-protobuf or application/json`);
}

/** Undoes `Content-Encoding: gzip` (the only compression OTLP/HTTP exporters use). */
export function otlpBody(body: Uint8Array, contentEncoding: string | null | undefined, maxBytes = MAX_OTLP_DECOMPRESSED_BYTES): Uint8Array {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (encoding !== 'gzip') throw new IngestProtocolError(415, `unsupported Content-Encoding ${JSON.stringify(contentEncoding)}: OTLP/HTTP bodies are plain or gzip`);
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new IngestProtocolError(413, `gunzipped body is larger than ${maxBytes} bytes`);
    throw ValidationError.single('', `corrupt gzip data: ${(err as Error).message}`);
  }
}

/**
 * Decodes an ExportMetricsServiceRequest. JSON follows the OTLP/JSON mapping (lowerCamelCase
 * names, 64-bit integers as decimal strings or numbers, enums as integers); unknown fields are
 * ignored, as the OTLP specification asks of receivers.
 */
export function decodeOtlp(body: Uint8Array, format: OtlpFormat): ExportRequest {
  if (format === 'protobuf') {
    try {
      // From a Buffer (a view, no copy) protobufjs decodes strings with Node's native UTF-8 decoder.
      const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      return exportRequestType().decode(bytes) as unknown as ExportRequest;
    } catch (err) {
      throw ValidationError.single('', `malformed protobuf ExportMetricsServiceRequest: ${(err as Error).message}`);
    }
  }
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(quoteLongIntegers(text));
  } catch (err) {
    throw ValidationError.single('', `malformed JSON: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw ValidationError.single('', 'body must be a JSON object (ExportMetricsServiceRequest)');
  try {
    return exportRequestType().fromObject(json as Record<string, unknown>) as unknown as ExportRequest;
  } catch (err) {
    throw ValidationError.single('', `invalid ExportMetricsServiceRequest: ${(err as Error).message}`);
  }
}

/** A long integer literal after `:`, `,` or `[`, maybe a bare one (or such text inside a string). */
const BARE_LONG_INTEGER = /[:,[]\s*-?\d{16}/;
/**
 * A JSON string, or an integer literal of 16 or more digits outside strings (digits of a
 * fraction or an exponent excluded): such a literal may exceed 2^53.
 */
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/**
 * JSON.parse rounds integer literals above 2^53 (epoch nanoseconds, large counts) to the nearest
 * double before any field mapping could see them. The OTLP/JSON mapping accepts every number
 * field as a decimal string too, so long literals are quoted first and decoded exactly as int64.
 */
function quoteLongIntegers(text: string): string {
  // Exporters send int64 as strings (the mapping's canonical form): skip the rewrite, whose
  // callback per string costs several times JSON.parse, unless a bare long literal may be there.
  if (!BARE_LONG_INTEGER.test(text)) return text;
  return text.replace(STRING_OR_LONG_INTEGER, (m) => (m.charCodeAt(0) === 0x22 ? m : `"${m}"`));
}

/** ExportMetricsServiceResponse: empty when everything was accepted, else partial_success. */
export function encodeOtlpResponse(format: OtlpFormat, rejected: number, message: string): { body: Uint8Array | string; contentType: string } {
  const value = rejected > 0 || message !== '' ? { partialSuccess: { rejectedDataPoints: rejected, errorMessage: message } } : {};
  if (format === 'json') {
    const json = rejected > 0 || message !== '' ? { partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: message } } : {};
    return { body: JSON.stringify(json), contentType: 'application/json' };
  }
  return { body: exportResponseType().encode(exportResponseType().fromObject(value)).finish(), contentType: 'application/x-protobuf' };
}

/** google.rpc.Status codes used in OTLP error bodies. */
export const RPC_CODES = { invalidArgument: 3, resourceExhausted: 8, internal: 13, unavailable: 14 } as const;

export function encodeOtlpStatus(format: OtlpFormat, code: number, message: string): { body: Uint8Array | string; contentType: string } {
  if (format === 'json') return { body: JSON.stringify({ code, message }), contentType: 'application/json' };
  return { body: statusType().encode(statusType().fromObject({ code, message })).finish(), contentType: 'application/x-protobuf' };
}
