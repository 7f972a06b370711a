import { type EventEnvelope, newId } from '@groundwork/platform';

/** A public `task.created` envelope of the workspace, as the relay hands it to a consumer. */
export function taskCreated(workspaceId: string): EventEnvelope {
  return {
    id: newId(),
    type: 'task.created',
    version: 1,
    visibility: 'public',
    workspaceId,
    actorId: null,
    occurredAt: new Date().toISOString(),
    data: { taskId: newId(), projectId: newId(), number: 1 },
    requestId: null,
    traceparent: null,
    tracestate: null,
  };
}
