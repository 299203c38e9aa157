import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import { UuidParam } from '@app/common/uuid-param';
import {
  CreateStorageConnectionDto,
  FolderQueryDto,
  StorageConnectionQueryDto,
  UpdateStorageConnectionDto,
} from './dto/storage-connection.dto';
import {
  FolderListDto,
  mapStorageConnection,
  StorageConnectionPageDto,
  StorageConnectionResponseDto,
  StorageTestResultDto,
} from './dto/storage-connection.response';
import { StorageConnectionTesterService } from './storage-connection-tester.service';
import { StorageConnectionsService } from './storage-connections.service';

@ApiTags('storage-connections')
@Roles('admin')
@Controller('api/v1/storage-connections')
export class StorageConnectionsController {
  constructor(
    private readonly connections: StorageConnectionsService,
    private readonly tester: StorageConnectionTesterService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List storage connections', description: 'Filter by type; sort by name, type, createdAt, updatedAt.' })
  @ApiOkResponse({ type: StorageConnectionPageDto })
  @ApiErrors(400)
  async list(@Query() query: StorageConnectionQueryDto): Promise<StorageConnectionPageDto> {
    const page = await this.connections.list(query);
    return { ...page, items: page.items.map(mapStorageConnection) };
  }

  @Post()
  @ApiOperation({
    summary: 'Create a storage connection',
    description: 'Fields depend on `type`; the other type’s fields are refused. Secrets are stored encrypted and never returned.',
  })
  @ApiCreatedResponse({ type: StorageConnectionResponseDto })
  @ApiErrors(400, 409, 415)
  async create(@CurrentUser() actor: Principal, @Body() dto: CreateStorageConnectionDto): Promise<StorageConnectionResponseDto> {
    return mapStorageConnection(await this.connections.create(actor, dto));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a storage connection' })
  @ApiOkResponse({ type: StorageConnectionResponseDto })
  @ApiErrors(400, 404)
  async get(@UuidParam('id') id: string): Promise<StorageConnectionResponseDto> {
    return mapStorageConnection(await this.connections.get(id));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Update a storage connection',
    description: 'The type cannot change. Changing any setting or secret clears the last test result. Omitted secrets are kept.',
  })
  @ApiOkResponse({ type: StorageConnectionResponseDto })
  @ApiErrors(400, 404, 409, 415)
  async update(
    @CurrentUser() actor: Principal,
    @UuidParam('id') id: string,
    @Body() dto: UpdateStorageConnectionDto,
  ): Promise<StorageConnectionResponseDto> {
    return mapStorageConnection(await this.connections.update(actor, id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a storage connection', description: '409 while a company stores its files there.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(400, 404, 409)
  remove(@CurrentUser() actor: Principal, @UuidParam('id') id: string): Promise<void> {
    return this.connections.remove(actor, id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Test a storage connection',
    description:
      'Really contacts the service (S3: bucket check + probe write/delete; Yandex Disk: token + base folder). Stored as the last test.',
  })
  @ApiOkResponse({ type: StorageTestResultDto })
  @ApiErrors(400, 404)
  async test(@CurrentUser() actor: Principal, @UuidParam('id') id: string): Promise<StorageTestResultDto> {
    const outcome = await this.tester.test(actor, id);
    return { ok: outcome.ok, message: outcome.message, at: outcome.at.toISOString() };
  }

  @Get(':id/folders')
  @ApiOperation({
    summary: 'Browse folders of a Yandex Disk connection',
    description: 'Paths are relative to the connection base path; 400 for s3.',
  })
  @ApiOkResponse({ type: FolderListDto })
  @ApiErrors(400, 404, 503)
  folders(@UuidParam('id') id: string, @Query() query: FolderQueryDto): Promise<FolderListDto> {
    return this.tester.folders(id, query);
  }
}
