import { createInterface } from 'node:readline';

/** Plain output for people and scripts: results on stdout, problems on stderr, one line each. */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Reports a failure as one `error: …` line and makes the process exit with 1. */
export function fail(reason: string): void {
  process.stderr.write(`error: ${reason.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exitCode = 1;
}

/** Reads a secret from the terminal without echoing it. */
export function promptHidden(prompt: string, input: NodeJS.ReadStream = process.stdin): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    process.stderr.write(prompt);
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else if (char >= ' ') value += char;
      }
    };
    input.setEncoding('utf8');
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
  });
}

/** Reads the first line of a non-interactive stdin (a pipe or a file); null when it is empty. */
export function readFirstLine(input: NodeJS.ReadableStream = process.stdin): Promise<string | null> {
  return new Promise((resolve) => {
    const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
    let first: string | null = null;
    lines.once('line', (line) => {
      first = line;
      lines.close();
    });
    lines.once('close', () => {
      input.pause();
      resolve(first);
    });
  });
}
