import { Command, CommandRunner, Option } from 'nest-commander';
import { AdminBootstrapService, AdminCreationError } from '@app/auth/admin-bootstrap.service';
import { fail, promptHidden, readFirstLine, say } from './cli-io';
import { SchemaService } from './schema.service';

interface CreateAdminOptions {
  email: string;
  password?: string;
  name?: string;
}

/** `user:create-admin`: the supported way to create the first administrator in every environment. */
@Command({
  name: 'user:create-admin',
  description: 'Create an administrator. Without --password it asks on the terminal, or reads one line from stdin.',
})
export class CreateAdminCommand extends CommandRunner {
  constructor(
    private readonly schema: SchemaService,
    private readonly admins: AdminBootstrapService,
  ) {
    super();
  }

  async run(_params: string[], options: CreateAdminOptions): Promise<void> {
    const password = options.password ?? (await this.readPassword());
    if (password === null) return;
    await this.schema.ensureMigrated();
    try {
      const user = await this.admins.createAdmin(options.email, password, options.name?.trim() || undefined);
      say(`created admin ${user.email}`);
    } catch (error) {
      if (error instanceof AdminCreationError) fail(error.message);
      else throw error;
    }
  }

  private async readPassword(): Promise<string | null> {
    if (process.stdin.isTTY) {
      const first = await promptHidden('Password: ');
      const second = await promptHidden('Repeat password: ');
      if (first !== second) {
        fail('the passwords do not match');
        return null;
      }
      return first;
    }
    const line = await readFirstLine();
    if (line === null || line.length === 0) {
      fail('no password given: pass --password, type it on a terminal, or pipe one line to stdin');
      return null;
    }
    return line.replace(/\r$/, '');
  }

  @Option({ flags: '--email <email>', description: 'e-mail address of the new administrator', required: true })
  parseEmail(value: string): string {
    return value;
  }

  @Option({
    flags: '--password <password>',
    description: 'password (prefer the prompt or stdin: arguments show up in ps and shell history)',
  })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--name <fullName>', description: 'full name (default "Administrator")' })
  parseName(value: string): string {
    return value;
  }
}
