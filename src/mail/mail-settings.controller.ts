import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import {
  mapMailSettings,
  MailSettingsResponseDto,
  SendTestMailDto,
  TestMailResultDto,
  UpdateMailSettingsDto,
} from './dto/mail-settings.dto';
import { MailSettingsService } from './mail-settings.service';
import { MailTestService } from './mail-test.service';

@ApiTags('mail')
@Roles('admin')
@Controller('api/v1/mail')
export class MailSettingsController {
  constructor(
    private readonly settings: MailSettingsService,
    private readonly testMail: MailTestService,
  ) {}

  @Get('settings')
  @ApiOperation({
    summary: 'Get the SMTP settings',
    description: 'The password is never returned: `hasPassword` says whether one is stored.',
  })
  @ApiOkResponse({ type: MailSettingsResponseDto })
  async get(): Promise<MailSettingsResponseDto> {
    return mapMailSettings(await this.settings.get());
  }

  @Put('settings')
  @ApiOperation({
    summary: 'Save the SMTP settings',
    description:
      'The password is stored encrypted (omit it to keep the stored one, null to remove it). A host that resolves to a loopback, private, link-local or metadata address is refused unless MAIL_ALLOW_PRIVATE_HOSTS=true.',
  })
  @ApiOkResponse({ type: MailSettingsResponseDto })
  @ApiErrors(400, 415)
  async update(@CurrentUser() actor: Principal, @Body() dto: UpdateMailSettingsDto): Promise<MailSettingsResponseDto> {
    return mapMailSettings(await this.settings.update(actor, dto));
  }

  @Post('test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a test mail',
    description: 'Queued through the outbox (one attempt); waits up to ~10 s for the delivery result.',
  })
  @ApiOkResponse({ type: TestMailResultDto })
  @ApiErrors(400, 415, 503)
  async test(@CurrentUser() actor: Principal, @Body() dto: SendTestMailDto): Promise<TestMailResultDto> {
    const row = await this.testMail.send(actor, dto.to);
    return { id: row.id, status: row.status, attempts: row.attempts, lastError: row.lastError };
  }
}
