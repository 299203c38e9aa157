import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AUTH_EVENTS, type AccountLockedEvent, type PasswordChangedEvent } from '@app/auth/auth.events';
import {
  AR_EVENTS,
  BACKUP_EVENTS,
  type BackupFailedEvent,
  type OrderReadyEvent,
  type SubscriptionExpiredEvent,
  type SubscriptionExpiringEvent,
} from '@app/common/domain-events';
import { NotificationsService } from '../notifications.service';
import { formatMailTime } from '../template-catalog';

const OPTIONS = { async: true, promisify: true } as const;

/**
 * Domain events → mails. The emitting modules know nothing of mail; each mail has a dedupe key derived from
 * the event, so the same event delivered twice (retry, restart, a second instance) writes one outbox row.
 */
@Injectable()
export class NotificationListeners {
  private readonly logger = new Logger('MailNotifications');

  constructor(private readonly notifications: NotificationsService) {}

  @OnEvent(AUTH_EVENTS.accountLocked, OPTIONS)
  async accountLocked(event: AccountLockedEvent): Promise<void> {
    await this.guard('account-locked', async () => {
      for (const admin of await this.notifications.activeAdmins()) {
        await this.notifications.notify({
          template: 'account-locked',
          to: admin.email,
          variables: { userEmail: event.email, lockedUntil: formatMailTime(event.lockedUntil), ip: event.ip ?? 'unknown' },
          dedupeKey: `account-locked:${event.userId}:${event.lockedUntil}:${admin.id}`,
        });
      }
    });
  }

  @OnEvent(AUTH_EVENTS.passwordChanged, OPTIONS)
  async passwordChanged(event: PasswordChangedEvent): Promise<void> {
    await this.guard('password-changed', () =>
      this.notifications.notify({
        template: 'password-changed',
        to: event.email,
        variables: { fullName: event.fullName, changedAt: formatMailTime(event.at) },
        dedupeKey: `password-changed:${event.userId}:${event.at}`,
      }),
    );
  }

  @OnEvent(AR_EVENTS.orderReady, OPTIONS)
  async orderReady(event: OrderReadyEvent): Promise<void> {
    if (!event.companyEmail) return;
    const to = event.companyEmail;
    await this.guard('order-ready', () =>
      this.notifications.notify({
        template: 'order-ready',
        to,
        locale: event.locale,
        variables: { companyName: event.companyName, clientName: event.clientName ?? '', orderId: event.orderId, arUrl: event.arUrl },
        dedupeKey: `order-ready:${event.orderId}`,
      }),
    );
  }

  @OnEvent(AR_EVENTS.subscriptionExpiring, OPTIONS)
  async subscriptionExpiring(event: SubscriptionExpiringEvent): Promise<void> {
    if (!event.clientEmail) return;
    const to = event.clientEmail;
    await this.guard('subscription-expiring', () =>
      this.notifications.notify({
        template: 'subscription-expiring',
        to,
        locale: event.locale,
        variables: {
          clientName: event.clientName ?? '',
          companyName: event.companyName,
          arUrl: event.arUrl,
          expiresAt: formatMailTime(event.endsAt),
        },
        dedupeKey: `subscription-expiring:${event.portraitId}:${event.window}:${event.endsAt}`,
      }),
    );
  }

  @OnEvent(AR_EVENTS.subscriptionExpired, OPTIONS)
  async subscriptionExpired(event: SubscriptionExpiredEvent): Promise<void> {
    if (!event.clientEmail) return;
    const to = event.clientEmail;
    await this.guard('subscription-expired', () =>
      this.notifications.notify({
        template: 'subscription-expired',
        to,
        locale: event.locale,
        variables: {
          clientName: event.clientName ?? '',
          companyName: event.companyName,
          arUrl: event.arUrl,
          expiredAt: formatMailTime(event.endsAt),
        },
        dedupeKey: `subscription-expired:${event.portraitId}:${event.endsAt}`,
      }),
    );
  }

  @OnEvent(BACKUP_EVENTS.failed, OPTIONS)
  async backupFailed(event: BackupFailedEvent): Promise<void> {
    await this.guard('backup-failed', async () => {
      for (const admin of await this.notifications.activeAdmins()) {
        await this.notifications.notify({
          template: 'backup-failed',
          to: admin.email,
          variables: { backupId: event.backupId, reason: event.reason, failedAt: formatMailTime(event.failedAt) },
          dedupeKey: `backup-failed:${event.backupId}:${admin.id}`,
        });
      }
    });
  }

  /** A notification failure is logged; it never breaks the action that emitted the event. */
  private async guard(template: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.error({ template, err: { message: (error as Error).message } }, 'could not queue notification');
    }
  }
}
