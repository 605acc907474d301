import type { SourceFormatName } from './source-format';

/** Longest suffixes first, so `.tar.gz` wins over `.gz`. */
const SUFFIXES: ReadonlyArray<readonly [string, SourceFormatName]> = [
  ['.tar.gz', 'tar_gz'],
  ['.tgz', 'tar_gz'],
  ['.tar', 'tar'],
  ['.zip', 'zip'],
  ['.gz', 'gzip'],
  ['.jsonl', 'jsonl'],
  ['.ndjson', 'jsonl'],
  ['.json', 'json'],
  ['.csv', 'csv'],
  ['.tsv', 'tsv'],
  ['.tab', 'tsv'],
  ['.parquet', 'parquet'],
  ['.pq', 'parquet'],
  ['.txt', 'text'],
  ['.text', 'text'],
  ['.log', 'text'],
  ['.md', 'markdown'],
  ['.markdown', 'markdown'],
  ['.html', 'html'],
  ['.htm', 'html'],
  ['.xhtml', 'html'],
  ['.eml', 'email_rfc822'],
  ['.mbox', 'mbox'],
  ['.mbx', 'mbox'],
  ['.pdf', 'pdf'],
  ['.docx', 'docx'],
  ['.xlsx', 'xlsx'],
  ['.doc', 'ole'],
  ['.xls', 'ole'],
  ['.png', 'image_png'],
  ['.jpg', 'image_jpeg'],
  ['.jpeg', 'image_jpeg'],
  ['.webp', 'image_webp'],
  ['.wav', 'audio_wav'],
  ['.dcm', 'dicom'],
  ['.dicom', 'dicom'],
  ['.srt', 'subtitle_srt'],
  ['.vtt', 'subtitle_vtt'],
];

/** The format a file's name suggests (case-insensitive extension); `unknown` when it suggests none. */
export function detectFormatByName(name: string): SourceFormatName {
  const base = (name.split('/').pop() ?? name).toLowerCase();
  for (const [suffix, format] of SUFFIXES) {
    if (base.endsWith(suffix) && base.length > suffix.length) return format;
  }
  return 'unknown';
}
