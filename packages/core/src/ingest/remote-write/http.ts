import { IngestProtocolError } from '../errors';

/** Remote write 1.0 protocol versions Vigil accepts in `X-Prometheus-Remote-Write-Version`. */
const ACCEPTED_VERSION = /^(0\.1|1)(\.\d+)*$/;

/**
 * Header checks of a remote-write request, as Prometheus' own receiver does them: 415 for a
 * content type or encoding it cannot read, so the sender sees a configuration problem rather
 * than retrying. Older senders omit Content-Type and Content-Encoding; those are read as 1.0/snappy.
 */
export function checkRemoteWriteHeaders(headers: { get(name: string): string | null | undefined }): void {
  const contentType = headers.get('content-type');
  if (contentType) {
    const [mediaType, ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
    if (mediaType !== 'application/x-protobuf') {
      throw new IngestProtocolError(415, `unsupported Content-Type ${JSON.stringify(contentType)}: remote write needs application/x-protobuf`);
    }
    const proto = params.find((p) => p.startsWith('proto='))?.slice('proto='.length);
    if (proto !== undefined && proto !== 'prometheus.writerequest') {
      throw new IngestProtocolError(415, `unsupported remote write message ${JSON.stringify(proto)}: only prometheus.WriteRequest (remote write 1.0) is accepted`);
    }
  }
  const encoding = headers.get('content-encoding');
  if (encoding && encoding.trim().toLowerCase() !== 'snappy') {
    throw new IngestProtocolError(415, `unsupported Content-Encoding ${JSON.stringify(encoding)}: remote write bodies are snappy-compressed`);
  }
  const version = headers.get('x-prometheus-remote-write-version');
  if (version && !ACCEPTED_VERSION.test(version.trim())) {
    throw new IngestProtocolError(415, `unsupported X-Prometheus-Remote-Write-Version ${JSON.stringify(version)}: Vigil speaks remote write 1.0`);
  }
}
