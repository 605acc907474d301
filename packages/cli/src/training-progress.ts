/** The figures of one training step event (the gateway's `step` SSE data). */
export interface TrainingFigures {
  step: number;
  total_steps: number;
  epoch: number;
  loss: number;
  learning_rate: number;
  samples_per_second: number;
}

/** A live one-line report of a training job on stderr (redrawn in place on a terminal, a line per second otherwise). */
export interface TrainingProgress {
  update(f: TrainingFigures): void;
  /** A line of its own (state changes, checkpoints), keeping the bar below it. */
  note(text: string): void;
  done(): void;
}

/** The bar's text for a step: what the tests read and the terminal shows. */
export function trainingLine(f: TrainingFigures): string {
  const pct = f.total_steps > 0 ? Math.min(100, Math.floor((100 * f.step) / f.total_steps)) : 0;
  const width = 24;
  const fill = Math.round((width * pct) / 100);
  return (
    `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% step ${f.step}/${f.total_steps || '?'} epoch ${f.epoch} ` +
    `loss ${f.loss.toFixed(4)} lr ${f.learning_rate.toExponential(2)} ${Math.round(f.samples_per_second)} samples/s`
  );
}

export function createTrainingProgress(stream: NodeJS.WriteStream, enabled: boolean): TrainingProgress {
  let last = 0;
  let drawn = '';
  return {
    update(f) {
      if (!enabled) return;
      const now = Date.now();
      const finished = f.total_steps > 0 && f.step >= f.total_steps;
      if (now - last < (stream.isTTY ? 100 : 1000) && !finished) return;
      last = now;
      drawn = trainingLine(f);
      stream.write(stream.isTTY ? `\r${drawn}\x1b[K` : `${drawn}\n`);
    },
    note(text) {
      if (!enabled) return;
      stream.write(stream.isTTY ? `\r${text}\x1b[K\n${drawn}` : `${text}\n`);
    },
    done() {
      if (enabled && drawn !== '' && stream.isTTY) stream.write('\n');
    },
  };
}
