import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ReplaceTaskDto, toTaskInput, UpdateTaskDto } from './tasks.dto.js';

/** The fields a body is refused for, as the global ValidationPipe would see them. */
async function refused(type: typeof ReplaceTaskDto | typeof UpdateTaskDto, body: object): Promise<string[]> {
  const errors = await validate(plainToInstance(type, body), { whitelist: true, forbidNonWhitelisted: true });
  return errors.map((error) => error.property).sort();
}

const FULL = {
  title: 'Ship it',
  description: null,
  status: 'todo',
  priority: 'none',
  assigneeId: null,
  labels: [],
  dueAt: null,
};

describe('task bodies', () => {
  it('PUT needs every writable field; null only where a field can be empty', async () => {
    expect(await refused(ReplaceTaskDto, FULL)).toEqual([]);
    expect(await refused(ReplaceTaskDto, { title: 'Ship it' })).toEqual([
      'assigneeId',
      'description',
      'dueAt',
      'labels',
      'priority',
      'status',
    ]);
  });

  it('PATCH takes any subset under the same rules: absent is left alone, null clears only nullable fields', async () => {
    expect(await refused(UpdateTaskDto, {})).toEqual([]);
    expect(await refused(UpdateTaskDto, { description: null, assigneeId: null, dueAt: null })).toEqual([]);
    expect(await refused(UpdateTaskDto, { title: null, status: null, priority: null, labels: null })).toEqual([
      'labels',
      'priority',
      'status',
      'title',
    ]);
    expect(await refused(UpdateTaskDto, { title: '', status: 'shipped', projectId: 'x' })).toEqual([
      'projectId',
      'status',
      'title',
    ]);
  });

  it('PATCH trims the title like PUT', () => {
    expect(plainToInstance(UpdateTaskDto, { title: '  Ship it ' }).title).toBe('Ship it');
  });

  it('one conversion into the service terms: dueAt becomes a Date, null and absent stay', () => {
    expect(toTaskInput({ ...FULL, dueAt: '2027-01-31T12:00:00Z' }).dueAt).toEqual(new Date('2027-01-31T12:00:00Z'));
    expect(toTaskInput({ dueAt: null }).dueAt).toBeNull();
    expect(toTaskInput({}).dueAt).toBeUndefined();
  });
});
