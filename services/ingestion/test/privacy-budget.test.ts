import { strict as assert } from 'node:assert';
import { PrivacyBudget } from '../src/domain/privacy';
import { throwsL1g1 } from './cleaning-support';

describe('privacy: budget per dataset', () => {
  it('adds up ε and δ of releases (sequential composition) and reports what remains', () => {
    const budget = new PrivacyBudget('mails', { epsilon: 2, delta: 1e-5 });
    budget.charge({ epsilon: 0.5, delta: 0 }, 'a count');
    budget.charge({ epsilon: 0.25, delta: 4e-6 }, 'a histogram');
    const remaining = budget.remaining();
    assert.equal(remaining.epsilon, 1.25);
    assert.ok(Math.abs(remaining.delta - 6e-6) < 1e-18);
    assert.equal(budget.state().releases, 2);
  });

  it('spends a budget of 1 in ten releases of 0.1 despite float rounding, and refuses the eleventh', () => {
    const budget = new PrivacyBudget('ten', { epsilon: 1, delta: 0 });
    for (let i = 0; i < 10; i += 1) budget.charge({ epsilon: 0.1, delta: 0 }, `release ${i}`);
    const err = throwsL1g1(() => budget.charge({ epsilon: 0.1, delta: 0 }, 'a count'), 'FAILED_PRECONDITION', 'PRIVACY_BUDGET_SPENT');
    assert.match(err.message, /privacy budget of dataset ten is spent: a count needs epsilon 0\.1/);
    assert.equal(err.metadata['requested_epsilon'], '0.1');
  });

  it('charges nothing for a refused release, so a smaller one still fits', () => {
    const budget = new PrivacyBudget('partial', { epsilon: 1, delta: 1e-6 });
    budget.charge({ epsilon: 0.6, delta: 0 }, 'a mean');
    throwsL1g1(() => budget.charge({ epsilon: 0.5, delta: 0 }, 'a mean'), 'FAILED_PRECONDITION', 'PRIVACY_BUDGET_SPENT');
    throwsL1g1(() => budget.charge({ epsilon: 0.1, delta: 2e-6 }, 'a gaussian count'), 'FAILED_PRECONDITION', 'PRIVACY_BUDGET_SPENT');
    assert.equal(budget.state().releases, 1);
    budget.charge({ epsilon: 0.4, delta: 1e-6 }, 'a gaussian count');
    assert.deepEqual(budget.remaining(), { epsilon: 0, delta: 0 });
  });

  it('keeps its spending across a save and restore of its state', () => {
    const budget = new PrivacyBudget('saved', { epsilon: 1, delta: 0 });
    budget.charge({ epsilon: 0.9, delta: 0 }, 'a count');
    const restored = PrivacyBudget.fromState(JSON.parse(JSON.stringify(budget.state())));
    throwsL1g1(() => restored.charge({ epsilon: 0.2, delta: 0 }, 'a count'), 'FAILED_PRECONDITION', 'PRIVACY_BUDGET_SPENT');
  });

  it('refuses invalid totals and costs as INVALID_ARGUMENT naming the field', () => {
    throwsL1g1(() => new PrivacyBudget('x', { epsilon: 0, delta: 0 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'budget.epsilon');
    throwsL1g1(() => new PrivacyBudget('x', { epsilon: 1, delta: 1 }), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'budget.delta');
    const budget = new PrivacyBudget('x', { epsilon: 1, delta: 0 });
    throwsL1g1(() => budget.charge({ epsilon: -1, delta: 0 }, 'a count'), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'epsilon');
    throwsL1g1(() => budget.charge({ epsilon: Number.NaN, delta: 0 }, 'a count'), 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'epsilon');
  });
});
