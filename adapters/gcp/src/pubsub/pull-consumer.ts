import { v1, type PubSub, type protos } from '@google-cloud/pubsub';
import type { Clock, DeliveredMessage, QueueName, StateStore } from '@vigil/core';
import { admitMessage } from './admit';
import type { PubSubNames } from './names';

export interface PullConsumerOptions {
  projectId: string;
  names: PubSubNames;
  store: StateStore;
  clock: Clock;
  dedupWindowMs?: number;
  /**
   * How long an empty pull is repeated before `receive` gives up, like SQS long polling
   * (Pub/Sub's own blocking pull holds the request for many seconds). Default 0.
   */
  waitMs?: number;
  /** The client whose settings (project, credentials, PUBSUB_EMULATOR_HOST) the subscriber reuses. */
  pubsub: PubSub;
}

/** Pub/Sub's bounds on an ack deadline. */
const MAX_DEADLINE_S = 600;

/**
 * Consumes a queue's subscription by synchronous pull — for workers outside Cloud Functions
 * and for tests — with the same rules as the push trigger: early messages are deferred by
 * moving their ack deadline, duplicates are acknowledged and dropped. A lease is the ack
 * deadline; nack with a delay moves it.
 */
export class PubSubPullConsumer {
  private clientPromise: Promise<v1.SubscriberClient> | undefined;
  /** Latest ack ID of each message received and not yet settled. */
  private readonly ackIds = new Map<string, string>();

  constructor(private readonly options: PullConsumerOptions) {
  }

  private get client(): Promise<v1.SubscriberClient> {
    this.clientPromise ??= this.options.pubsub.getClientConfig().then((config) => new v1.SubscriberClient(config as ConstructorParameters<typeof v1.SubscriberClient>[0]));
    return this.clientPromise;
  }

  async receive(queue: QueueName, max: number, visibilityTimeoutMs: number): Promise<DeliveredMessage[]> {
    const subscription = this.subscriptionPath(this.options.names.subscription(queue));
    const batch = await this.pull(subscription, max);
    const out: DeliveredMessage[] = [];
    for (const received of batch) {
      const ackId = received.ackId ?? '';
      const m = received.message ?? {};
      const admission = await admitMessage(
        {
          id: m.messageId ?? '',
          data: Buffer.from(m.data ?? ''),
          attributes: (m.attributes ?? {}) as Record<string, string>,
          deliveryAttempt: received.deliveryAttempt ?? 1,
        },
        this.options.names.topic(queue),
        { queue, store: this.options.store, clock: this.options.clock, dedupWindowMs: this.options.dedupWindowMs },
      );
      if (admission.kind === 'duplicate') {
        await (await this.client).acknowledge({ subscription, ackIds: [ackId] });
      } else if (admission.kind === 'defer') {
        await this.modify(subscription, ackId, admission.delayMs);
      } else {
        this.ackIds.set(admission.message.id, ackId);
        await this.modify(subscription, ackId, visibilityTimeoutMs);
        out.push(admission.message);
      }
    }
    return out;
  }

  async ack(queue: QueueName, id: string): Promise<void> {
    const ackId = this.ackIds.get(id);
    if (ackId === undefined) return;
    this.ackIds.delete(id);
    await (await this.client).acknowledge({ subscription: this.subscriptionPath(this.options.names.subscription(queue)), ackIds: [ackId] });
  }

  /** Gives the message back; Pub/Sub redelivers it after `delayMs` (rounded up to seconds). */
  async nack(queue: QueueName, id: string, delayMs: number): Promise<void> {
    const ackId = this.ackIds.get(id);
    if (ackId === undefined) return;
    this.ackIds.delete(id);
    await this.modify(this.subscriptionPath(this.options.names.subscription(queue)), ackId, delayMs);
  }

  /**
   * Pulls (and acknowledges) what a subscription holds, e.g. a dead-letter subscription,
   * until a pull stays empty for `waitMs`.
   */
  async drainSubscription(name: string, waitMs = this.options.waitMs ?? 0): Promise<{ id: string; body: unknown; attributes: Record<string, string> }[]> {
    const subscription = this.subscriptionPath(name);
    const out: { id: string; body: unknown; attributes: Record<string, string> }[] = [];
    for (;;) {
      const got = await this.pull(subscription, 100, waitMs);
      if (got.length === 0) break;
      for (const r of got) {
        const text = Buffer.from(r.message?.data ?? '').toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        out.push({ id: r.message?.messageId ?? '', body, attributes: (r.message?.attributes ?? {}) as Record<string, string> });
      }
      await (await this.client).acknowledge({ subscription, ackIds: got.map((r) => r.ackId ?? '') });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.clientPromise) await (await this.clientPromise).close();
  }

  /** One pull, repeated while it comes back empty for up to `waitMs`. */
  private async pull(subscription: string, max: number, waitMs = this.options.waitMs ?? 0): Promise<protos.google.pubsub.v1.IReceivedMessage[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const [response] = await (await this.client).pull({ subscription, maxMessages: max, returnImmediately: true });
      const got = response.receivedMessages ?? [];
      if (got.length > 0 || Date.now() >= deadline) return got;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private subscriptionPath(name: string): string {
    return `projects/${this.options.projectId}/subscriptions/${name}`;
  }

  private async modify(subscription: string, ackId: string, delayMs: number): Promise<void> {
    const seconds = Math.min(MAX_DEADLINE_S, Math.max(0, Math.ceil(delayMs / 1000)));
    await (await this.client).modifyAckDeadline({ subscription, ackIds: [ackId], ackDeadlineSeconds: seconds });
  }
}
