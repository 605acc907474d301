/**
 * The parsers of one upload, with the header's format options applied: the
 * existing text and binary parsers, keyed by detected format. Options of a
 * format the header did not configure are the parser's defaults.
 */
import { ingestion } from '@l1g1/contracts';
import sharp from 'sharp';
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
import { parseDicom, parseDocx, parseEmail, parseImage, parseMbox, parseParquet, parsePdf, parseWav, parseXlsx } from '../parsers/binary';

/** Image resizing (`image.max_side_px`) and audio resampling are not applied yet: the parsers keep the original. */
export function createParserMap(header: ingestion.IngestHeader, maxFileBytes: number, signal?: AbortSignal): ParserMap {
  const o = header.formatOptions;
  const text = textOptionsFromProto(o?.$case === 'text' ? o.value : undefined, 'header.text');
  const csv = csvOptionsFromProto(o?.$case === 'csv' ? o.value : undefined);
  const json = jsonOptionsFromProto(o?.$case === 'jsonl' ? o.value : undefined);
  const sensor = sensorCsvOptionsFromProto(o?.$case === 'sensorCsv' ? o.value : undefined, 'header.sensor_csv');
  const audio = o?.$case === 'audio' ? o.value : undefined;
  const dicom = o?.$case === 'dicom' ? o.value : undefined;
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
    parquet: (s) => parseParquet(s, { maxBytes }, signal),
    xlsx: (s) => parseXlsx(s, { maxBytes }, signal),
    pdf: (s) => parsePdf(s, { maxBytes }, signal),
    docx: (s) => parseDocx(s, { maxBytes }, signal),
    email_rfc822: (s) => parseEmail(s, { maxBytes }, signal),
    mbox: (s) => parseMbox(s, { maxBytes }, signal),
    image_png: (s) => parseImage(s, { maxBytes, sharp }, signal),
    image_jpeg: (s) => parseImage(s, { maxBytes, sharp }, signal),
    image_webp: (s) => parseImage(s, { maxBytes, sharp }, signal),
    audio_wav: (s) => parseWav(s, { maxBytes, ...(audio && audio.segmentMs > 0 ? { segmentUs: audio.segmentMs * 1000 } : {}) }, signal),
    dicom: (s) =>
      parseDicom(
        s,
        {
          maxBytes,
          sharp,
          ...(dicom?.windowCenter !== undefined && dicom.windowWidth !== undefined ? { window: { center: dicom.windowCenter, width: dicom.windowWidth } } : {}),
        },
        signal,
      ),
  };
}
