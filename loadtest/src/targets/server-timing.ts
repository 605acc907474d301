/** Server-side timing reported in responses (queue, compute, batch size), averaged. */
export interface ServerTimingSummary {
  /** Responses that carried timing. */
  samples: number;
  mean_batch_size: number;
  mean_queue_us: number;
  mean_compute_us: number;
}

export class ServerTimingStats {
  private n = 0;
  private batch = 0;
  private queueUs = 0;
  private computeUs = 0;

  add(batchSize: number, queueUs: number, computeUs: number): void {
    this.n++;
    this.batch += batchSize;
    this.queueUs += queueUs;
    this.computeUs += computeUs;
  }

  reset(): void {
    this.n = this.batch = this.queueUs = this.computeUs = 0;
  }

  summary(): ServerTimingSummary {
    const mean = (x: number): number => (this.n ? Number((x / this.n).toFixed(1)) : 0);
    return { samples: this.n, mean_batch_size: mean(this.batch), mean_queue_us: mean(this.queueUs), mean_compute_us: mean(this.computeUs) };
  }
}
