/** The demo's closing lines: metrics, variants, gate, the trace id and the lineage record. */
import type { DemoReport } from './demo-chain';

export function printDemoReport(r: DemoReport, totalSeconds: number, print: (line: string) => void): void {
  const m = (k: string): string => (r.metrics[k] === undefined ? '-' : r.metrics[k]!.toFixed(4));
  print(`  ${'total'.padEnd(22)} ${totalSeconds.toFixed(2).padStart(7)} s`);
  print('');
  print(`metrics (fp32, test split, ${r.split.test} mails): macro_f1 ${m('macro_f1')}  accuracy ${m('accuracy')}  weighted_f1 ${m('weighted_f1')}  auc ${m('auc')}  ece ${m('ece')}`);
  for (const v of r.variants) print(`variant ${v.precision}: ${v.usable ? 'usable' : 'NOT usable'} — ${v.evidence}`);
  print(`gate: ${r.gate.passed ? 'passed' : `refused (${r.gate.reasons.join('; ')})`}; decision ${r.gate.decisionId}; ${r.alias.name} → version ${r.alias.version || 'unset'}`);
  print('');
  print(`trace id: ${r.traceId}   (traceparent of every call of this run, REST prediction included)`);
  print(
    `lineage: ${r.lineage.dataset}#${r.lineage.snapshot} (split of raw upload #${r.ingest.snapshot}, files like ${r.lineage.sourceFile}) ` +
      `→ training job ${r.lineage.trainingJobId} → version ${r.version} (trace_id tag ${r.lineage.traceTag || '-'}) → ${r.alias.name}`,
  );
  print(`prediction: ${r.prediction.file} (truly ${r.prediction.truth}) → ${r.prediction.predicted} ${JSON.stringify(r.prediction.probabilities)} [HTTP ${r.prediction.httpStatus}]`);
}
