/**
 * The parsers of one upload, with the header's format options applied: the
 * existing text and binary parsers, keyed by detected format. Options of a
 * format the header did not configure are the parser's defaults.
 */
import { ingestion } from '@l1g1/contracts';
import type { ParserMap } from '../domain/pipeline';
import {
  csvOptionsFromProto,
  jsonOptionsFromProto,
  parseCsv,
  parseHtml,
  parseJson,
  parseJsonl,
  parseMarkdown,
  parseSensorCsv,
  parseSrt,
  parseText,
  parseTsv,
  parseVtt,
  sensorCsvOptionsFromProto,
  textOptionsFromProto,
} from '../parsers/text';
import type { FileSource, ParsedRecord } from '../domain/record';

type BinaryParsers = typeof import('../parsers/binary');

/**
 * The binary parsers and their libraries (pdf.js, sharp, exceljs ...) load on
 * first use: a worker thread parsing JSONL never pays for them.
 */
type Sharp = (typeof import('sharp'))['default'];

function lazy(run: (p: BinaryParsers, sharp: Sharp) => AsyncIterable<ParsedRecord>): (s: FileSource) => AsyncIterable<ParsedRecord> {
  return () => ({
    async *[Symbol.asyncIterator]() {
      const [parsers, sharp] = await Promise.all([import('../parsers/binary'), import('sharp')]);
      yield* run(parsers, sharp.default);
    },
  });
}

/** EmailOptions.headers' default (the proto's comment). */
const DEFAULT_EMAIL_HEADERS = ['from', 'to', 'subject', 'date', 'content-type'];

/** The parsers of every format, with the header's format options applied. */
export function createParserMap(header: ingestion.IngestHeader, maxFileBytes: number, signal?: AbortSignal): ParserMap {
  const o = header.formatOptions;
  const text = textOptionsFromProto(o?.$case === 'text' ? o.value : undefined, 'header.text');
  const csv = csvOptionsFromProto(o?.$case === 'csv' ? o.value : undefined);
  const json = jsonOptionsFromProto(o?.$case === 'jsonl' ? o.value : undefined);
  const sensor = sensorCsvOptionsFromProto(o?.$case === 'sensorCsv' ? o.value : undefined, 'header.sensor_csv');
  const audio = o?.$case === 'audio' ? o.value : undefined;
  const dicom = o?.$case === 'dicom' ? o.value : undefined;
  const maxSidePx = o?.$case === 'image' ? o.value.maxSidePx : 0;
  const email = o?.$case === 'email' ? o.value : undefined;
  // Without EmailOptions the parser keeps its defaults (attachments as nested records, issue 7 point 2);
  // with them, each field applies as the proto documents it.
  const mailRecords =
    email === undefined
      ? undefined
      : {
          headers: email.headers.length > 0 ? email.headers : DEFAULT_EMAIL_HEADERS,
          keepHtml: email.keepHtml,
          includeSubject: email.includeSubject ?? true,
          extractAttachments: email.extractAttachments,
        };
  const maxBytes = maxFileBytes;
  return {
    text: (s) => parseText(s, text, signal),
    markdown: (s) => parseMarkdown(s, text, signal),
    html: (s) => parseHtml(s, {}, signal),
    csv: (s) => parseCsv(s, csv, signal),
    tsv: (s) => parseTsv(s, csv, signal),
    sensor_csv: (s) => parseSensorCsv(s, sensor, signal),
    json: (s) => parseJson(s, json, signal),
    jsonl: (s) => parseJsonl(s, json, signal),
    subtitle_srt: (s) => parseSrt(s, {}, signal),
    subtitle_vtt: (s) => parseVtt(s, {}, signal),
    parquet: (s) => lazy((p) => p.parseParquet(s, { maxBytes }, signal))(s),
    xlsx: (s) => lazy((p) => p.parseXlsx(s, { maxBytes }, signal))(s),
    pdf: (s) => lazy((p) => p.parsePdf(s, { maxBytes }, signal))(s),
    docx: (s) => lazy((p) => p.parseDocx(s, { maxBytes }, signal))(s),
    email_rfc822: (s) => lazy((p) => p.parseEmail(s, { maxBytes, ...(mailRecords ? { records: mailRecords } : {}) }, signal))(s),
    mbox: (s) => lazy((p) => p.parseMbox(s, { maxBytes, ...(mailRecords ? { records: mailRecords } : {}) }, signal))(s),
    image_png: (s) => lazy((p, sharp) => p.parseImage(s, { maxBytes, sharp, maxSidePx }, signal))(s),
    image_jpeg: (s) => lazy((p, sharp) => p.parseImage(s, { maxBytes, sharp, maxSidePx }, signal))(s),
    image_webp: (s) => lazy((p, sharp) => p.parseImage(s, { maxBytes, sharp, maxSidePx }, signal))(s),
    audio_wav: (s) => lazy((p) => p.parseWav(
        s,
        {
          maxBytes,
          ...(audio && audio.segmentMs > 0 ? { segmentUs: audio.segmentMs * 1000 } : {}),
          ...(audio && audio.sampleRateHz > 0 ? { sampleRateHz: audio.sampleRateHz } : {}),
          ...(audio?.mono ? { mono: true } : {}),
        },
        signal,
      ))(s),
    dicom: (s) =>
      lazy((p, sharp) => p.parseDicom(
        s,
        {
          maxBytes,
          sharp,
          ...(dicom?.windowCenter !== undefined && dicom.windowWidth !== undefined ? { window: { center: dicom.windowCenter, width: dicom.windowWidth } } : {}),
        },
        signal,
      ))(s),
  };
}
