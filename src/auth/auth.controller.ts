import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@app/common/api-responses';
import { CurrentUser, Public, type Principal } from '@app/common/auth.decorators';
import { AuthRateLimit } from '@app/security/throttling/rate-limit.decorators';
import { AuthService } from './auth.service';
import { ChangePasswordDto, LoginDto, MeDto, RefreshDto, TokenPairDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in',
    description: 'Unknown e-mail and wrong password give the same 401. After AUTH_MAX_ATTEMPTS failures the account is locked (423).',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiErrors(400, 415, 423, 429, 503)
  login(@Body() dto: LoginDto): Promise<TokenPairDto> {
    return this.auth.login(dto.email, dto.password);
  }

  @Post('refresh')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair',
    description: 'The old refresh token is spent; reusing it ends the whole session.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiErrors(400, 415, 429, 503)
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out', description: 'Ends the session: its access and refresh tokens stop working at once.' })
  @ApiNoContentResponse({ description: 'Signed out.' })
  logout(@CurrentUser() user: Principal): Promise<void> {
    return this.auth.logout(user);
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentUser() user: Principal): Promise<MeDto> {
    return this.auth.me(user);
  }

  @Post('change-password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change own password', description: 'Needs the current password; ends every other session of the user.' })
  @ApiNoContentResponse({ description: 'Password changed.' })
  @ApiErrors(400, 415, 423)
  changePassword(@CurrentUser() user: Principal, @Body() dto: ChangePasswordDto): Promise<void> {
    return this.auth.changePassword(user, dto.currentPassword, dto.newPassword);
  }
}
