import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface BundleOptions {
  /** Packages left out of the bundle (provided by the runtime, or installed from package.json). */
  external?: string[];
}

/**
 * Bundles one entry point into a self-contained CommonJS file for a Node.js 22 function
 * runtime. ESM-only dependencies that read `import.meta.url` get the bundle's own file URL.
 */
export async function bundle(entry: string, outfile: string, options: BundleOptions = {}): Promise<string[]> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    external: options.external ?? [],
    banner: { js: "const __bundle_import_meta_url = require('url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__bundle_import_meta_url' },
    logLevel: 'silent',
    legalComments: 'none',
  });
  return [outfile, `${outfile}.map`];
}

/** The versions the repository's lock resolved, for dependencies a deployed package installs itself. */
export function lockedVersions(root: string, names: string[]): Record<string, string> {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  return Object.fromEntries(names.map((n) => [n, lock.packages[`node_modules/${n}`]?.version ?? '*']));
}

export function writePackageJson(dir: string, main: string, dependencies: Record<string, string> = {}): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'package.json');
  writeFileSync(path, JSON.stringify({ name: 'vigil-functions', private: true, main, engines: { node: '>=22' }, dependencies }, null, 2) + '\n');
  return path;
}
