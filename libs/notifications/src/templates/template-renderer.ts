import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { HTML_LAYOUT, TEXT_LAYOUT } from './layout.js';
import { SAMPLE_DATA, type TemplateData, type TemplateName, TEMPLATES } from './template-catalogue.js';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Compiled = {
  subject: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
};

/**
 * Renders the templates offline (no network at render time). Strict mode makes a missing
 * variable throw, so a template/data mismatch fails a test instead of a customer's inbox.
 */
@Injectable()
export class TemplateRenderer {
  private readonly handlebars = Handlebars.create();
  private readonly compiled = new Map<TemplateName, Compiled>();
  private readonly htmlLayout = this.handlebars.compile(HTML_LAYOUT, { strict: true });
  private readonly textLayout = this.handlebars.compile(TEXT_LAYOUT, { strict: true, noEscape: true });

  render<N extends TemplateName>(name: N, data: TemplateData[N]): RenderedMail {
    // Strict mode does not check the values given to {{#if}} / {{#each}}: check every top-level
    // field the template's data type has (its sample names them all) before rendering.
    const values = data as Record<string, unknown>;
    const missing = Object.keys(SAMPLE_DATA[name]).filter((key) => values[key] === undefined || values[key] === null);
    if (missing.length > 0) throw new Error(`template ${name} is missing ${missing.join(', ')}`);
    const template = this.template(name);
    const subject = template.subject(data).trim();
    return {
      subject,
      html: this.htmlLayout({ subject, body: template.html(data) }),
      text: this.textLayout({ body: template.text(data) }),
    };
  }

  private template(name: TemplateName): Compiled {
    let compiled = this.compiled.get(name);
    if (!compiled) {
      const source = TEMPLATES[name];
      compiled = {
        // Subjects and text parts are not HTML: no entity escaping there.
        subject: this.handlebars.compile(source.subject, { strict: true, noEscape: true }),
        html: this.handlebars.compile(source.html, { strict: true }),
        text: this.handlebars.compile(source.text, { strict: true, noEscape: true }),
      };
      this.compiled.set(name, compiled);
    }
    return compiled;
  }
}
