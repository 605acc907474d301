/**
 * Packs files into a ustar stream one member at a time. A header states the
 * member's size before its body, so the current member is held until the
 * next begins (or the archive ends), bounded by `maxFileBytes`: memory is
 * one member whatever the number of members.
 */
import { encodeTarHeader, tarEnd, TarError, tarPadding } from './tar-header';

export interface TarPackerOptions {
  /** Largest member held; a bigger one fails the archive with a TarError. */
  maxFileBytes: number;
  mtimeSec: number;
  /** Permission bits of every member (default 0644). */
  mode?: number;
}

export interface TarPacker {
  /** Starts member `path`; answers the bytes of the member it closes (none for the first). */
  file(path: string): Buffer[];
  /** Appends to the current member. */
  data(bytes: Uint8Array): void;
  /** Closes the last member and the archive; answers the remaining bytes. */
  end(): Buffer[];
}

export function createTarPacker(options: TarPackerOptions): TarPacker {
  let path: string | undefined;
  let parts: Buffer[] = [];
  let size = 0;
  let ended = false;
  const close = (): Buffer[] => {
    if (path === undefined) return [];
    const header = encodeTarHeader({ path, type: 'file', size, mtimeSec: options.mtimeSec, mode: options.mode ?? 0o644 });
    const out = [header, ...parts, tarPadding(size)];
    path = undefined;
    parts = [];
    size = 0;
    return out;
  };
  return {
    file(next) {
      if (ended) throw new TarError('the archive is already closed');
      const out = close();
      path = next;
      return out;
    },
    data(bytes) {
      if (path === undefined) throw new TarError('data before the first member');
      size += bytes.length;
      if (size > options.maxFileBytes) throw new TarError(`member "${path.slice(0, 100)}" is larger than ${options.maxFileBytes} bytes`);
      parts.push(Buffer.from(bytes));
    },
    end() {
      if (ended) return [];
      const out = close();
      ended = true;
      return [...out, tarEnd()];
    },
  };
}
