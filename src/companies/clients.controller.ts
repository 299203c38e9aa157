import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, type Principal } from '@app/common/auth.decorators';
import { UuidParam } from '@app/common/uuid-param';
import { clientsCsv } from './clients-csv';
import { ClientsService } from './clients.service';
import {
  ClientExportQueryDto,
  ClientPageDto,
  ClientQueryDto,
  ClientResponseDto,
  CreateClientDto,
  mapClient,
  UpdateClientDto,
} from './dto/client.dto';

@ApiTags('clients')
@Controller('api/v1/companies/:companyId/clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Get()
  @ApiOperation({
    summary: 'List a company’s clients',
    description: 'Search by name, phone or e-mail; sort: name, createdAt, phone, email.',
  })
  @ApiOkResponse({ type: ClientPageDto })
  @ApiErrors(400, 404)
  async list(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @Query() query: ClientQueryDto,
  ): Promise<ClientPageDto> {
    const page = await this.clients.list(user, companyId, query);
    return { ...page, items: page.items.map(mapClient) };
  }

  @Get('export')
  @ApiOperation({
    summary: 'Export clients as CSV',
    description: 'Streamed. Cells starting with = + - @, tab or CR are prefixed with an apostrophe.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV with a header row.', schema: { type: 'string' } })
  @ApiErrors(400, 404)
  async export(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @Query() query: ClientExportQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    const rows = this.clients.iterate(user, companyId, query.search);
    const first = await rows.next();
    const csv = clientsCsv(
      (async function* () {
        if (!first.done) yield first.value;
        yield* rows;
      })(),
    );
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="clients-${companyId}.csv"`);
    // A failure after the first byte can only cut the download short; it must never crash the process.
    await pipeline(csv, res).catch(() => res.destroy());
  }

  @Post()
  @ApiOperation({ summary: 'Create a client', description: 'Phone and e-mail are unique within the company.' })
  @ApiCreatedResponse({ type: ClientResponseDto })
  @ApiErrors(400, 404, 409, 415)
  async create(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @Body() dto: CreateClientDto,
  ): Promise<ClientResponseDto> {
    return mapClient(await this.clients.create(user, companyId, dto));
  }

  @Get(':clientId')
  @ApiOperation({ summary: 'Get a client' })
  @ApiOkResponse({ type: ClientResponseDto })
  @ApiErrors(400, 404)
  async get(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('clientId') id: string,
  ): Promise<ClientResponseDto> {
    return mapClient(await this.clients.get(user, companyId, id));
  }

  @Patch(':clientId')
  @ApiOperation({ summary: 'Update a client' })
  @ApiOkResponse({ type: ClientResponseDto })
  @ApiErrors(400, 404, 409, 415)
  async update(
    @CurrentUser() user: Principal,
    @UuidParam('companyId') companyId: string,
    @UuidParam('clientId') id: string,
    @Body() dto: UpdateClientDto,
  ): Promise<ClientResponseDto> {
    return mapClient(await this.clients.update(user, companyId, id, dto));
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a client' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(400, 404)
  remove(@CurrentUser() user: Principal, @UuidParam('companyId') companyId: string, @UuidParam('clientId') id: string): Promise<void> {
    return this.clients.remove(user, companyId, id);
  }
}
