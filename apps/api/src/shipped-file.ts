import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file the repository (or the image) ships beside the code, such as `proto/task.proto` or
 * `openapi.json`: the nearest one above this module, which runs from src/, dist/ or the bundle.
 */
export function shippedFile(relativePath: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth += 1) {
    const candidate = path.join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(`${relativePath} was not found above the api`);
}
