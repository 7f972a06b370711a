import { Processor } from '@nestjs/bullmq';
import { type Job, UnrecoverableError } from 'bullmq';
import {
  EmailVerificationService,
  PASSWORD_RESET_TOKEN_TTL_MS,
  type IDENTITY_MAILED_EVENTS,
  PasswordResetService,
  UsersService,
  VERIFICATION_TOKEN_TTL_MS,
} from '@groundwork/identity';
import { MailDeliveryError, MailerService } from '@groundwork/notifications';
import { TaskReadsService, type WORK_MAILED_EVENTS } from '@groundwork/work';
import { type WEBHOOK_MAILED_EVENTS, WebhooksService } from '@groundwork/webhooks';
import {
  InvitationsService,
  MembersService,
  type WORKSPACE_MAILED_EVENTS,
  WorkspacesService,
} from '@groundwork/workspaces';
import {
  AppConfig,
  DrainingWorkerHost,
  type EventEnvelopeOf,
  type EventJob,
  QUEUES,
  workerOptions,
} from '@groundwork/platform';

/** The events the email queue receives: each context subscribes the ones of its own that mail someone. */
type EmailEvent =
  | (typeof IDENTITY_MAILED_EVENTS)[number]
  | (typeof WORKSPACE_MAILED_EVENTS)[number]
  | (typeof WORK_MAILED_EVENTS)[number]
  | (typeof WEBHOOK_MAILED_EVENTS)[number];

/**
 * Turns events into mails. Idempotent per (event, recipient, template): a retry or a replayed
 * event finds the sent-record and stops. SMTP 5xx fails the job for good (a dead letter);
 * 4xx and network errors are retried with backoff.
 */
