import type { Command } from '../command';
import { benchmarkCommand } from './benchmark-command';
import { datasetsCommand } from './datasets-command';
import { evaluateCommand } from './evaluate-command';
import { gateCommand } from './gate-command';
import { ingestCommand } from './ingest-command';
import { jobsCommand } from './jobs-command';
import { snapshotCommand } from './snapshot-command';
import { trainCommand } from './train-command';

/** Every verb of `l1g1`, in help order; a new verb is one file and one line here. */
export const COMMANDS: readonly Command[] = [ingestCommand, datasetsCommand, snapshotCommand, trainCommand, jobsCommand, evaluateCommand, benchmarkCommand, gateCommand];
