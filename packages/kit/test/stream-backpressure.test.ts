import { strict as assert } from 'node:assert';
import { PassThrough, Writable } from 'node:stream';
import { pauseUntilDrained, writeWithBackpressure } from '@l1g1/kit';

/** A writable that accepts `highWaterMark` bytes, then holds them until `release` is called. */
function slowSink(highWaterMark: number): { sink: Writable; release(): void; received: Buffer[] } {
  const received: Buffer[] = [];
  const held: (() => void)[] = [];
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      held.push(callback);
    },
  });
  return {
    sink,
    received,
    release: () => {
      for (const callback of held.splice(0)) callback();
    },
  };
}

describe('kit: stream backpressure', () => {
  it('waits for the drain when the sink is full, and not before', async () => {
    const { sink, release } = slowSink(4);
    await writeWithBackpressure(sink, Buffer.from('ab'));
    let resolved = false;
    const pending = writeWithBackpressure(sink, Buffer.from('cdef')).then(() => {
      resolved = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(resolved, false, 'still waiting while the sink is full');
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await pending;
    assert.equal(resolved, true);
  });

  it('stops waiting when the signal aborts or the sink closes, and writes nothing once aborted', async () => {
    const { sink, received } = slowSink(1);
    const controller = new AbortController();
    const waiting = writeWithBackpressure(sink, Buffer.from('xy'), controller.signal);
    controller.abort();
    await waiting;
    await writeWithBackpressure(sink, Buffer.from('z'), controller.signal);
    assert.equal(Buffer.concat(received).toString(), 'xy');

    const other = slowSink(1);
    const closing = writeWithBackpressure(other.sink, Buffer.from('xy'));
    other.sink.destroy();
    await closing;
  });

  it('pauses a relayed source until the sink drains', async () => {
    const source = new PassThrough();
    const { sink, release } = slowSink(1);
    source.on('data', (chunk: Buffer) => {
      if (!sink.write(chunk)) pauseUntilDrained(source, sink);
    });
    source.write(Buffer.from('abc'));
    await new Promise((r) => setImmediate(r));
    assert.equal(source.isPaused(), true, 'paused while the sink is full');
    release();
    await new Promise((r) => setImmediate(r));
    assert.equal(source.isPaused(), false, 'resumed after the drain');
    source.destroy();
    sink.destroy();
  });
});
