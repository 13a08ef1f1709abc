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
  /**
   * For destinations reached over other protocols (SMTP): resolves the host once and checks
   * every address against the outbound policy; returns the address to connect to. Throws a
   * refusal when the policy denies it. Clients without it cannot vouch for non-HTTP targets.
   */
  checkDestination?(hostname: string): Promise<{ address: string; family: 4 | 6 }>;
}
