import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import {
  MailTemplateListDto,
  MailTemplateResponseDto,
  mapPreview,
  mapTemplate,
  PreviewMailTemplateDto,
  TemplatePreviewDto,
  UpdateMailTemplateDto,
} from './dto/mail-template.dto';
import { MailTemplatesService } from './mail-templates.service';
import { TEMPLATE_KEYS } from './template-catalog';

const KeyParam = (): MethodDecorator => ApiParam({ name: 'key', enum: TEMPLATE_KEYS });

@ApiTags('mail')
@Roles('admin')
@Controller('api/v1/mail/templates')
export class MailTemplatesController {
  constructor(private readonly templates: MailTemplatesService) {}

  @Get()
  @ApiOperation({
    summary: 'List the mail templates',
    description: 'Every template with its variables and its English and Russian versions.',
  })
  @ApiOkResponse({ type: MailTemplateListDto })
  async list(): Promise<MailTemplateListDto> {
    return { items: (await this.templates.list()).map(mapTemplate) };
  }

  @Get(':key')
  @KeyParam()
  @ApiOperation({ summary: 'Get a mail template' })
  @ApiOkResponse({ type: MailTemplateResponseDto })
  @ApiErrors(404)
  async get(@Param('key') key: string): Promise<MailTemplateResponseDto> {
    return mapTemplate(await this.templates.get(key));
  }

  @Put(':key')
  @KeyParam()
  @ApiOperation({
    summary: 'Save one locale of a mail template',
    description: 'Unknown {{variables}} are refused; the HTML is sanitized (the response shows what was kept).',
  })
  @ApiOkResponse({ type: MailTemplateResponseDto })
  @ApiErrors(400, 404, 415)
  async update(
    @CurrentUser() actor: Principal,
    @Param('key') key: string,
    @Body() dto: UpdateMailTemplateDto,
  ): Promise<MailTemplateResponseDto> {
    return mapTemplate(await this.templates.save(actor, key, dto));
  }

  @Post(':key/preview')
  @HttpCode(200)
  @KeyParam()
  @ApiOperation({
    summary: 'Render a mail template',
    description: 'With the given values (HTML-escaped); every locale unless one is given.',
  })
  @ApiOkResponse({ type: TemplatePreviewDto })
  @ApiErrors(400, 404, 415)
  async preview(@Param('key') key: string, @Body() dto: PreviewMailTemplateDto): Promise<TemplatePreviewDto> {
    return mapPreview(key, await this.templates.preview(key, dto.variables, dto.locale));
  }
}
