import { describe, expect, it } from '@jest/globals';
import { DomainError } from '@groundwork/platform';
import { allowedTargets, assertTransition, TASK_STATUSES } from './task-workflow.js';

describe('the task state machine table', () => {
  it('lists the allowed targets of each status for a member', () => {
    expect(Object.fromEntries(TASK_STATUSES.map((s) => [s, allowedTargets(s, 'member')]))).toEqual({
      todo: ['in_progress', 'canceled'],
      in_progress: ['in_review', 'todo', 'canceled'],
      in_review: ['done', 'in_progress'],
      done: ['in_progress'],
      canceled: [],
    });
  });

  it('lets admins and the owner reopen a canceled task', () => {
    expect(allowedTargets('canceled', 'admin')).toEqual(['todo']);
    expect(allowedTargets('canceled', 'owner')).toEqual(['todo']);
  });

  it('refuses an illegal move with validation_failed naming the allowed targets', () => {
    let error: unknown;
    try {
      assertTransition('todo', 'done', 'owner');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'validation_failed',
      extensions: { from: 'todo', allowedTargets: ['in_progress', 'canceled'] },
    });
    expect(() => assertTransition('todo', 'in_progress', 'member')).not.toThrow();
  });
});
