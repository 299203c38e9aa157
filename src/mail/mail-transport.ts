import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import type { SmtpAccount } from './mail-settings.service';
import type { ResolvedHost } from './smtp-host-guard';

export interface OutgoingMail {
  id: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface SentMail {
  messageId: string | null;
}

/** Replaces every credential (and its base64 forms used by AUTH PLAIN/LOGIN) in an error text. */
export function scrubSecrets(message: string, secrets: Array<string | null | undefined>): string {
  let text = message;
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
    for (const form of forms) text = text.split(form).join('[redacted]');
  }
  return text;
}

/** A short single-line reason for `last_error`, without credentials. */
export function describeSmtpError(error: unknown, secrets: Array<string | null | undefined>): string {
  const parts: string[] = [];
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; responseCode?: unknown; message?: unknown };
    if (typeof e.code === 'string') parts.push(e.code);
    if (typeof e.responseCode === 'number') parts.push(String(e.responseCode));
    parts.push(typeof e.message === 'string' ? e.message : 'delivery failed');
  } else parts.push(String(error));
  // eslint-disable-next-line no-control-regex
  const line = parts.join(' ').replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return scrubSecrets(line, secrets).slice(0, 500);
}

/** Adapter around nodemailer (ARCHITECTURE.md §10): SMTP delivery, and `.eml` files in development. */
@Injectable()
export class MailTransport {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async sendSmtp(account: SmtpAccount, target: ResolvedHost, mail: OutgoingMail): Promise<SentMail> {
    const { settings, password } = account;
    const timeout = this.config.mail.smtpTimeoutMs;
    const transport = createTransport({
      host: target.address,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      auth: settings.username ? { user: settings.username, pass: password ?? '' } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      dnsTimeout: timeout,
      tls: { servername: target.servername, minVersion: 'TLSv1.2', rejectUnauthorized: true },
      logger: false,
      debug: false,
    });
    try {
      const info = (await transport.sendMail(this.message(account, mail))) as { messageId?: string };
      return { messageId: info.messageId ?? null };
    } finally {
      transport.close();
    }
  }

  /** Development without SMTP: the mail as `<DATA_DIR>/mail/<time>-<id>.eml` (mode 0600). */
  async writeEml(mail: OutgoingMail, from: string): Promise<{ file: string; messageId: string | null }> {
    const transport = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const info = (await transport.sendMail({ from, to: mail.to, subject: mail.subject, html: mail.html, text: mail.text })) as {
      message: Buffer;
      messageId?: string;
    };
    const dir = this.config.mail.outboxDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.id}-${randomBytes(2).toString('hex')}.eml`);
    await writeFile(file, info.message, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    return { file, messageId: info.messageId ?? null };
  }

  private message(account: SmtpAccount, mail: OutgoingMail): Record<string, unknown> {
    const { settings } = account;
    return {
      from: settings.fromName ? { name: settings.fromName, address: settings.fromAddress } : settings.fromAddress,
      to: mail.to,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      disableFileAccess: true,
      disableUrlAccess: true,
    };
  }
}
