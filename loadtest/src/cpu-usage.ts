import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU time spent by the processes of a benchmark, and by everything else on
 * the machine. Throughput on a shared 2-core box moves with whatever else
 * runs; CPU time per request does not, so it says where the time goes and
 * whether a figure was taken on a busy machine. Linux (/proc) only; other
 * systems get nulls.
 */

/** USER_HZ: /proc reports CPU times in these ticks (100 on every Linux ABI). */
const TICKS_PER_S = 100;

/** utime + stime of a process (all its threads), in ms; undefined when unreadable. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / TICKS_PER_S : undefined;
  } catch {
    return undefined;
  }
}

/** Busy CPU time of the whole machine (all cores), in ms; undefined off Linux. */
export function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((a, b) => a + (b ?? 0), 0);
    return (busy * 1000) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** Named processes to account for; `self` is this process (via process.cpuUsage). */
export interface CpuSnapshot {
  atMs: number;
  selfMs: number;
  processes: Record<string, number | undefined>;
  machineMs: number | undefined;
}

export function cpuSnapshot(pids: Record<string, number | undefined>): CpuSnapshot {
  const u = process.cpuUsage();
  const processes: Record<string, number | undefined> = {};
  for (const [name, pid] of Object.entries(pids)) processes[name] = pid === undefined ? undefined : processCpuMs(pid);
  return { atMs: performance.now(), selfMs: (u.user + u.system) / 1000, processes, machineMs: machineBusyMs() };
}

export interface CpuReport {
  /** CPU µs per measured request, by process (`client` = the load generator). */
  us_per_request: Record<string, number | null>;
  /** Share of the machine's cores busy with other work (not ours) during the case, in %. */
  foreign_cpu_pct: number | null;
}

/** CPU used between two snapshots, per request; `requests` > 0. */
export function cpuReport(before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuReport {
  const per = (ms: number | undefined): number | null => (ms === undefined || requests <= 0 ? null : Math.round((ms * 1000) / requests));
  const us: Record<string, number | null> = { client: per(after.selfMs - before.selfMs) };
  let ours = after.selfMs - before.selfMs;
  for (const [name, end] of Object.entries(after.processes)) {
    const start = before.processes[name];
    const d = end !== undefined && start !== undefined ? end - start : undefined;
    us[name] = per(d);
    ours += d ?? 0;
  }
  us['total'] = Object.entries(us).reduce<number | null>((sum, [k, v]) => (k === 'total' || sum === null || v === null ? sum : sum + v), 0);
  let foreign: number | null = null;
  if (before.machineMs !== undefined && after.machineMs !== undefined) {
    const capacityMs = (after.atMs - before.atMs) * cpus().length;
    foreign = capacityMs > 0 ? Math.max(0, Math.round(((after.machineMs - before.machineMs - ours) / capacityMs) * 100)) : null;
  }
  return { us_per_request: us, foreign_cpu_pct: foreign };
}
