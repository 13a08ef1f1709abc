/**
 * An ingest protocol error that is not about the data itself (content type, encoding, version):
 * carries its HTTP status so every adapter answers the same.
 */
export class IngestProtocolError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'IngestProtocolError';
  }
}
