/** Differentially private statistics over a snapshot's records, on the dataset's ε budget (issue 7, point 7). */
export * from './dp-query';
export * from './compute-dp-statistics';
