import { Injectable } from '@nestjs/common';
import type { Principal } from '@app/common/auth.decorators';
import { AuditService } from '@app/security/audit/audit.service';
import type { MailOutboxEntity } from './entities/mail-outbox.entity';
import { MailOutboxService } from './mail-outbox.service';

const WAIT_MS = 10_000;
const POLL_MS = 200;

/** `POST /mail/test`: one attempt through the real outbox and queue, waiting up to ~10 s for its result. */
@Injectable()
export class MailTestService {
  constructor(
    private readonly outbox: MailOutboxService,
    private readonly audit: AuditService,
  ) {}

  async send(actor: Principal, to: string, waitMs = WAIT_MS): Promise<MailOutboxEntity> {
    const id = await this.outbox.enqueue({
      to,
      subject: 'Vertex AR test message',
      html: '<p>This is a test message from Vertex AR. SMTP delivery works.</p>',
      text: 'This is a test message from Vertex AR. SMTP delivery works.',
      templateKey: null,
      maxAttempts: 1,
    });
    await this.audit.record({ action: 'mail.test_sent', actor, target: { type: 'mail_outbox', id } });
    const deadline = Date.now() + waitMs;
    let row = id ? await this.outbox.get(id) : null;
    while (row && (row.status === 'queued' || row.status === 'sending') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      row = await this.outbox.get(row.id);
    }
    if (!row) throw new Error('test mail row disappeared');
    return row;
  }
}
