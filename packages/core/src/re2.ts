import type * as Re2 from 're2js';
import { lazy } from './lazy';

/**
 * re2js, required on the first regex compiled: it builds its Unicode tables as it loads (about
 * 10 ms), which a function would otherwise pay at every cold start whether it matches a regex or not.
 */
export const re2js = lazy(() => require('re2js') as typeof Re2);
