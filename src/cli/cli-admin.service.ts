import { Injectable } from '@nestjs/common';
import { AdminBootstrapService } from '@app/auth/admin-bootstrap.service';

/**
 * `createAdmin` without the development first-start admin: a CLI run on an empty database must create exactly
 * the account it was asked for, not also a second one with a printed random password.
 */
@Injectable()
export class CliAdminService extends AdminBootstrapService {
  override async onApplicationBootstrap(): Promise<void> {
    // intentionally nothing
  }
}
