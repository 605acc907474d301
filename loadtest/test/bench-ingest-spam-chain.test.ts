/**
 * The two SpamAssassin benches (in process, and through the service) must
 * run the same cleaning chain, so their counts can be put side by side. Mails
 * that differ only in an e-mail address tell the chains apart: redacted
 * before dedupe (the service's order) they are exact duplicates.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestThroughService } from '../src/bench-ingest-service';
import { ingestSpamInProcess } from '../src/bench-ingest-spam';

/** The same headers on every mail: only the bodies differ. */
function mail(body: string): string {
  return ['From: sender@example.org', 'To: list@example.org', 'Subject: a note', '', body, ''].join('\r\n');
}

describe('SpamAssassin benches: one cleaning chain', function () {
  // A real ingestion service, a worker thread and a Parquet write: slow on a loaded machine.
  this.timeout(180_000);
  let root: string;
  let paths: string[];
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'l1g1-spam-chain-'));
    mkdirSync(join(root, 'mails'));
    const bodies = [
      'Please write to alice@example.com about the spring offer, we have new prices for every member of the club this year.',
      'Please write to bob@example.net about the spring offer, we have new prices for every member of the club this year.',
      'Please write to carol@example.com about the spring offer, we have new prices for every member of the club this year.',
      'An entirely different message about the weather in the mountains and the trains that run there on sundays.',
      'An entirely different message about the weather in the mountains and the trains that run there on sundays.',
      'Call the office on +44 20 7946 0958 before friday to confirm the meeting with the auditors and the lawyers.',
    ];
    paths = bodies.map((b, i) => {
      const p = join(root, 'mails', `${i}.txt`);
      writeFileSync(p, mail(b));
      return p;
    });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reports the same records, duplicates, kept and redacted counts in process and through the service', async () => {
    const local = await ingestSpamInProcess(paths);
    const remote = await ingestThroughService(root, paths, 'spam-chain');
    const dropped = (step: string): number => local.report.steps.filter((s) => s.step === step).reduce((n, s) => n + s.dropped, 0);
    const changed = (step: string): number => local.report.steps.filter((s) => s.step === step).reduce((n, s) => n + s.changed, 0);
    const c = remote.result.counts;
    assert.ok(c);
    assert.equal(local.failedFiles, 0);
    assert.equal(local.records, c.rowsRead);
    assert.equal(dropped('exact_dedupe'), c.exactDuplicates);
    assert.equal(dropped('near_dedupe'), c.nearDuplicates);
    assert.equal(local.report.kept, c.rowsKept);
    assert.equal(changed('pii_redaction'), c.rowsRedacted);
    // The mails that differ only in their address became one after redaction, in both.
    assert.ok(c.exactDuplicates >= 3, `exact duplicates ${c.exactDuplicates}`);
  });
});
