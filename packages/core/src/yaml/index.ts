import type * as Yaml from 'yaml';
import type { Document } from 'yaml';
import { ValidationError } from '../errors';
import { lazy } from '../lazy';

/**
 * The yaml package, required on first use: its modules take 5–10 ms to initialise at load, and
 * functions read or print YAML on some paths only (uploads, listings, configuration changes).
 */
export const yamlLib = lazy(() => require('yaml') as typeof Yaml);

export interface SafeYamlOptions {
  maxBytes?: number;
  maxAliases?: number;
  maxDepth?: number;
}

/**
 * Parses YAML supplied by users (rule groups, Alertmanager configs) as plain data:
 * core schema only, no custom or language tags, bounded aliases, depth and size.
 * Every problem becomes a ValidationError with line and column.
 */
export function parseUserYaml(text: string, options: SafeYamlOptions = {}): unknown {
  const { maxBytes = 5 * 1024 * 1024, maxAliases = 100, maxDepth = 64 } = options;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw ValidationError.single('', `YAML document exceeds ${maxBytes} bytes`, 413);
  }
  const { parseDocument, isAlias, isMap, isSeq, visit } = yamlLib();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, strict: true, customTags: [] });
  } catch (err) {
    throw ValidationError.single('', `invalid YAML: ${(err as Error).message}`);
  }
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new ValidationError(
      problems.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        message: `invalid YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  let aliases = 0;
  let tooDeep = false;
  visit(doc, (_key, node, path) => {
    if (isAlias(node)) aliases++;
    if ((isMap(node) || isSeq(node)) && path.length > maxDepth * 2) tooDeep = true;
    if (node && typeof node === 'object' && 'tag' in node && typeof node.tag === 'string' && !node.tag.startsWith('tag:yaml.org,2002:')) {
      throw ValidationError.single('', `YAML tag ${node.tag} is not allowed`);
    }
  });
  if (aliases > maxAliases) throw ValidationError.single('', `YAML has ${aliases} aliases; at most ${maxAliases} are allowed`);
  if (tooDeep) throw ValidationError.single('', `YAML nests deeper than ${maxDepth} levels`);
  try {
    return doc.toJS({ maxAliasCount: maxAliases });
  } catch (err) {
    throw ValidationError.single('', `invalid YAML: ${(err as Error).message}`);
  }
}
