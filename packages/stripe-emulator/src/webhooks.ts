// Webhook delivery, signed exactly as Stripe signs: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
// "<t>.<raw body>" keyed with the endpoint secret>`. Failed deliveries (non-2xx or network error) are retried
// with a new timestamp and signature, like Stripe's own retries (on a much shorter schedule).
import { createHmac } from 'node:crypto';

export interface WebhookEndpoint {
  url: string;
  /** The endpoint's signing secret (`whsec_…`). */
  secret: string;
  /** Only these event types are sent (default: all). */
  events?: readonly string[];
}

export interface StripeEventObject {
  id: string;
  object: 'event';
  type: string;
  created: number;
  api_version: string;
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

export interface DeliveryRecord {
  eventId: string;
  eventType: string;
  url: string;
  attempt: number;
  /** HTTP status, or 0 when the endpoint could not be reached. */
  status: number;
}

/** The `Stripe-Signature` header value for a payload. */
export function signWebhookPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

interface Job {
  event: StripeEventObject;
  endpoint: WebhookEndpoint;
  attempt: number;
}

export interface WebhookDispatcherOptions {
  endpoints: WebhookEndpoint[];
  /** Delay before retry n (1-based). Default [1000, 5000, 30000]: 3 retries. */
  retryDelaysMs?: readonly number[];
  nowSeconds: () => number;
  timeoutMs?: number;
}

export class WebhookDispatcher {
  readonly endpoints: WebhookEndpoint[];
  readonly deliveries: DeliveryRecord[] = [];
  private readonly retryDelays: readonly number[];
  private readonly nowSeconds: () => number;
  private readonly timeoutMs: number;
  private held: Job[] = [];
  private paused = false;
  private active = 0;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(options: WebhookDispatcherOptions) {
    this.endpoints = options.endpoints;
    this.retryDelays = options.retryDelaysMs ?? [1000, 5000, 30000];
    this.nowSeconds = options.nowSeconds;
    this.timeoutMs = options.timeoutMs ?? 10000;
  }

  /** Queue an event for every subscribed endpoint. */
  publish(event: StripeEventObject): void {
    for (const endpoint of this.endpoints) {
      if (endpoint.events && !endpoint.events.includes(event.type) && !endpoint.events.includes('*'))
        continue;
      this.enqueue({ event, endpoint, attempt: 1 });
    }
  }

  /** Hold deliveries until `flush` or `resume` (to test duplicates and out-of-order delivery). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.flush();
  }

  /** Send held deliveries now, in the given order; `paused` stays as it is. */
  flush(order: 'fifo' | 'reverse' = 'fifo'): number {
    const jobs = order === 'reverse' ? [...this.held].reverse() : [...this.held];
    this.held = [];
    for (const job of jobs) void this.send(job);
    return jobs.length;
  }

  /** Deliver an already-sent event again (a duplicate, as Stripe may send). */
  redeliver(event: StripeEventObject): void {
    this.publish(event);
  }

  /** Resolves when nothing is in flight or scheduled for retry (held jobs do not count). */
  idle(): Promise<void> {
    if (this.active === 0 && this.timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get heldCount(): number {
    return this.held.length;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.held = [];
    this.settle();
  }

  private enqueue(job: Job): void {
    if (this.closed) return;
    if (this.paused) this.held.push(job);
    else void this.send(job);
  }

  private settle(): void {
    if (this.active === 0 && this.timers.size === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  private async send(job: Job): Promise<void> {
    this.active++;
    const payload = JSON.stringify(job.event, null, 2);
    const signature = signWebhookPayload(payload, job.endpoint.secret, this.nowSeconds());
    let status = 0;
    try {
      const res = await fetch(job.endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks) acp-stripe-emulator',
        },
        body: payload,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0;
    }
    this.deliveries.push({
      eventId: job.event.id,
      eventType: job.event.type,
      url: job.endpoint.url,
      attempt: job.attempt,
      status,
    });
    const ok = status >= 200 && status < 300;
    const delay = this.retryDelays[job.attempt - 1];
    if (!ok && delay !== undefined && !this.closed) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.enqueue({ ...job, attempt: job.attempt + 1 });
        this.settle();
      }, delay);
      this.timers.add(timer);
    }
    this.active--;
    this.settle();
  }
}
