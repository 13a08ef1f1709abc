/**
 * A tenant's configuration must never make the server read its own files (credentials, TLS keys,
 * URLs kept on disk). Mimir refuses these fields; so do we, wherever they appear — including
 * inside the loosely typed receiver kinds.
 */
import { formatPath, type Issue } from '../../errors';

export function findFileFields(value: unknown, path: PropertyKey[] = [], out: Issue[] = []): Issue[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => findFileFields(v, [...path, i], out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.endsWith('_file') || k.endsWith('_files')) {
        out.push({ path: formatPath([...path, k]), message: `${k} is not allowed in a tenant configuration` });
      } else {
        findFileFields(v, [...path, k], out);
      }
    }
  }
  return out;
}
