import { cpus, platform, release } from 'node:os';

/** The machine and date every bench-ingest line carries, so a figure is never read without them. */
export function machineInfo(): { cpu: string; cores: number; os: string; node: string; date: string } {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, os: `${platform()} ${release()}`, node: process.version, date: new Date().toISOString() };
}
