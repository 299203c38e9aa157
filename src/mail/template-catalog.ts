import type { MailLocaleCode } from './entities/mail-settings.entity';

export const TEMPLATE_KEYS = [
  'order-ready',
  'subscription-expiring',
  'subscription-expired',
  'account-locked',
  'backup-failed',
  'password-changed',
] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export interface TemplateVariable {
  name: string;
  description: string;
  example: string;
}

export interface TemplateContent {
  subject: string;
  html: string;
  /** null: generated from the HTML. */
  text: string | null;
}

export interface TemplateDefinition {
  key: TemplateKey;
  description: string;
  variables: TemplateVariable[];
  defaults: Record<MailLocaleCode, TemplateContent>;
}

const v = (name: string, description: string, example: string): TemplateVariable => ({ name, description, example });

const clientName = v('clientName', 'The client’s name', 'Anna Petrova');
const companyName = v('companyName', 'The studio (company) name', 'Photo Studio North');
const arUrl = v('arUrl', 'Public AR link', 'https://ar.example.com/ar/3q2-5b7kF9xYcT1mZ0aLdw');

/** The templates, their variables and the built-in English and Russian defaults (used until an admin saves one). */
export const TEMPLATES: Record<TemplateKey, TemplateDefinition> = {
  'order-ready': {
    key: 'order-ready',
    description: 'Sent to the company when an order has been processed and its AR link works.',
    variables: [companyName, clientName, v('orderId', 'Order id', '0b8f4a52-2c6e-4a8e-9d4f-0e9b8f2d1c3a'), arUrl],
    defaults: {
      en: {
        subject: 'Order for {{clientName}} is ready',
        html: '<p>Hello, {{companyName}}!</p><p>The AR portrait for <strong>{{clientName}}</strong> is ready.</p><p><a href="{{arUrl}}">Open the AR experience</a></p><p>Order: {{orderId}}</p>',
        text: null,
      },
      ru: {
        subject: 'Заказ для {{clientName}} готов',
        html: '<p>Здравствуйте, {{companyName}}!</p><p>AR-портрет для <strong>{{clientName}}</strong> готов.</p><p><a href="{{arUrl}}">Открыть AR</a></p><p>Заказ: {{orderId}}</p>',
        text: null,
      },
    },
  },
  'subscription-expiring': {
    key: 'subscription-expiring',
    description: 'Sent to the client 7 days and 24 hours before the portrait’s subscription ends.',
    variables: [clientName, companyName, arUrl, v('expiresAt', 'When the subscription ends (UTC)', '2026-01-31 12:00 UTC')],
    defaults: {
      en: {
        subject: 'Your AR portrait expires on {{expiresAt}}',
        html: '<p>Hello, {{clientName}}!</p><p>Your AR portrait from {{companyName}} stays available until <strong>{{expiresAt}}</strong>.</p><p><a href="{{arUrl}}">Open it</a> and contact the studio to extend it.</p>',
        text: null,
      },
      ru: {
        subject: 'Срок действия AR-портрета истекает {{expiresAt}}',
        html: '<p>Здравствуйте, {{clientName}}!</p><p>Ваш AR-портрет от {{companyName}} доступен до <strong>{{expiresAt}}</strong>.</p><p><a href="{{arUrl}}">Открыть</a> — чтобы продлить, свяжитесь со студией.</p>',
        text: null,
      },
    },
  },
  'subscription-expired': {
    key: 'subscription-expired',
    description: 'Sent to the client when the portrait’s subscription has ended.',
    variables: [clientName, companyName, arUrl, v('expiredAt', 'When the subscription ended (UTC)', '2026-01-31 12:00 UTC')],
    defaults: {
      en: {
        subject: 'Your AR portrait has expired',
        html: '<p>Hello, {{clientName}}!</p><p>Your AR portrait from {{companyName}} expired on {{expiredAt}}. Contact the studio to renew it.</p>',
        text: null,
      },
      ru: {
        subject: 'Срок действия AR-портрета истёк',
        html: '<p>Здравствуйте, {{clientName}}!</p><p>Срок действия вашего AR-портрета от {{companyName}} истёк {{expiredAt}}. Чтобы продлить, свяжитесь со студией.</p>',
        text: null,
      },
    },
  },
  'account-locked': {
    key: 'account-locked',
    description: 'Sent to every active admin when an account is locked after failed sign-ins.',
    variables: [
      v('userEmail', 'The locked account', 'manager@studio.example'),
      v('lockedUntil', 'End of the lockout (UTC)', '2026-01-31 12:15 UTC'),
      v('ip', 'Address of the last failed attempt', '203.0.113.7'),
    ],
    defaults: {
      en: {
        subject: 'Account locked: {{userEmail}}',
        html: '<p>The account <strong>{{userEmail}}</strong> was locked after repeated failed sign-ins.</p><p>Locked until: {{lockedUntil}}<br>Last attempt from: {{ip}}</p>',
        text: null,
      },
      ru: {
        subject: 'Учётная запись заблокирована: {{userEmail}}',
        html: '<p>Учётная запись <strong>{{userEmail}}</strong> заблокирована после неудачных попыток входа.</p><p>Блокировка до: {{lockedUntil}}<br>Последняя попытка с адреса: {{ip}}</p>',
        text: null,
      },
    },
  },
  'backup-failed': {
    key: 'backup-failed',
    description: 'Sent to every active admin when a backup run fails.',
    variables: [
      v('backupId', 'The backup run', '2026-01-31T03-00-00Z'),
      v('reason', 'Why it failed', 'storage unavailable'),
      v('failedAt', 'When it failed (UTC)', '2026-01-31 03:00 UTC'),
    ],
    defaults: {
      en: {
        subject: 'Backup failed ({{backupId}})',
        html: '<p>The backup <strong>{{backupId}}</strong> failed at {{failedAt}}.</p><p>Reason: {{reason}}</p>',
        text: null,
      },
      ru: {
        subject: 'Ошибка резервного копирования ({{backupId}})',
        html: '<p>Резервная копия <strong>{{backupId}}</strong> не создана ({{failedAt}}).</p><p>Причина: {{reason}}</p>',
        text: null,
      },
    },
  },
  'password-changed': {
    key: 'password-changed',
    description: 'Sent to a user after their password was changed.',
    variables: [v('fullName', 'The user’s name', 'Maria Ivanova'), v('changedAt', 'When (UTC)', '2026-01-31 12:00 UTC')],
    defaults: {
      en: {
        subject: 'Your password was changed',
        html: '<p>Hello, {{fullName}}!</p><p>The password of your Vertex AR account was changed at {{changedAt}}. If this was not you, contact your administrator now.</p>',
        text: null,
      },
      ru: {
        subject: 'Ваш пароль изменён',
        html: '<p>Здравствуйте, {{fullName}}!</p><p>Пароль вашей учётной записи Vertex AR изменён {{changedAt}}. Если это были не вы, срочно свяжитесь с администратором.</p>',
        text: null,
      },
    },
  },
};

/** Every variable name any template declares (a preview's variables must be among them). */
export const ALL_VARIABLE_NAMES = new Set(
  Object.values(TEMPLATES).flatMap((template) => template.variables.map((variable) => variable.name)),
);

export function isTemplateKey(value: string): value is TemplateKey {
  return (TEMPLATE_KEYS as readonly string[]).includes(value);
}

/** `2026-01-31 12:00 UTC`: a stable, locale-neutral rendering of times in mails. */
export function formatMailTime(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
