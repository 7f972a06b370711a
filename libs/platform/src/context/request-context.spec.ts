import { describe, expect, it } from '@jest/globals';
import { RequestCancelledError } from './request-cancellation.js';
import { RequestContext, type RequestContextData } from './request-context.js';

/** A promise and the function that settles it: lets two runs interleave in a chosen order. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('RequestContext', () => {
  it('has no context outside a run', () => {
    expect(RequestContext.current()).toBeUndefined();
    expect(RequestContext.logFields()).toEqual({});
  });

  it('exposes the data of the run, also after an await', async () => {
    const seen = await RequestContext.run({ requestId: 'r-1' }, async () => {
      await Promise.resolve();
      return RequestContext.current()?.requestId;
    });

    expect(seen).toBe('r-1');
  });

  it('returns what the function returns', () => {
    expect(RequestContext.run({ requestId: 'r-1' }, () => 42)).toBe(42);
  });

  it('keeps concurrent runs apart while they interleave', async () => {
    const aMayContinue = gate();
    const bAssigned = gate();

    const a = RequestContext.run({ requestId: 'a' }, async () => {
      RequestContext.assign({ userId: 'user-a' });
      await aMayContinue.opened;
      return RequestContext.current();
    });
    const b = RequestContext.run({ requestId: 'b' }, async () => {
      RequestContext.assign({ userId: 'user-b', workspaceId: 'ws-b' });
      bAssigned.open();
      await Promise.resolve();
      return RequestContext.current();
    });
    await bAssigned.opened;
    aMayContinue.open();

    const [seenByA, seenByB] = await Promise.all([a, b]);
    expect(seenByA).toEqual({ requestId: 'a', userId: 'user-a' });
    expect(seenByB).toEqual({ requestId: 'b', userId: 'user-b', workspaceId: 'ws-b' });
    expect(RequestContext.current()).toBeUndefined();
  });

  it('keeps the context in callbacks scheduled from the run (timers, immediates)', async () => {
    const seen = await RequestContext.run({ requestId: 'r-timer' }, () => {
      return new Promise<string | undefined>((resolve) => {
        setImmediate(() => setTimeout(() => resolve(RequestContext.current()?.requestId), 0));
      });
    });

    expect(seen).toBe('r-timer');
  });

  it('lets a nested run shadow the outer context and restores it afterwards', () => {
    const seen: (string | undefined)[] = [];

    RequestContext.run({ requestId: 'outer' }, () => {
      RequestContext.run({ requestId: 'job' }, () => seen.push(RequestContext.current()?.requestId));
      seen.push(RequestContext.current()?.requestId);
    });

    expect(seen).toEqual(['job', 'outer']);
  });

  describe('assign', () => {
    it('adds facts learnt later in the request, seen by code that runs afterwards', async () => {
      const seen = await RequestContext.run({ requestId: 'r-1' }, async () => {
        RequestContext.assign({ userId: 'user-1' });
        await Promise.resolve();
        RequestContext.assign({ workspaceId: 'ws-1' });
        return RequestContext.current();
      });

      expect(seen).toEqual({ requestId: 'r-1', userId: 'user-1', workspaceId: 'ws-1' });
    });

    it('does nothing outside a run', () => {
      RequestContext.assign({ userId: 'nobody' });

      expect(RequestContext.current()).toBeUndefined();
    });
  });

  describe('logFields', () => {
    it('carries the request id, the user, the workspace and the job', () => {
      const data: RequestContextData = {
        requestId: 'r-1',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        userId: 'user-1',
        workspaceId: 'ws-1',
        job: { queue: 'email', id: '7', name: 'send' },
      };

      const fields = RequestContext.run(data, () => RequestContext.logFields());

      expect(fields).toEqual({
        requestId: 'r-1',
        userId: 'user-1',
        workspaceId: 'ws-1',
        job: { queue: 'email', id: '7', name: 'send' },
      });
    });

    it('reflects what was assigned during the run', () => {
      const fields = RequestContext.run({ requestId: 'r-2' }, () => {
        RequestContext.assign({ userId: 'user-2' });
        return RequestContext.logFields();
      });

      expect(fields).toMatchObject({ requestId: 'r-2', userId: 'user-2' });
    });
  });

  describe('cancellation', () => {
    it('exposes the controller’s signal, which `cancel` aborts with the given reason', () => {
      const controller = new AbortController();
      const reason = new RequestCancelledError('timeout', 200);

      const signal = RequestContext.runCancellable({ requestId: 'r-1' }, controller, () => {
        RequestContext.cancel(reason);
        return RequestContext.current()?.signal;
      });

      expect(signal).toBe(controller.signal);
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toBe(reason);
    });

    it('cancels only the request it is asked to', () => {
      const a = new AbortController();
      const b = new AbortController();
      RequestContext.runCancellable({ requestId: 'a' }, a, () => undefined);

      RequestContext.runCancellable({ requestId: 'b' }, b, () =>
        RequestContext.cancel(new RequestCancelledError('timeout', 1), a.signal),
      );

      expect(a.signal.aborted).toBe(true);
      expect(b.signal.aborted).toBe(false);
    });

    it('does nothing outside a cancellable context, or for a signal it did not create', () => {
      const foreign = new AbortController();

      RequestContext.cancel(new RequestCancelledError('timeout', 1));
      RequestContext.run({ requestId: 'plain' }, () => RequestContext.cancel(new RequestCancelledError('timeout', 1)));
      RequestContext.cancel(new RequestCancelledError('timeout', 1), foreign.signal);

      expect(foreign.signal.aborted).toBe(false);
    });
  });

  describe('cancellable (the signal created on first use)', () => {
    it('creates no AbortController until asked; then one signal, the same every time', () => {
      const Original = globalThis.AbortController;
      let created = 0;
      globalThis.AbortController = class extends Original {
        constructor() {
          super();
          created += 1;
        }
      };
      try {
        const context = RequestContext.cancellable({ requestId: 'r-1' });
        RequestContext.run(context, () => RequestContext.assign({ userId: 'user-1' }));
        expect(created).toBe(0);

        const [first, second] = RequestContext.run(context, () => [
          RequestContext.current()?.signal,
          RequestContext.current()?.signal,
        ]);

        expect(created).toBe(1);
        expect(first).toBeInstanceOf(AbortSignal);
        expect(second).toBe(first);
        expect(first?.aborted).toBe(false);
      } finally {
        globalThis.AbortController = Original;
      }
    });

    it('a cancellation before anyone asked is kept: the signal is born aborted with its reason', () => {
      const context = RequestContext.cancellable({ requestId: 'r-1' });
      const reason = new RequestCancelledError('client_disconnected');

      RequestContext.cancel(reason, context);
      RequestContext.cancel(new RequestCancelledError('timeout', 1), context);

      expect(context.signal?.aborted).toBe(true);
      expect(context.signal?.reason).toBe(reason);
    });

    it('a cancellation after someone asked aborts that signal; by default the current context is cancelled', () => {
      const context = RequestContext.cancellable({ requestId: 'r-1' });
      const signal = context.signal;
      const reason = new RequestCancelledError('timeout', 200);

      RequestContext.run(context, () => RequestContext.cancel(reason));

      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toBe(reason);
    });

    it('keeps the facts assigned during the run, like any context', () => {
      const context = RequestContext.cancellable({ requestId: 'r-1', client: { ip: '10.0.0.1' } });

      const fields = RequestContext.run(context, () => {
        RequestContext.assign({ userId: 'user-1', workspaceId: 'ws-1' });
        return { fields: RequestContext.logFields(), client: RequestContext.current()?.client };
      });

      expect(fields).toEqual({
        fields: { requestId: 'r-1', userId: 'user-1', workspaceId: 'ws-1', job: undefined },
        client: { ip: '10.0.0.1' },
      });
    });
  });
});
