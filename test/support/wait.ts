/** Polls `probe` until it returns a truthy value; for conditions no event announces. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * Resolves on the emitter's next `event`. Unlike `events.once`, an `error` meanwhile does not
 * reject: a reconnecting Redis client emits ECONNREFUSED until its server is back.
 */
export function nextEvent(
  emitter: { once(event: string, listener: () => void): unknown },
  event: string,
): Promise<void> {
  return new Promise((resolve) => emitter.once(event, () => resolve()));
}

/** `promise`, or a rejection with `message` once `timeoutMs` has passed without it settling. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * "Something changed" for test clients that collect what a server sends: `next` resolves on
 * the next `notify` (a message arrived, the stream ended) or after `timeoutMs`, whichever is first.
 */
export class ChangeSignal {
  private waiters: (() => void)[] = [];

  next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  notify(): void {
    this.waiters.splice(0).forEach((wake) => wake());
  }
}
