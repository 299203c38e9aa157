import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/common/auth.decorators';
import { AuditEventPageDto, AuditQueryDto, mapAuditEvent } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('api/v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'List audit events', description: 'Sign-ins, lockouts, user and secret changes, newest first. Admin only.' })
  @ApiOkResponse({ type: AuditEventPageDto })
  async list(@Query() query: AuditQueryDto): Promise<AuditEventPageDto> {
    const page = await this.audit.list(query);
    return { ...page, items: page.items.map(mapAuditEvent) };
  }
}
