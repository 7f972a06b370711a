import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { AppProcess } from '../../support/app-process.js';

/** Whether a process with this pid still exists (signal 0 only checks). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the e2e harness (AppProcess)', () => {
  it('kills an app whose boot times out, so no orphan outlives the test', async () => {
    const started = AppProcess.start('api', {
      script: path.resolve('test/fixtures/never-ready.js'),
      timeoutMs: 1500,
    });

    const error = await started.then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );

    expect(error?.message).toMatch(/never answered 200 on \/health\/live/);
    const pid = Number(/never-ready pid=(\d+)/.exec(error?.message ?? '')?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid)).toBe(false);
  });
});
