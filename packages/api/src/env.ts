import type { Principal } from '@vigil/core';

/** Hono variables every route can read once auth has run. */
export interface ApiEnv {
  Variables: {
    principal: Principal;
  };
}

