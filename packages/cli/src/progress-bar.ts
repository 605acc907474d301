/** A one-line progress report on stderr (redrawn in place on a terminal, a line per second otherwise). */
export interface ProgressBar {
  update(p: { bytes: number; totalBytes: number; files: number; totalFiles: number; records?: number; errors?: number }): void;
  done(): void;
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function createProgressBar(stream: NodeJS.WriteStream, enabled: boolean): ProgressBar {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      if (!enabled) return;
      const now = Date.now();
      const finished = p.bytes >= p.totalBytes && p.files >= p.totalFiles;
      if (now - last < (stream.isTTY ? 100 : 1000) && !finished) return;
      last = now;
      const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytes) / p.totalBytes) : 100;
      const width = 24;
      const fill = Math.round((width * pct) / 100);
      const line =
        `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${mib(p.bytes)}/${mib(p.totalBytes)} ` +
        `files ${p.files}/${p.totalFiles}` +
        (p.records !== undefined ? ` records ${p.records}` : '') +
        (p.errors !== undefined ? ` errors ${p.errors}` : '');
      stream.write(stream.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
      drawn = true;
    },
    done() {
      if (enabled && drawn && stream.isTTY) stream.write('\n');
    },
  };
}
