import { describe, expect, it } from '@jest/globals';
import Handlebars from 'handlebars';
import { SAMPLE_DATA, TEMPLATES, type TemplateData, type TemplateName } from './template-catalogue.js';
import { TemplateRenderer } from './template-renderer.js';

/**
 * Every template name, spelled out: `satisfies` makes this list fail to compile when a
 * template is added to TemplateData without being added here (and the other way round).
 */
const ALL_TEMPLATES = {
  'email-verification': true,
  'account-exists': true,
  'password-reset': true,
  'workspace-invitation': true,
  'task-assigned': true,
  'daily-digest': true,
  'webhook-disabled': true,
} as const satisfies Record<TemplateName, true>;

const NAMES = Object.keys(ALL_TEMPLATES) as TemplateName[];

// Compile-time: the sample data is exactly TemplateData (a missing or mistyped field fails tsc).
const SAMPLES: TemplateData = SAMPLE_DATA satisfies TemplateData;

const TEXT_FOOTER = '\n\n--\nGroundwork · You receive this mail because of your Groundwork account.';

/** Every primitive value in the data, however deeply nested (the strings a reader must see). */
function leaves(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(leaves);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [String(value)];
}

/** The data with one top-level key removed: what a caller that forgot a variable would pass. */
function without<N extends TemplateName>(name: N, key: string): TemplateData[N] {
  const copy: Record<string, unknown> = { ...SAMPLES[name] };
  delete copy[key];
  return copy as unknown as TemplateData[N];
}

describe('TemplateRenderer', () => {
  const renderer = new TemplateRenderer();

  it('has a template and a sample for every template name, and nothing else', () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual([...NAMES].sort());
    expect(Object.keys(SAMPLES).sort()).toEqual([...NAMES].sort());
  });

  describe.each(NAMES)('%s rendered with its sample data', (name) => {
    const mail = renderer.render(name, SAMPLES[name]);

    it('has a non-empty, single-line subject without unrendered placeholders', () => {
      expect(mail.subject.length).toBeGreaterThan(0);
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.subject).not.toMatch(/\{\{|\}\}/);
    });

    it('wraps the HTML part in the shared layout with the Groundwork brand, the subject as title and the body', () => {
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.html).toContain('<div class="brand">Groundwork</div>');
      expect(mail.html).toContain(`<title>${Handlebars.escapeExpression(mail.subject)}</title>`);
      expect(mail.html).toContain('You receive this mail because of your Groundwork account.');
      expect(mail.html).not.toMatch(/\{\{|\}\}/);
    });

    it('ends the text part with the shared footer', () => {
      expect(mail.text.endsWith(TEXT_FOOTER)).toBe(true);
      expect(mail.text.length).toBeGreaterThan(TEXT_FOOTER.length);
      expect(mail.text).not.toMatch(/\{\{|\}\}/);
      expect(mail.text).not.toMatch(/<[a-z]/i);
    });

    it('shows every sample value in the subject or the HTML body, escaped for HTML', () => {
      const missing = leaves(SAMPLES[name]).filter(
        (value) => !mail.subject.includes(value) && !mail.html.includes(Handlebars.escapeExpression(value)),
      );

      expect(missing).toEqual([]);
    });

    it('shows every sample value in the subject or the text body, as typed', () => {
      const missing = leaves(SAMPLES[name]).filter(
        (value) => !mail.subject.includes(value) && !mail.text.includes(value),
      );

      expect(missing).toEqual([]);
    });

    it.each(Object.keys(SAMPLES[name]))('fails to render when the variable %s is missing', (key) => {
      expect(() => renderer.render(name, without(name, key))).toThrow();
    });
  });

  it('escapes user data in the HTML part', () => {
    const name = '<script>alert(1)</script>';

    const mail = renderer.render('email-verification', { ...SAMPLES['email-verification'], name });

    expect(mail.html).toContain('Hello &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(mail.html).not.toContain('<script>');
  });

  it('escapes an attribute-breaking URL in the HTML part', () => {
    const verifyUrl = 'https://app.example.com/" onclick="steal()';

    const mail = renderer.render('email-verification', { ...SAMPLES['email-verification'], verifyUrl });

    expect(mail.html).not.toContain('" onclick="');
    expect(mail.html).toContain('&quot; onclick&#x3D;&quot;steal()');
  });

  it('keeps user data as typed in the text part, without entity escaping', () => {
    const name = '<script>alert(1)</script> & "Ada"';

    const mail = renderer.render('email-verification', { ...SAMPLES['email-verification'], name });

    expect(mail.text).toContain(`Hello ${name},`);
    expect(mail.text).not.toContain('&lt;');
    expect(mail.text).not.toContain('&amp;');
    expect(mail.text).not.toContain('&quot;');
  });

  it('keeps user data as typed in the subject, without entity escaping', () => {
    const data = {
      ...SAMPLES['workspace-invitation'],
      inviterName: 'Tom & Jerry <t@j.io>',
      workspaceName: `Ada's "R&D"`,
    };

    const mail = renderer.render('workspace-invitation', data);

    expect(mail.subject).toBe(`Tom & Jerry <t@j.io> invited you to Ada's "R&D"`);
    expect(mail.html).toContain(
      '<title>Tom &amp; Jerry &lt;t@j.io&gt; invited you to Ada&#x27;s &quot;R&amp;D&quot;</title>',
    );
  });

  it('fails to render a digest whose task lacks a variable', () => {
    const taskWithoutUrl = { key: 'ENG-7', title: 'Write the digest', dueAt: '2026-11-26' };
    const data = { ...SAMPLES['daily-digest'], tasks: [taskWithoutUrl] } as unknown as TemplateData['daily-digest'];

    expect(() => renderer.render('daily-digest', data)).toThrow(/url/);
  });

  it('renders a digest with no tasks as the calm message in both parts', () => {
    const mail = renderer.render('daily-digest', { ...SAMPLES['daily-digest'], tasks: [] });

    expect(mail.html).toContain('Nothing is due soon.');
    expect(mail.text).toContain('Nothing is due soon.');
    expect(mail.html).not.toContain('<ul>');
  });

  it('renders the same data to the same mail every time (compiled templates are reused)', () => {
    const first = renderer.render('task-assigned', SAMPLES['task-assigned']);
    const second = renderer.render('task-assigned', SAMPLES['task-assigned']);

    expect(second).toEqual(first);
  });
});
