/**
 * A value built on first use and kept: `lazy(build)` returns a getter that runs `build` once.
 *
 * Why: a function's cold start (Lambda's Init) runs the top level of every module in its bundle.
 * Work that only some calls need — loading a dependency whose modules are costly to initialise
 * (`require` inside `build`, which esbuild turns into a deferred module init), building tables —
 * goes behind `lazy` so that it happens on the first call that needs it instead. zod schemas use
 * zod's own `z.lazy` for the same purpose, which keeps them schemas.
 */
export function lazy<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}
