/**
 * Domain events that cross module boundaries (ARCHITECTURE.md §2). Emitters use `EventEmitter2.emit(name,
 * payload)` and never import the listeners' modules (mail, metrics). Auth events live in
 * `src/auth/auth.events.ts`; the others are declared here so that emitters and listeners share one contract.
 */
export const AR_EVENTS = {
  /** An order finished processing (status `ready`). */
  orderReady: 'ar.order.ready',
  /** A portrait's subscription ends soon (sent at 7 days and at 24 hours before the end). */
  subscriptionExpiring: 'ar.subscription.expiring',
  /** A portrait's subscription has ended. */
  subscriptionExpired: 'ar.subscription.expired',
} as const;

export const BACKUP_EVENTS = {
  failed: 'backup.failed',
} as const;

export type MailLocale = 'en' | 'ru';

export interface OrderReadyEvent {
  orderId: string;
  companyId: string;
  companyName: string;
  /** The company's contact e-mail; no mail is sent when null. */
  companyEmail: string | null;
  clientName: string | null;
  /** The public viewer link `{BASE_URL}/ar/{slug}`. */
  arUrl: string;
  readyAt: string;
  locale?: MailLocale;
}

export interface SubscriptionExpiringEvent {
  portraitId: string;
  companyName: string;
  clientName: string | null;
  /** The client's e-mail; no mail is sent when null. */
  clientEmail: string | null;
  arUrl: string;
  /** ISO time the subscription ends. */
  endsAt: string;
  /** Which reminder this is; each is sent once per portrait and end date. */
  window: '7d' | '24h';
  locale?: MailLocale;
}

export interface SubscriptionExpiredEvent {
  portraitId: string;
  companyName: string;
  clientName: string | null;
  clientEmail: string | null;
  arUrl: string;
  endsAt: string;
  locale?: MailLocale;
}

export interface BackupFailedEvent {
  /** Identifies the run (one mail per run). */
  backupId: string;
  /** A short reason without secrets or paths of credentials. */
  reason: string;
  failedAt: string;
}
