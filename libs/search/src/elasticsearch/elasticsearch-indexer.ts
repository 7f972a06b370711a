import type { EventEnvelopeOf } from '@groundwork/platform';
import type { SearchLanguage } from '../config/search-config.js';
import type { SearchIndexEvent } from '../events/search-index-events.js';
import type { BulkOutcome, DocumentWrite, ElasticsearchIndexes } from './elasticsearch-indexes.js';
import { documentId, FIRST_ID, type SearchDocuments } from './search-documents.js';

/**
 * The version a removal is written at: above any a row reaches, so a write of the row read
 * before it was deleted (a job racing the removal) is refused as older. Elasticsearch keeps a
 * removal's version for `index.gc_deletes` (60 s by default), far longer than such a race.
 */
export const REMOVED_VERSION = Number.MAX_SAFE_INTEGER;

/** Documents per bulk request when a task's comments or a project's tasks are rewritten. */
const PAGE_SIZE = 500;

/**
 * The Elasticsearch side of indexing, one outbox event at a time. An event only says which
 * documents may have changed; the indexer reads them from the database as they are now and
 * writes them with their versions (see SearchDocuments). So handling an event twice, or late,
 * or two events of one document in parallel, leaves the newest state: a stale write is
 * refused by its version. A row that is gone is removed at REMOVED_VERSION. A deleted task
 * stays as a document with `live: false` (its comments too), so a restore is one more version.
 */
export class ElasticsearchIndexer {
  constructor(
    private readonly documents: SearchDocuments,
    private readonly indexes: ElasticsearchIndexes,
    private readonly language: SearchLanguage,
  ) {}

  async apply(event: EventEnvelopeOf<SearchIndexEvent>): Promise<string> {
    const workspaceId = event.workspaceId;
    if (workspaceId === null) return 'skipped: no workspace';
    const targets = await this.indexes.writeTargets(this.language);
    switch (event.type) {
      case 'task.created':
      case 'task.updated':
      case 'task.status_changed':
      case 'task.assigned':
      case 'task.deleted':
      case 'task.restored':
        return describe(await this.syncTask(targets, workspaceId, event.data.taskId));
      case 'comment.created':
      case 'comment.updated':
      case 'comment.deleted': {
        const [comment] = await this.documents.comments(workspaceId, { ids: [event.data.commentId] });
        const write: DocumentWrite =
          comment === undefined
            ? { kind: 'delete', _id: documentId('comment', event.data.commentId), version: REMOVED_VERSION }
            : { kind: 'index', document: comment };
        return describe(await this.indexes.bulk(targets, [write]));
      }
      case 'project.updated': {
        if (!event.data.fields.includes('key')) return 'skipped: the key did not change';
        const total = emptyOutcome();
        for (let after = FIRST_ID; ;) {
          const page = await this.documents.tasks(workspaceId, {
            projectId: event.data.projectId,
            after,
            limit: PAGE_SIZE,
          });
          if (page.length === 0) break;
          add(
            total,
            await this.indexes.bulk(
              targets,
              page.map((document) => ({ kind: 'index', document })),
            ),
          );
          after = page.at(-1)!.source.id;
        }
        return describe(total);
      }
      case 'project.deleted':
        return `removed ${await this.indexes.deleteWhere(targets, { workspace_id: workspaceId, project_id: event.data.projectId })} documents`;
      case 'workspace.deleted':
        return `removed ${await this.indexes.deleteWhere(targets, { workspace_id: workspaceId })} documents`;
      default: {
        const unreachable: never = event;
        throw new Error(`unexpected event ${String((unreachable as { type: string }).type)}`);
      }
    }
  }

  /** A task's document and its comments' (which carry its title and whether it is live). */
  private async syncTask(targets: string[], workspaceId: string, taskId: string): Promise<BulkOutcome> {
    const [task] = await this.documents.tasks(workspaceId, { ids: [taskId] });
    if (task === undefined) {
      // Gone with its project: its comments went with it.
      const outcome = await this.indexes.bulk(targets, [
        { kind: 'delete', _id: documentId('task', taskId), version: REMOVED_VERSION },
      ]);
      await this.indexes.deleteWhere(targets, { workspace_id: workspaceId, task_id: taskId });
      return outcome;
    }
    const total = await this.indexes.bulk(targets, [{ kind: 'index', document: task }]);
    for (let after = FIRST_ID; ;) {
      const page = await this.documents.comments(workspaceId, { taskId, after, limit: PAGE_SIZE });
      if (page.length === 0) break;
      add(
        total,
        await this.indexes.bulk(
          targets,
          page.map((document) => ({ kind: 'index', document })),
        ),
      );
      after = page.at(-1)!.source.id;
    }
    return total;
  }
}

const emptyOutcome = (): BulkOutcome => ({ written: 0, stale: 0, absent: 0 });

function add(total: BulkOutcome, outcome: BulkOutcome): void {
  total.written += outcome.written;
  total.stale += outcome.stale;
  total.absent += outcome.absent;
}

function describe(outcome: BulkOutcome): string {
  return `written ${outcome.written}, stale ${outcome.stale}, absent ${outcome.absent}`;
}
