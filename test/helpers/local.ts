import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, silentLogger } from '@vigil/core';
import { startLocal, type LocalOptions, type LocalRuntime } from '@vigil/adapter-local';

export const ADMIN_KEY = 'test-admin-key';

export function tempDir(prefix = 'vigil-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A local runtime on a random port, driven by hand: a ManualClock, no background workers. */
export async function startManual(dataDir: string, clock: ManualClock, options: Partial<LocalOptions> = {}): Promise<LocalRuntime> {
  return startLocal({
    dataDir,
    port: 0,
    apiKey: ADMIN_KEY,
    clock,
    logger: silentLogger,
    background: false,
    outboundAllow: '127.0.0.1/32',
    ...options,
  });
}

/** A small HTTP client for the API under test. */
export function client(baseUrl: string, key = ADMIN_KEY, headers: Record<string, string> = {}) {
  const call = async (method: string, path: string, body?: string | object, contentType?: string) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': contentType ?? (typeof body === 'string' ? 'application/yaml' : 'application/json') } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: string | object, contentType?: string) => call('POST', path, body, contentType),
    delete: (path: string) => call('DELETE', path),
  };
}
