import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import { ReadinessReportDto } from './readiness.dto';
import { ReadinessService } from './readiness.service';

@ApiTags('security')
@Roles('admin')
@Controller('api/v1/security')
export class ReadinessController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('readiness')
  @ApiOperation({
    summary: 'Security readiness check',
    description:
      'Scores the running configuration and host against the pre-deployment checklist (secrets, HTTPS, CORS, rate limits, ' +
      'Redis, database TLS and credentials, file permissions, Swagger, monitoring, admin accounts, backups, SMTP): each item ' +
      'pass/warn/fail with advice, and a weighted percentage. Same as `cli security:check`. Audited. Admin only.',
  })
  @ApiOkResponse({ type: ReadinessReportDto })
  check(@CurrentUser() actor: Principal): Promise<ReadinessReportDto> {
    return this.readiness.check({ source: 'api', countSelf: true, actor });
  }
}
