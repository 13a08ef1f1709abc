import { driftMessageSchema } from '@vigil/events';
import * as drift from '@vigil/fn-drift-detect';
import { tickHandler } from './tick';

/** EventBridge schedule → drift-detect.handle (drift statistics against each target's reference window). */
export const handler = tickHandler('drift-detect', driftMessageSchema, drift.handle);
