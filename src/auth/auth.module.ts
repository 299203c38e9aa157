import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { SessionEntity } from './entities/session.entity';
import { UserEntity } from './entities/user.entity';
import { JwtAuthGuard } from './jwt-auth.guard';
import { LockoutService } from './lockout.service';
import { PasswordService } from './password.service';
import { RolesGuard } from './roles.guard';
import { SessionsService } from './sessions.service';
import { TokenService } from './token.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  // Secrets and algorithm are passed on every sign/verify call (TokenService), never defaulted here.
  imports: [TypeOrmModule.forFeature([UserEntity, SessionEntity, RefreshTokenEntity]), JwtModule.register({})],
  controllers: [AuthController, UsersController],
  providers: [
    AuthService,
    UsersService,
    PasswordService,
    TokenService,
    SessionsService,
    LockoutService,
    AdminBootstrapService,
    JwtAuthGuard,
    RolesGuard,
  ],
  exports: [JwtAuthGuard, RolesGuard, PasswordService, AdminBootstrapService],
})
export class AuthModule {}
