import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StateStore } from '../ports';

/** Scopes an API key may carry (DESIGN: tenancy and auth). */
export const SCOPES = ['rules:read', 'rules:write', 'rules:delete', 'metrics:write', 'metrics:read', 'alerts:read', 'alerts:write', 'silences:write', 'config:read', 'config:write', 'admin:all'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyRecord {
  tenant: string;
  scopes: Scope[];
  name: string;
  createdAt: number;
}

export interface Principal {
  /** The tenant the request acts for (the key's own, or X-Scope-OrgID for admin keys). */
  tenant: string;
  keyTenant: string;
  scopes: Scope[];
  keyName: string;
}

export const DEFAULT_TENANT = 'default';
/** Tenant IDs as Mimir accepts them: safe in keys, paths and headers. */
export const TENANT_ID_RE = /^[a-zA-Z0-9!._*'()-]{1,150}$/;

/** Keys are stored only as hashes: a leaked table leaks no key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `vgl_${randomBytes(24).toString('base64url')}`;
}

const pk = (hash: string) => `apikey#${hash}`;

export class ApiKeyRepository {
  private readonly cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();

  constructor(
    private readonly store: StateStore,
    private readonly now: () => number,
    private readonly cacheMs = 30_000,
  ) {}

  async create(key: string, record: ApiKeyRecord): Promise<void> {
    await this.store.put(pk(hashApiKey(key)), 'key', record as never);
    this.cache.delete(hashApiKey(key));
  }

  async lookup(key: string): Promise<ApiKeyRecord | undefined> {
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.until > this.now()) return cached.record;
    const record = (await this.store.get<ApiKeyRecord>(pk(hash), 'key'))?.value;
    this.cache.set(hash, { record, until: this.now() + this.cacheMs });
    return record;
  }

  async revoke(key: string): Promise<void> {
    await this.store.delete(pk(hashApiKey(key)), 'key');
    this.cache.delete(hashApiKey(key));
  }
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin:all') || principal.scopes.includes(scope);
}

/** Constant-time comparison for secrets compared in memory. */
export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
