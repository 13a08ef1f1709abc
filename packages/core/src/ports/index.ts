export * from './store';
export * from './store-support';
export * from './queue';
export * from './clock';
export * from './eventbus';
export * from './logger';
export * from './http';
export * from './model-runner';

import type { StateStore } from './store';
import type { Queue } from './queue';
import type { Clock } from './clock';
import type { EventBus } from './eventbus';
import type { Logger } from './logger';
import type { HttpClient } from './http';

/** Everything a handler may touch outside its own memory. */
export interface Ports {
  store: StateStore;
  queue: Queue;
  events: EventBus;
  clock: Clock;
  http: HttpClient;
  logger: Logger;
}
