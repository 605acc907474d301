import { AdamW, type AdamWConfig } from './adamw';

/**
 * Adam (Kingma & Ba) as PyTorch's `torch.optim.Adam`: the same bias-corrected moments as AdamW,
 * but weight decay (default 0) is an L2 term added to the gradient before the moments,
 * g ← g + λ·p, not a decoupled shrink of the weights. Exact resume through the same state.
 */
export class Adam extends AdamW {
  static override readonly className: string = 'Adam';
  protected override readonly decoupledDecay: boolean = false;

  constructor(config: AdamWConfig = {}) {
    super({ ...config, weightDecay: config.weightDecay ?? 0 });
  }
}
