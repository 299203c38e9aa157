import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@app/common/api-responses';
import { Roles } from '@app/common/auth.decorators';
import { mapOutbox, OutboxPageDto, OutboxQueryDto } from './dto/mail-outbox.dto';
import { MailOutboxService } from './mail-outbox.service';

@ApiTags('mail')
@Roles('admin')
@Controller('api/v1/mail/outbox')
export class MailOutboxController {
  constructor(private readonly outbox: MailOutboxService) {}

  @Get()
  @ApiOperation({ summary: 'List outbox mails', description: 'Filter by status; sort by createdAt, status, sentAt (default -createdAt).' })
  @ApiOkResponse({ type: OutboxPageDto })
  @ApiErrors(400)
  async list(@Query() query: OutboxQueryDto): Promise<OutboxPageDto> {
    const page = await this.outbox.list(query);
    return { ...page, items: page.items.map(mapOutbox) };
  }
}
