import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import { createCosineWarmupSchedule } from '../src/optim/cosine-schedule';

const near = (a: number, e: number, what: string) => assert.ok(Math.abs(a - e) <= 1e-15, `${what}: ${a} vs ${e}`);

describe('trainer optim: cosine schedule with warmup', () => {
  it('warms up linearly from 0 then follows the half cosine to 0 (closed-form values)', () => {
    const lr = createCosineWarmupSchedule({ peakLr: 1e-3, totalSteps: 10, warmupSteps: 4 });
    // warmup: peak·s/4; decay over 6 steps: peak·½(1 + cos(π·(s − 4)/6))
    const expected = [0, 2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3 * 0.5 * (1 + Math.sqrt(3) / 2), 1e-3 * 0.75, 5e-4, 2.5e-4, 1e-3 * 0.5 * (1 - Math.sqrt(3) / 2)];
    expected.forEach((e, s) => near(lr(s), e, `step ${s}`));
    near(lr(10), 0, 'step 10 (end)');
    near(lr(50), 0, 'past the end');
  });

  it('decays to min_lr instead of 0', () => {
    const lr = createCosineWarmupSchedule({ peakLr: 1e-3, totalSteps: 10, warmupSteps: 4, minLr: 1e-4 });
    near(lr(4), 1e-3, 'peak');
    near(lr(7), 1e-4 + 9e-4 * 0.5, 'half way');
    near(lr(10), 1e-4, 'end');
    near(lr(1), 2.5e-4, 'warmup is unchanged');
  });

  it('the source default: 1,000 warmup steps to 5e-5', () => {
    const lr = createCosineWarmupSchedule({ peakLr: 5e-5, totalSteps: 11_000, warmupSteps: 1000 });
    near(lr(500), 2.5e-5, 'half warmup');
    near(lr(1000), 5e-5, 'peak');
    near(lr(6000), 2.5e-5, 'half decay');
  });

  it('a warmup ratio is rounded up to whole steps', () => {
    const lr = createCosineWarmupSchedule({ peakLr: 1, totalSteps: 10, warmupRatio: 0.25 });
    assert.equal(lr.warmupSteps, 3);
    near(lr(1), 1 / 3, 'step 1');
    near(lr(3), 1, 'peak at step 3');
  });

  it('a run shorter than its warmup clamps the warmup to the run', () => {
    const lr = createCosineWarmupSchedule({ peakLr: 1, totalSteps: 4, warmupSteps: 1000 });
    assert.equal(lr.warmupSteps, 4);
    // rises over the whole run (not 1/1000 per step) and stays at the floor afterwards
    [0, 0.25, 0.5, 0.75].forEach((e, s) => near(lr(s), e, `step ${s}`));
    near(lr(4), 0, 'past the end');
  });

  it('no warmup starts at the peak', () => {
    const lr = createCosineWarmupSchedule({ peakLr: 2, totalSteps: 2 });
    near(lr(0), 2, 'step 0');
    near(lr(1), 1, 'step 1');
  });

  it('refuses bad values with INVALID_ARGUMENT naming the field', () => {
    const cases: Array<[Parameters<typeof createCosineWarmupSchedule>[0], string]> = [
      [{ peakLr: -1, totalSteps: 10 }, 'learning_rate'],
      [{ peakLr: 1, totalSteps: 0 }, 'total_steps'],
      [{ peakLr: 1, totalSteps: 2.5 }, 'total_steps'],
      [{ peakLr: 1, totalSteps: 10, warmupSteps: -1 }, 'warmup_steps'],
      [{ peakLr: 1, totalSteps: 10, warmupRatio: 1.5 }, 'warmup_ratio'],
      [{ peakLr: 1, totalSteps: 10, warmupRatio: 0.1, warmupSteps: 3 }, 'warmup_ratio'],
      [{ peakLr: 1, totalSteps: 10, minLr: 2 }, 'min_lr'],
    ];
    for (const [config, field] of cases) {
      assert.throws(
        () => createCosineWarmupSchedule(config),
        (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field,
        JSON.stringify(config),
      );
    }
  });
});
