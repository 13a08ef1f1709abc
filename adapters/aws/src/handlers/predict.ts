import { predictMessageSchema } from '@vigil/events';
import * as predict from '@vigil/fn-predict';
import { tickHandler } from './tick';

/**
 * EventBridge schedule → predict.handle: anomaly scores and forecasts through ONNX Runtime.
 * onnxruntime-node and the models ship in its package (docs/DEPLOY.md); the runtime
 * loads at the first tick that has something to score, then stays for the warm instance.
 */
export const handler = tickHandler('predict', predictMessageSchema, predict.handle);
