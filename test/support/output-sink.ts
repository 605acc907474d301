import { Writable } from 'node:stream';

/** A stream for a CLI's stdout / stderr in tests: keeps each write (in order) and the whole text. */
export function outputSink(): { stream: NodeJS.WriteStream; text: () => string; writes: string[] } {
  const writes: string[] = [];
  const w = new Writable({
    write(c: Buffer, _e, done) {
      writes.push(c.toString());
      done();
    },
  });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => writes.join(''), writes };
}
