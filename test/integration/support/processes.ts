import { readdirSync, readFileSync } from 'node:fs';

/** True while a process with this id exists (signal 0 only checks); false once it is gone (ESRCH). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Ids of the DynamoDB Local java processes that descend from `ancestor` (default: this process), read from /proc.
 * Scoped to one process tree, so java started by other test files or other people's runs never counts.
 */
export function dynamoDbLocalDescendants(ancestor: number = process.pid): number[] {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
      commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8'));
    } catch {
      // the process ended while we were reading
    }
  }
  const descends = (pid: number): boolean => {
    let current = parents.get(pid);
    for (let hops = 0; current !== undefined && current > 1 && hops < 64; hops += 1) {
      if (current === ancestor) return true;
      current = parents.get(current);
    }
    return false;
  };
  return [...commands.entries()]
    .filter(([pid, command]) => command.includes('DynamoDBLocal.jar') && descends(pid))
    .map(([pid]) => pid);
}

/** The TCP servers this process is listening on (fauxqs, the ServiceNow simulator, …), by Node's own count. */
export function listeningServerCount(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length;
}

/** True while the process runs; a zombie (ended, not yet reaped by its new parent) counts as ended. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
