/**
 * Generators of real sample files for every binary format (PDF, XLSX, PNG
 * source pixels, WAV, DICOM, Parquet), shared by the parser tests and the
 * service's acceptance tests (which ingest them through the real Ingest RPC).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { WaveFile } from 'wavefile';

export async function twoPagePdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Quarterly report');
  pdf.setAuthor('L1G1 tests');
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const first = pdf.addPage([400, 300]);
  first.drawText('Hello page one', { x: 40, y: 250, size: 14, font });
  first.drawText('Second line', { x: 40, y: 220, size: 14, font });
  pdf.addPage([400, 300]).drawText('Page two text', { x: 40, y: 250, size: 14, font });
  return pdf.save();
}

export async function workbook(): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const people = wb.addWorksheet('People');
  people.addRow(['name', 'age', 'joined', 'total']);
  people.addRow(['Ada', 36, new Date(Date.UTC(2020, 0, 15))]);
  people.getCell('D2').value = { formula: 'B2*2', result: 72 };
  people.addRow([]);
  people.addRow([{ richText: [{ text: 'Gra' }, { text: 'ce', font: { bold: true } }] }, 85, null]);
  const notes = wb.addWorksheet('Notes');
  notes.addRow(['note']);
  notes.addRow([{ text: 'site', hyperlink: 'https://example.org' }]);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}


/** 4×2 RGB: left half red, right half blue. */
export function rawImage(): Buffer {
  const px = Buffer.alloc(4 * 2 * 3);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 4; x++) {
      const o = (y * 4 + x) * 3;
      if (x < 2) px[o] = 255;
      else px[o + 2] = 255;
    }
  }
  return px;
}

/** 1 s of 16-bit stereo at 8 kHz: left = frame index, right = −frame index. */
export function wavBytes(frames = 8000): Uint8Array {
  const samples = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    samples[i * 2] = i % 32767;
    samples[i * 2 + 1] = -(i % 32767);
  }
  const wav = new WaveFile();
  wav.fromScratch(2, 8000, '16', samples);
  return wav.toBuffer();
}


/** One explicit-VR little-endian element (long form for OB/OW/UN/SQ/UT). */
export function element(group: number, elem: number, vr: string, value: Buffer): Buffer {
  const padded = value.length % 2 === 0 ? value : Buffer.concat([value, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
  const long = ['OB', 'OW', 'UN', 'SQ', 'UT', 'OF'].includes(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(elem, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(padded.length, 8);
  else head.writeUInt16LE(padded.length, 6);
  return Buffer.concat([head, padded]);
}
export const str = (s: string) => Buffer.from(s, 'latin1');
export const us = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };

/** Stored values for modality values −1000, −100, 0, 40, 239, 1000 under intercept −1024. */
export const STORED = [24, 924, 1024, 1064, 1263, 2024];

export function dicomFile(opts: { center?: string; width?: string; pixels?: number[]; rows?: number; deflate?: boolean } = {}): Buffer {
  const pixels = Buffer.alloc((opts.pixels ?? STORED).length * 2);
  (opts.pixels ?? STORED).forEach((v, i) => pixels.writeInt16LE(v, i * 2));
  const meta = element(0x0002, 0x0010, 'UI', str(opts.deflate ? '1.2.840.10008.1.2.1.99' : '1.2.840.10008.1.2.1'));
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(meta.length);
  const body = [
    element(0x0008, 0x0060, 'CS', str('CT')),
    element(0x0010, 0x0010, 'PN', str('Doe^John')),
    element(0x0010, 0x0020, 'LO', str('PAT-123')),
    element(0x0020, 0x000d, 'UI', str('1.2.3.4.5')),
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', str('MONOCHROME2')),
    element(0x0028, 0x0010, 'US', us(opts.rows ?? 2)),
    element(0x0028, 0x0011, 'US', us(3)),
    element(0x0028, 0x0100, 'US', us(16)),
    element(0x0028, 0x0101, 'US', us(12)),
    element(0x0028, 0x0103, 'US', us(1)),
    ...(opts.center ? [element(0x0028, 0x1050, 'DS', str(opts.center))] : []),
    ...(opts.width ? [element(0x0028, 0x1051, 'DS', str(opts.width))] : []),
    element(0x0028, 0x1052, 'DS', str('-1024')),
    element(0x0028, 0x1053, 'DS', str('1')),
    element(0x7fe0, 0x0010, 'OW', pixels),
  ];
  const dataSet = opts.deflate ? deflateRawSync(Buffer.concat(body)) : Buffer.concat(body);
  return Buffer.concat([Buffer.alloc(128), str('DICM'), element(0x0002, 0x0000, 'UL', groupLength), meta, dataSet]);
}


/** Writes a Parquet file with DuckDB (an independent writer) and returns its bytes. */
export async function duckParquet(dir: string, codec: 'snappy' | 'zstd', rows: number): Promise<Uint8Array> {
  const path = join(dir, `t-${codec}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT i AS id, 'row ' || i AS name, i * 1.5 AS score, i % 2 = 0 AS even,
                    i * 10000000000::BIGINT AS big, DATE '2024-01-01' + i::INTEGER AS day
             FROM range(1, ${rows + 1}) t(i))
       TO '${path}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return new Uint8Array(await readFile(path));
}

