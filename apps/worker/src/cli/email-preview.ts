import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SAMPLE_DATA, TemplateRenderer, type TemplateName } from '@groundwork/notifications';

/** `npm run email:preview`: every template rendered with its sample data, as HTML and text files. */
const outDir = path.resolve(process.argv[2] ?? 'var/email-preview');
mkdirSync(outDir, { recursive: true });
const renderer = new TemplateRenderer();
for (const name of Object.keys(SAMPLE_DATA) as TemplateName[]) {
  const mail = renderer.render(name, SAMPLE_DATA[name] as never);
  writeFileSync(path.join(outDir, `${name}.html`), mail.html);
  writeFileSync(path.join(outDir, `${name}.txt`), `Subject: ${mail.subject}\n\n${mail.text}\n`);
  process.stdout.write(`${path.join(outDir, `${name}.html`)}  —  ${mail.subject}\n`);
}
