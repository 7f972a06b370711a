/**
 * Every mail the product sends: the typed data each template needs, its subject and its two
 * bodies (Handlebars, rendered in strict mode: a missing variable is an error, not a blank).
 * Sample data feeds `npm run email:preview` and the template tests.
 */
export interface TemplateData {
  'email-verification': { name: string; verifyUrl: string; expiresInHours: number };
  'account-exists': { name: string; loginUrl: string; resetUrl: string };
  'password-reset': { name: string; resetUrl: string; expiresInMinutes: number };
  'workspace-invitation': {
    inviterName: string;
    workspaceName: string;
    role: string;
    acceptUrl: string;
    expiresInDays: number;
  };
  'task-assigned': { assigneeName: string; assignedBy: string; taskKey: string; taskTitle: string; taskUrl: string };
  'daily-digest': { name: string; date: string; tasks: { key: string; title: string; dueAt: string; url: string }[] };
  'webhook-disabled': { workspaceName: string; webhookUrl: string; failures: number; settingsUrl: string };
}

export type TemplateName = keyof TemplateData;

export interface TemplateSource {
  subject: string;
  html: string;
  text: string;
}

export const TEMPLATES: { [N in TemplateName]: TemplateSource } = {
  'email-verification': {
    subject: 'Confirm your email address',
    html: `<p>Hello {{name}},</p>
<p>Welcome to Groundwork. Confirm that this address is yours to activate your account:</p>
<p><a class="button" href="{{verifyUrl}}">Confirm my email</a></p>
<p>The link works for {{expiresInHours}} hours. If you did not sign up, ignore this mail.</p>`,
    text: `Hello {{name}},

Welcome to Groundwork. Confirm that this address is yours to activate your account:
{{verifyUrl}}

The link works for {{expiresInHours}} hours. If you did not sign up, ignore this mail.`,
  },
  'account-exists': {
    subject: 'You already have a Groundwork account',
    html: `<p>Hello {{name}},</p>
<p>Someone (hopefully you) tried to sign up with this address, but it already has an account.</p>
<p><a class="button" href="{{loginUrl}}">Sign in</a></p>
<p>Forgot your password? <a href="{{resetUrl}}">Reset it</a>. If this was not you, you can ignore this mail: nothing changed.</p>`,
    text: `Hello {{name}},

Someone (hopefully you) tried to sign up with this address, but it already has an account.
Sign in: {{loginUrl}}
Forgot your password? Reset it: {{resetUrl}}

If this was not you, you can ignore this mail: nothing changed.`,
  },
  'password-reset': {
    subject: 'Reset your password',
    html: `<p>Hello {{name}},</p>
<p>We received a request to reset your password.</p>
<p><a class="button" href="{{resetUrl}}">Choose a new password</a></p>
<p>The link works for {{expiresInMinutes}} minutes and once. If you did not ask for it, ignore this mail.</p>`,
    text: `Hello {{name}},

We received a request to reset your password. Choose a new one here:
{{resetUrl}}

The link works for {{expiresInMinutes}} minutes and once. If you did not ask for it, ignore this mail.`,
  },
  'workspace-invitation': {
    subject: '{{inviterName}} invited you to {{workspaceName}}',
    html: `<p>{{inviterName}} invited you to join <strong>{{workspaceName}}</strong> on Groundwork as {{role}}.</p>
<p><a class="button" href="{{acceptUrl}}">Accept the invitation</a></p>
<p>The invitation expires in {{expiresInDays}} days.</p>`,
    text: `{{inviterName}} invited you to join {{workspaceName}} on Groundwork as {{role}}.

Accept the invitation: {{acceptUrl}}

The invitation expires in {{expiresInDays}} days.`,
  },
  'task-assigned': {
    subject: '[{{taskKey}}] {{taskTitle}} was assigned to you',
    html: `<p>Hello {{assigneeName}},</p>
<p>{{assignedBy}} assigned <strong>{{taskKey}}</strong> to you: {{taskTitle}}</p>
<p><a class="button" href="{{taskUrl}}">Open the task</a></p>`,
    text: `Hello {{assigneeName}},

{{assignedBy}} assigned {{taskKey}} to you: {{taskTitle}}
{{taskUrl}}`,
  },
  'daily-digest': {
    subject: 'Your tasks due soon ({{date}})',
    html: `<p>Hello {{name}},</p>
{{#if tasks.length}}<p>These tasks are due soon:</p>
<ul>{{#each tasks}}<li><a href="{{url}}">{{key}}</a> {{title}} — due {{dueAt}}</li>{{/each}}</ul>
{{else}}<p>Nothing is due soon. Enjoy the calm.</p>{{/if}}`,
    text: `Hello {{name}},

{{#if tasks.length}}These tasks are due soon:
{{#each tasks}}- {{key}} {{title}} (due {{dueAt}}) {{url}}
{{/each}}{{else}}Nothing is due soon. Enjoy the calm.{{/if}}`,
  },
  'webhook-disabled': {
    subject: 'A webhook of {{workspaceName}} was disabled',
    html: `<p>The webhook endpoint <code>{{webhookUrl}}</code> of <strong>{{workspaceName}}</strong> failed {{failures}} deliveries in a row and was disabled.</p>
<p>Fix the receiver, then enable the endpoint again and redeliver what it missed:</p>
<p><a class="button" href="{{settingsUrl}}">Webhook settings</a></p>`,
    text: `The webhook endpoint {{webhookUrl}} of {{workspaceName}} failed {{failures}} deliveries in a row and was disabled.

Fix the receiver, then enable the endpoint again and redeliver what it missed:
{{settingsUrl}}`,
  },
};

export const SAMPLE_DATA: TemplateData = {
  'email-verification': {
    name: 'Ada',
    verifyUrl: 'https://app.example.com/verify-email?token=sample',
    expiresInHours: 48,
  },
  'account-exists': {
    name: 'Ada',
    loginUrl: 'https://app.example.com/login',
    resetUrl: 'https://app.example.com/forgot-password',
  },
  'password-reset': {
    name: 'Ada',
    resetUrl: 'https://app.example.com/reset-password?token=sample',
    expiresInMinutes: 30,
  },
  'workspace-invitation': {
    inviterName: 'Grace',
    workspaceName: 'Analytical Engines',
    role: 'member',
    acceptUrl: 'https://app.example.com/invitations/sample',
    expiresInDays: 7,
  },
  'task-assigned': {
    assigneeName: 'Ada',
    assignedBy: 'Grace',
    taskKey: 'ENG-42',
    taskTitle: 'Compute Bernoulli numbers',
    taskUrl: 'https://app.example.com/tasks/ENG-42',
  },
  'daily-digest': {
    name: 'Ada',
    date: '2026-11-25',
    tasks: [
      {
        key: 'ENG-42',
        title: 'Compute Bernoulli numbers',
        dueAt: '2026-11-26',
        url: 'https://app.example.com/tasks/ENG-42',
      },
    ],
  },
  'webhook-disabled': {
    workspaceName: 'Analytical Engines',
    webhookUrl: 'https://hooks.example.com/groundwork',
    failures: 5,
    settingsUrl: 'https://app.example.com/settings/webhooks',
  },
};
