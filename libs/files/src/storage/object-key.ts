import { isUuid } from '@groundwork/platform';
import type { ObjectKey } from '../ports/object-storage.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The key of a workspace's object with this content hash; throws on anything but a UUID and a hex SHA-256. */
export function objectKey(workspaceId: string, sha256: string): ObjectKey {
  if (!isUuid(workspaceId)) throw new Error('an object key needs a workspace UUID');
  if (!SHA256_HEX.test(sha256)) throw new Error('an object key needs a lower-case hex SHA-256');
  return { workspaceId, sha256, path: `${workspaceId}/${sha256}` };
}

/** The workspace's folder or key prefix; throws on anything but a UUID. */
export function workspacePrefix(workspaceId: string): string {
  if (!isUuid(workspaceId)) throw new Error('a workspace prefix needs a workspace UUID');
  return workspaceId;
}
