import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { ConfigValidationError, loadConfig, UnsafeProductionConfigError } from './config/load-config';

/** commander's own errors (usage, --help, --version); commander has already printed what it had to say. */
interface CommanderError extends Error {
  code: string;
  exitCode: number;
}

function isCommanderError(error: unknown): error is CommanderError {
  return (
    error instanceof Error &&
    typeof (error as Partial<CommanderError>).code === 'string' &&
    (error as CommanderError).code.startsWith('commander.')
  );
}

/** One line per problem, never a stack trace: the CLI is used by people and by deployment scripts. */
function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError || error instanceof UnsafeProductionConfigError) {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  // CommandFactory.run, split up so that Ctrl-C / SIGTERM also close the context (and stop an embedded server).
  const app = await CommandFactory.createWithoutRunning(CliModule.forRoot(config), {
    cliName: 'vertex-ar',
    logger: ['error', 'warn'],
    abortOnError: false,
    // Commander reports usage errors (and prints --help) itself; throwing lets the context close before exit.
    errorHandler: (error: Error) => {
      process.exitCode = isCommanderError(error) ? error.exitCode : 1;
      throw error;
    },
    serviceErrorHandler: (error: Error) => {
      if (isCommanderError(error)) return;
      process.stderr.write(`error: ${oneLine(error)}\n`);
      process.exitCode = 1;
    },
  });
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals, code: number): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\nerror: interrupted (${signal})\n`);
    void app.close().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => interrupt('SIGINT', 130));
  process.once('SIGTERM', () => interrupt('SIGTERM', 143));
  try {
    await CommandFactory.runApplication(app);
  } finally {
    if (!interrupted) await app.close();
  }
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`error: ${oneLine(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    // The context is closed (pools ended, an embedded server stopped); do not wait for stray timers.
    process.exit(process.exitCode ?? 0);
  });
