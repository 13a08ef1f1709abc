import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * zod's `z` namespace re-exports every message locale (`z.locales.*`, about 260 kB minified),
 * and a namespace that is used as a value keeps all it exports in the bundle. Vigil only ever
 * uses the English messages zod configures by default, so the bundles get a `locales` module
 * holding `en` alone; everything else in zod is untouched.
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir) ? { path: join(dirname(args.resolveDir), 'locales', 'index.js'), namespace: 'zod-english-only' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/** Packages the Lambda runtime provides (AWS SDK v3): external, and required on first use. */
export const LAZY_EXTERNAL = /^@aws-sdk\//;

/**
 * Keeps the packages matching `pattern` external and loads each on first use instead of at
 * module load. Requiring the three AWS SDK clients costs more than loading the rest of a bundle,
 * and no handler needs them before its first message. Each import resolves to a small CommonJS
 * module with one getter per export of the real package (names read here, at build time):
 * bundled code reads `sdk.SendMessageCommand` where it uses it, so the real `require` runs then.
 */
export function lazyExternal(pattern: RegExp = LAZY_EXTERNAL): Plugin {
  return {
    name: 'lazy-external',
    setup(build) {
      build.onResolve({ filter: pattern }, (args) => {
        // The shim's own require is the real, external one.
        if (args.namespace === 'lazy-external') return { path: args.path, external: true };
        return { path: args.path, namespace: 'lazy-external', pluginData: { resolveDir: args.resolveDir } };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-external' }, (args) => {
        const from = createRequire(join((args.pluginData as { resolveDir: string }).resolveDir, 'index.js'));
        const names = Object.keys(from(args.path) as object).filter((n) => n !== '__esModule' && n !== 'default');
        const id = JSON.stringify(args.path);
        return {
          contents: [
            'let loaded;',
            `const load = () => (loaded ??= require(${id}));`,
            'Object.defineProperty(exports, "__esModule", { value: true });',
            `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
          ].join('\n'),
          loader: 'js',
          resolveDir: (args.pluginData as { resolveDir: string }).resolveDir,
        };
      });
    },
  };
}

/** The plugins every function bundle is built with (bundle.ts, serverless-esbuild, the CDK app). */
export const bundlePlugins = (): Plugin[] => [zodEnglishOnly, lazyExternal()];