@Processor(QUEUES.email, workerOptions(QUEUES.email))
export class EmailProcessor extends DrainingWorkerHost<EventJob<EmailEvent>> {
  constructor(
    private readonly mailer: MailerService,
    private readonly users: UsersService,
    private readonly verification: EmailVerificationService,
    private readonly passwordReset: PasswordResetService,
    private readonly invitations: InvitationsService,
    private readonly tasks: TaskReadsService,
    private readonly webhooks: WebhooksService,
    private readonly workspaces: WorkspacesService,
    private readonly members: MembersService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected async handle(job: Job<EventJob<EmailEvent>>): Promise<unknown> {
    try {
      return await this.dispatch(job.data.event);
    } catch (error) {
      if (error instanceof MailDeliveryError && error.permanent) {
        throw new UnrecoverableError(`${error.message} (permanent, not retried)`);
      }
      throw error;
    }
  }

  private async dispatch(event: EventEnvelopeOf<EmailEvent>): Promise<unknown> {
    switch (event.type) {
      case 'user.registered':
        return this.sendVerification(event.id, event.data.userId);
      case 'user.registration_repeated':
        return this.sendAccountExists(event.id, event.data.userId);
      case 'user.password_reset_requested':
        return this.sendPasswordReset(event.id, event.data.userId);
      case 'invitation.created':
        return this.sendInvitation(event.id, event.data.invitationId);
      case 'task.assigned':
        return this.sendTaskAssigned(event.id, event.workspaceId, event.actorId, event.data);
      case 'webhook.disabled':
        return this.sendWebhookDisabled(event.id, event.data);
      default: {
        const unhandled: never = event;
        throw new UnrecoverableError(`the email queue does not handle ${(unhandled as { type: string }).type}`);
      }
    }
  }

  private async sendVerification(eventId: string, userId: string): Promise<string> {
    const user = await this.users.findById(userId);
    if (!user || user.emailVerified) return 'skipped';
    if (await this.mailer.alreadySent(eventId, user.email, 'email-verification')) return 'already-sent';
    // The token is created here, in the consumer, and only its hash is stored: it exists in
    // clear only in the mail (never in the event, the job data or the database).
    const token = await this.verification.issueToken(user.id, eventId);
    return this.mailer.sendOnce({
      eventId,
      to: user.email,
      template: 'email-verification',
      data: {
        name: user.name,
        verifyUrl: `${this.config.mail.appWebUrl}/verify-email?token=${encodeURIComponent(token)}`,
        expiresInHours: VERIFICATION_TOKEN_TTL_MS / 3_600_000,
      },
    });
  }

  private async sendAccountExists(eventId: string, userId: string): Promise<string> {
    const user = await this.users.findById(userId);
    if (!user) return 'skipped';
    return this.mailer.sendOnce({
      eventId,
      to: user.email,
      template: 'account-exists',
      data: {
        name: user.name,
        loginUrl: `${this.config.mail.appWebUrl}/login`,
        resetUrl: `${this.config.mail.appWebUrl}/forgot-password`,
      },
    });
  }

  private async sendPasswordReset(eventId: string, userId: string): Promise<string> {
    const user = await this.users.findById(userId);
    if (!user) return 'skipped';
    if (await this.mailer.alreadySent(eventId, user.email, 'password-reset')) return 'already-sent';
    // As with verification: the token is born here and only its hash is stored.
    const token = await this.passwordReset.issueToken(user.id, eventId);
    return this.mailer.sendOnce({
      eventId,
      to: user.email,
      template: 'password-reset',
      data: {
        name: user.name,
        resetUrl: `${this.config.mail.appWebUrl}/reset-password?token=${encodeURIComponent(token)}`,
        expiresInMinutes: PASSWORD_RESET_TOKEN_TTL_MS / 60_000,
      },
    });
  }

  private async sendInvitation(eventId: string, invitationId: string): Promise<string> {
    // Revoked, replaced, accepted or expired since it was created: there is nothing to mail.
    const invitation = await this.invitations.forMail(invitationId);
    if (!invitation) return 'skipped';
    if (await this.mailer.alreadySent(eventId, invitation.email, 'workspace-invitation')) return 'already-sent';
    // As with verification: the token is born here and only its hash is stored.
    const token = await this.invitations.issueToken(invitationId);
    if (token === undefined) return 'skipped';
    const inviter = await this.users.findById(invitation.invitedById);
    return this.mailer.sendOnce({
      eventId,
      to: invitation.email,
      template: 'workspace-invitation',
      data: {
        inviterName: inviter?.name ?? 'A Groundwork user',
        workspaceName: invitation.workspaceName,
        role: invitation.role,
        acceptUrl: `${this.config.mail.appWebUrl}/invitations/${encodeURIComponent(token)}`,
        expiresInDays: Math.max(1, Math.ceil((invitation.expiresAt.getTime() - Date.now()) / 86_400_000)),
      },
    });
  }

  /**
   * Tells the assignee, unless they assigned the task to themselves. A task deleted or given to
   * someone else before the job ran is not mailed: the mail would point at a stale fact.
   */
  /** Every manager (owner, admins) of the endpoint's workspace, while it is still disabled. */
  private async sendWebhookDisabled(
    eventId: string,
    data: { webhookId: string; consecutiveFailures: number },
  ): Promise<string> {
    const endpoint = await this.webhooks.disabledNotice(data.webhookId);
    if (!endpoint || endpoint.enabled) return 'skipped';
    const workspace = await this.workspaces.get(endpoint.workspaceId, 'owner');
    const managers = await this.members.managers(endpoint.workspaceId);
    const outcomes = await Promise.all(
      managers.map((manager) =>
        this.mailer.sendOnce({
          eventId,
          to: manager.email,
          template: 'webhook-disabled',
          data: {
            workspaceName: workspace.name,
            webhookUrl: endpoint.url,
            failures: data.consecutiveFailures,
            settingsUrl: `${this.config.mail.appWebUrl}/workspaces/${endpoint.workspaceId}/settings/webhooks/${data.webhookId}`,
          },
        }),
      ),
    );
    return outcomes.join(',') || 'skipped';
  }

  private async sendTaskAssigned(
    eventId: string,
    workspaceId: string | null,
    actorId: string | null,
    data: { taskId: string; assigneeId: string },
  ): Promise<string> {
    if (actorId === data.assigneeId) return 'skipped';
    const task = await this.tasks.forMail(data.taskId);
    if (!task || task.assigneeId !== data.assigneeId || task.workspaceId !== workspaceId) return 'skipped';
    const assignee = await this.users.findById(data.assigneeId);
    if (!assignee) return 'skipped';
    const actor = actorId === null ? undefined : await this.users.findById(actorId);
    return this.mailer.sendOnce({
      eventId,
      to: assignee.email,
      template: 'task-assigned',
      data: {
        assigneeName: assignee.name,
        assignedBy: actor?.name ?? 'Someone',
        taskKey: task.key,
        taskTitle: task.title,
        taskUrl: `${this.config.mail.appWebUrl}/workspaces/${task.workspaceId}/tasks/${task.taskId}`,
      },
    });
  }
}
