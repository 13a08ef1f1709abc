import { dirname, join } from 'node:path';
import type { OnResolveArgs, OnResolveResult, Plugin } from 'esbuild';

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
 * Node built-ins that take milliseconds to load (node:http and node:https alone about 14 ms,
 * node:crypto 7 ms) and that no handler needs before its first message: loaded on first use
 * when a module imports them with an `import` statement. `require()` calls (bundled CommonJS
 * packages) get the real module, which they may call, subclass or enumerate; so does any import
 * of `node:stream`, whose module is itself a class (see the shim below).
 */
export const LAZY_BUILTINS = /^node:(crypto|dns|http|https|net|stream\/promises|stream\/web|tls|zlib)$/;

/**
 * Keeps the packages matching `pattern` external and loads each on first use instead of at
 * module load. Requiring the three AWS SDK clients costs more than loading the rest of a bundle,
 * and no handler needs them before its first message. Each import resolves to a tiny CommonJS
 * module whose exports object inherits from a proxy: esbuild's ES-module interop copies a
 * module's own properties only, so bundled code reads `sdk.SendMessageCommand` through the proxy
 * where it uses it, and the real `require` runs then. A default import of a Node built-in reads
 * the same way (`http.request`); the shim is an object, so a module that is itself a function
 * cannot go through it.
 */
export function lazyExternal(pattern: RegExp = LAZY_EXTERNAL, builtins: RegExp = LAZY_BUILTINS): Plugin {
  return {
    name: 'lazy-external',
    setup(build) {
      const shim = (args: OnResolveArgs): OnResolveResult => ({ path: args.path, namespace: 'lazy-external', pluginData: { resolveDir: args.resolveDir } });
      build.onResolve({ filter: pattern }, (args) => {
        // The shim's own require is the real, external one.
        if (args.namespace === 'lazy-external') return { path: args.path, external: true };
        return shim(args);
      });
      build.onResolve({ filter: builtins }, (args) => {
        if (args.namespace === 'lazy-external') return { path: args.path, external: true };
        return args.kind === 'import-statement' ? shim(args) : undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-external' }, (args) => ({
        contents: [
          'let loaded;',
          `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
          'module.exports = Object.create(new Proxy({}, {',
          "  get: (_, name) => (name === '__esModule' ? true : name === 'default' && !load().__esModule ? load() : load()[name]),",
          '}));',
        ].join('\n'),
        loader: 'js',
        resolveDir: (args.pluginData as { resolveDir: string }).resolveDir,
      }));
    },
  };
}

/** The plugins every function bundle is built with (bundle.ts, serverless-esbuild, the CDK app). */
export const bundlePlugins = (): Plugin[] => [zodEnglishOnly, lazyExternal()];
