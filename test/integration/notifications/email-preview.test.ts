import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Handlebars from 'handlebars';
import { SAMPLE_DATA, TEMPLATES, TemplateRenderer, type TemplateName } from '@groundwork/notifications';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../../dist/worker/cli/email-preview.js', import.meta.url));
const NAMES = Object.keys(TEMPLATES) as TemplateName[];

/** `npm run email:preview` as operators run it: the built CLI, in a child process. */
describe('email preview CLI (built)', () => {
  let outDir: string;
  let stdout: string;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the integration tests`);
    outDir = await mkdtemp(path.join(tmpdir(), 'gw-email-preview-'));
    ({ stdout } = await run(process.execPath, [CLI, outDir], { timeout: 30_000 }));
  });

  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('writes exactly one .html file per template', async () => {
    const files = await readdir(outDir);

    expect(files.filter((f) => f.endsWith('.html')).sort()).toEqual(NAMES.map((n) => `${n}.html`).sort());
  });

  it.each(NAMES)('renders %s with its subject as the HTML title and the shared layout', async (name) => {
    const subject = new TemplateRenderer().render(name, SAMPLE_DATA[name]).subject;

    const html = await readFile(path.join(outDir, `${name}.html`), 'utf8');

    expect(html).toContain(`<title>${Handlebars.escapeExpression(subject)}</title>`);
    expect(html).toContain('<div class="brand">Groundwork</div>');
  });

  it.each(NAMES)('writes the text part of %s beside it, headed by its subject', async (name) => {
    const subject = new TemplateRenderer().render(name, SAMPLE_DATA[name]).subject;

    const text = await readFile(path.join(outDir, `${name}.txt`), 'utf8');

    expect(text.startsWith(`Subject: ${subject}\n\n`)).toBe(true);
  });

  it('lists every written file with its subject on stdout', () => {
    const lines = stdout.trim().split('\n');

    expect(lines).toHaveLength(NAMES.length);
    for (const name of NAMES) {
      const subject = new TemplateRenderer().render(name, SAMPLE_DATA[name]).subject;
      expect(lines).toContain(`${path.join(outDir, `${name}.html`)}  —  ${subject}`);
    }
  });
});
