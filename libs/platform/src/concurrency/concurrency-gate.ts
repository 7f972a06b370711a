import { DomainError } from '../errors/domain-error.js';

export interface ConcurrencyGateOptions {
  /** How many tasks may run at once. */
  limit: number;
  /** How long a task may wait for a slot before it is refused (503 `unavailable` + Retry-After). */
  maxWaitMs: number;
  /** Retry-After of the refusal. */
  retryAfterSeconds: number;
  /** Names the gate in the refusal's detail. */
  what: string;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Bounds how much of one kind of expensive work runs at once in this process (argon2 hashes:
 * each takes ~19 MiB and a libuv thread). Callers over the limit wait in line, first come first
 * served, and are refused once they have waited `maxWaitMs` — a flood of anonymous sign-ups
 * gets 503s instead of exhausting memory and the thread pool every other request needs.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: ConcurrencyGateOptions) {}

  /** Tasks running now (for tests and metrics). */
  get active(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.options.limit) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        // The slot passes straight from the releasing task to this one (running stays the same).
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(
            new DomainError('unavailable', `The server is busy with ${this.options.what}; try again shortly.`, {
              retryAfterSeconds: this.options.retryAfterSeconds,
            }),
          );
        }, this.options.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next.grant();
    else this.running -= 1;
  }
}
