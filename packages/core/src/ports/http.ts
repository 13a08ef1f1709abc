/** Outbound HTTP for channels and heal actions. Implementations enforce the SSRF policy. */
export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpClient {
  /** One attempt; throws on network errors, timeouts and refused destinations. */
  request(req: HttpRequest): Promise<HttpResponse>;
}
