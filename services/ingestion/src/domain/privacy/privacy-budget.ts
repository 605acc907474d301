import { errors } from '@l1g1/kit';

/** An (ε, δ) amount: a dataset's total budget, what is spent, or one release's cost. */
export interface PrivacyCost {
  readonly epsilon: number;
  /** 0 for pure ε-DP (Laplace). */
  readonly delta: number;
}

export interface PrivacyBudgetState {
  readonly datasetId: string;
  readonly total: PrivacyCost;
  readonly spent: PrivacyCost;
  /** Releases charged so far. */
  readonly releases: number;
}

// Sums of decimal ε such as 0.1 + 0.2 land a few ulps off; a budget spent to within this is spent exactly.
const TOLERANCE = 1e-9;

/**
 * One dataset's privacy budget under basic sequential composition: the ε and
 * δ of every release add up, and a release that would pass the total is
 * refused (FAILED_PRECONDITION, `PRIVACY_BUDGET_SPENT`) before any noise is
 * drawn, charging nothing. (Advanced composition or Rényi accounting would
 * allow more releases; basic composition is the conservative, simple bound.)
 * The state is plain data so the service can persist it with the dataset.
 */
export class PrivacyBudget {
  private spentEpsilon: number;
  private spentDelta: number;
  private releases: number;

  constructor(
    readonly datasetId: string,
    readonly total: PrivacyCost,
    spent: PrivacyCost = { epsilon: 0, delta: 0 },
    releases = 0,
  ) {
    if (!(Number.isFinite(total.epsilon) && total.epsilon > 0)) throw errors.invalidArgument('budget.epsilon', 'must be a finite number > 0');
    if (!(total.delta >= 0 && total.delta < 1)) throw errors.invalidArgument('budget.delta', 'must be in [0, 1)');
    if (!(spent.epsilon >= 0 && spent.delta >= 0)) throw errors.invalidArgument('spent', 'must be >= 0');
    this.spentEpsilon = spent.epsilon;
    this.spentDelta = spent.delta;
    this.releases = releases;
  }

  static fromState(state: PrivacyBudgetState): PrivacyBudget {
    return new PrivacyBudget(state.datasetId, state.total, state.spent, state.releases);
  }

  remaining(): PrivacyCost {
    return {
      epsilon: Math.max(0, this.total.epsilon - this.spentEpsilon),
      delta: Math.max(0, this.total.delta - this.spentDelta),
    };
  }

  /** Charges a release's cost, or throws PRIVACY_BUDGET_SPENT and charges nothing. */
  charge(cost: PrivacyCost, what: string): void {
    if (!(Number.isFinite(cost.epsilon) && cost.epsilon > 0)) throw errors.invalidArgument('epsilon', 'must be a finite number > 0');
    if (!(cost.delta >= 0 && cost.delta < 1)) throw errors.invalidArgument('delta', 'must be in [0, 1)');
    const epsilonAfter = this.spentEpsilon + cost.epsilon;
    const deltaAfter = this.spentDelta + cost.delta;
    const overEpsilon = epsilonAfter > this.total.epsilon * (1 + TOLERANCE) + TOLERANCE;
    const overDelta = deltaAfter > this.total.delta * (1 + TOLERANCE);
    if (overEpsilon || overDelta) {
      const left = this.remaining();
      throw errors.failedPrecondition(
        `privacy budget of dataset ${this.datasetId} is spent: ${what} needs epsilon ${cost.epsilon}` +
          `${cost.delta > 0 ? `, delta ${cost.delta}` : ''}; remaining epsilon ${left.epsilon}, delta ${left.delta}`,
        {
          reason: 'PRIVACY_BUDGET_SPENT',
          metadata: {
            dataset: this.datasetId,
            requested_epsilon: String(cost.epsilon),
            requested_delta: String(cost.delta),
            remaining_epsilon: String(left.epsilon),
            remaining_delta: String(left.delta),
          },
        },
      );
    }
    this.spentEpsilon = epsilonAfter;
    this.spentDelta = deltaAfter;
    this.releases += 1;
  }

  state(): PrivacyBudgetState {
    return {
      datasetId: this.datasetId,
      total: this.total,
      spent: { epsilon: this.spentEpsilon, delta: this.spentDelta },
      releases: this.releases,
    };
  }
}
