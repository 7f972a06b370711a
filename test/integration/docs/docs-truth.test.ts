/**
 * The repository's documentation stands on its own and points at things that exist: every
 * relative Markdown link reaches a file (and its `#anchor`, when given, a heading of that
 * file), every repository path a doc names in backticks exists, and no tracked file cites a
 * document from outside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Top-level folders whose paths, named in backticks, must exist. */
const PATH_ROOTS = ['apps', 'libs', 'test', 'docs', 'scripts', 'prisma', 'k8s', 'tools', 'proto', 'deploy', '.ci'];

const trackedFiles = (): string[] =>
  execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);

const markdownFiles = (): string[] =>
  trackedFiles().filter((file) => file.endsWith('.md') && !file.startsWith('libs/api-client/src/generated/'));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const text = match[1].trim().replace(/`/g, '');
    anchors.add(
      text
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return anchors;
}

/** Markdown without fenced code blocks (their contents are examples, not references). */
const withoutFences = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```/gm, '');

interface Reference {
  doc: string;
  target: string;
}

function relativeLinks(doc: string, markdown: string): Reference[] {
  const links: Reference[] = [];
  for (const match of withoutFences(markdown).matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    links.push({ doc, target });
  }
  return links;
}

/** `apps/api/src/main.ts`-like spans; placeholders (`<context>`, `*`, `{id}`, `…`) are not paths. */
function namedPaths(doc: string, markdown: string): Reference[] {
  const paths: Reference[] = [];
  for (const match of withoutFences(markdown).matchAll(/`([^`\s]+)`/g)) {
    const candidate = match[1].replace(/[.,:;]$/, '');
    const root = candidate.split('/')[0];
    if (!PATH_ROOTS.includes(root) || !candidate.includes('/')) continue;
    if (/[<>*{}…]|\.\.\.|\$/.test(candidate)) continue;
    paths.push({ doc, target: candidate.replace(/:\d+(-\d+)?$/, '') });
  }
  return paths;
}

describe('documentation', () => {
  const docs = markdownFiles();

  it('finds the docs it checks', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/roadmap.md']));
  });

  it('links only to files (and headings) that exist', () => {
    const broken: string[] = [];
    for (const doc of docs) {
      const markdown = readFileSync(path.join(REPO_ROOT, doc), 'utf8');
      for (const { target } of relativeLinks(doc, markdown)) {
        const [file, anchor] = target.split('#');
        const resolved = file === '' ? doc : path.normalize(path.join(path.dirname(doc), decodeURI(file)));
        const absolute = path.join(REPO_ROOT, resolved);
        if (!existsSync(absolute)) {
          broken.push(`${doc}: ${target} (no ${resolved})`);
          continue;
        }
        if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(absolute, 'utf8')).has(anchor)) {
          broken.push(`${doc}: ${target} (no heading #${anchor} in ${resolved})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only repository paths that exist', () => {
    const missing = docs.flatMap((doc) =>
      namedPaths(doc, readFileSync(path.join(REPO_ROOT, doc), 'utf8'))
        .filter(({ target }) => !existsSync(path.join(REPO_ROOT, target)))
        .map(({ target }) => `${doc}: ${target}`),
    );
    expect(missing).toEqual([]);
  });

  it('no tracked file cites a design document from outside the repository', () => {
    const outside = /\.\.\/shared\b|\bDESIGN\.md\b|\bAPI\.md\b/;
    const citing = trackedFiles().filter(
      (file) =>
        !file.startsWith('libs/api-client/src/generated/') &&
        !/\.(png|ico|lock)$|package-lock\.json$/.test(file) &&
        outside.test(readFileSync(path.join(REPO_ROOT, file), 'utf8')),
    );
    expect(citing).toEqual([]);
  });
});
