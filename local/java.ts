import { spawnSync } from 'node:child_process';

export class JavaMissingError extends Error {
  constructor() {
    super(
      'DynamoDB Local needs Java 11+ and no `java` was found on PATH. Install it, e.g. ' +
        '`sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS).',
    );
    this.name = 'JavaMissingError';
  }
}

/** Fails fast, before anything starts, when Java is missing or older than 11. */
export function assertJavaAvailable(javaCommand = 'java'): void {
  const result = spawnSync(javaCommand, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new JavaMissingError();
  const text = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(text);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : Number.NaN;
  if (Number.isFinite(major) && major < 11) {
    throw new Error(`DynamoDB Local needs Java 11+, found Java ${major}. Install openjdk-17-jre-headless.`);
  }
}
