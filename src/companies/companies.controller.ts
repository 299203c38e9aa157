import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import { UuidParam } from '@app/common/uuid-param';
import { CompaniesService } from './companies.service';
import {
  CompanyDeletionDto,
  CompanyPageDto,
  CompanyQueryDto,
  CompanyResponseDto,
  CreateCompanyDto,
  mapCompany,
  StorageInfoDto,
  UpdateCompanyDto,
} from './dto/company.dto';

@ApiTags('companies')
@Controller('api/v1/companies')
export class CompaniesController {
  constructor(private readonly companies: CompaniesService) {}

  @Get()
  @ApiOperation({
    summary: 'List companies',
    description: 'Admins see all; managers and viewers see their own. Sort: name, createdAt, city.',
  })
  @ApiOkResponse({ type: CompanyPageDto })
  @ApiErrors(400)
  async list(@CurrentUser() user: Principal, @Query() query: CompanyQueryDto): Promise<CompanyPageDto> {
    const page = await this.companies.list(user, query);
    return { ...page, items: page.items.map(mapCompany) };
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Create a company', description: 's3 / yandex_disk storage needs an active, successfully tested connection.' })
  @ApiCreatedResponse({ type: CompanyResponseDto })
  @ApiErrors(400, 409, 415)
  async create(@CurrentUser() user: Principal, @Body() dto: CreateCompanyDto): Promise<CompanyResponseDto> {
    return mapCompany(await this.companies.create(user, dto));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a company' })
  @ApiOkResponse({ type: CompanyResponseDto })
  @ApiErrors(400, 404)
  async get(@CurrentUser() user: Principal, @UuidParam('id') id: string): Promise<CompanyResponseDto> {
    return mapCompany(await this.companies.get(user, id));
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({
    summary: 'Update a company',
    description: 'null clears an optional contact field. The default company stays on local storage.',
  })
  @ApiOkResponse({ type: CompanyResponseDto })
  @ApiErrors(400, 404, 409, 415)
  async update(@CurrentUser() user: Principal, @UuidParam('id') id: string, @Body() dto: UpdateCompanyDto): Promise<CompanyResponseDto> {
    return mapCompany(await this.companies.update(user, id, dto));
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Delete a company with its clients and stored files',
    description: 'Refused for the default company and while user accounts belong to it. Reports what was removed.',
  })
  @ApiOkResponse({ type: CompanyDeletionDto })
  @ApiErrors(400, 404, 409, 503)
  remove(@CurrentUser() user: Principal, @UuidParam('id') id: string): Promise<CompanyDeletionDto> {
    return this.companies.remove(user, id);
  }

  @Get(':id/storage-info')
  @ApiOperation({ summary: 'Where and how much the company stores' })
  @ApiOkResponse({ type: StorageInfoDto })
  @ApiErrors(400, 404)
  storageInfo(@CurrentUser() user: Principal, @UuidParam('id') id: string): Promise<StorageInfoDto> {
    return this.companies.storageInfo(user, id);
  }
}
