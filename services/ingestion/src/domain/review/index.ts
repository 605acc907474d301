/** The review queue's rules (issue 7, point 4): records the confidence filter dropped, decided once by a person. */
export * from './resolve-review-item';
