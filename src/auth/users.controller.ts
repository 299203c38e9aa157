import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Roles, type Principal } from '@app/common/auth.decorators';
import { UuidParam } from '@app/common/uuid-param';
import { Clock } from '@app/security/clock';
import { CreateUserDto, mapUser, RevokedSessionsDto, UpdateUserDto, UserPageDto, UserQueryDto, UserResponseDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Roles('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List users',
    description: 'Filter by role, company or text; sort by createdAt, email, fullName, role, lastLoginAt.',
  })
  @ApiOkResponse({ type: UserPageDto })
  @ApiErrors(400)
  async list(@Query() query: UserQueryDto): Promise<UserPageDto> {
    const page = await this.users.list(query);
    return { ...page, items: page.items.map((user) => mapUser(user, this.clock.now())) };
  }

  @Post()
  @ApiOperation({ summary: 'Create a user', description: 'Managers and viewers belong to a company; admins do not.' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors(400, 409, 415)
  async create(@CurrentUser() actor: Principal, @Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return mapUser(await this.users.create(actor, dto), this.clock.now());
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(400, 404)
  async get(@UuidParam('id') id: string): Promise<UserResponseDto> {
    return mapUser(await this.users.get(id), this.clock.now());
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Update, disable or reset a user',
    description: 'Role, company, disable and password reset end the user’s sessions.',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors(400, 404, 409, 415)
  async update(@CurrentUser() actor: Principal, @UuidParam('id') id: string, @Body() dto: UpdateUserDto): Promise<UserResponseDto> {
    return mapUser(await this.users.update(actor, id, dto), this.clock.now());
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user', description: 'Not yourself, not the last active admin.' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(400, 404, 409)
  remove(@CurrentUser() actor: Principal, @UuidParam('id') id: string): Promise<void> {
    return this.users.remove(actor, id);
  }

  @Post(':id/revoke-sessions')
  @HttpCode(200)
  @ApiOperation({ summary: 'End all sessions of a user' })
  @ApiOkResponse({ type: RevokedSessionsDto })
  @ApiErrors(400, 404)
  async revokeSessions(@CurrentUser() actor: Principal, @UuidParam('id') id: string): Promise<RevokedSessionsDto> {
    return { revoked: await this.users.revokeSessions(actor, id) };
  }
}
