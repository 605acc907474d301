import { WaveFile } from 'wavefile';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { libraryDetail, malformedFile } from './malformed-file';

export interface WavOptions {
  /** Refuse files larger than this. */
  maxBytes: number;
  /** Cut the audio into segments of this length (the last may be shorter); absent: one record. */
  segmentUs?: number;
  /** Refuse more segments than this (default 100,000). */
  maxSegments?: number;
  /** Resample to this rate (wavefile's cubic interpolation); absent or 0: the file's rate. */
  sampleRateHz?: number;
  /** Down-mix to one channel (the mean of the channels). */
  mono?: boolean;
}

interface FmtChunk {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}

/** PCM, IEEE float, and WAVE_FORMAT_EXTENSIBLE (which wavefile reads as PCM/float). */
const SUPPORTED_FORMATS = new Set([1, 3, 65534]);

/**
 * WAV (wavefile) → `audio` records with sample rate, channels, bit depth and
 * duration in metadata: the whole file as one record, or fixed-length
 * segments (each a WAV of its own) with `startUs`/`endUs`.
 */
export async function* parseWav(src: FileSource, options: WavOptions, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  const bytes = await src.readAll(options.maxBytes);
  signal?.throwIfAborted();
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw malformedFile(src.name, `not a readable WAV file (${libraryDetail(err)})`, { byteOffset: 0 }, { cause: err });
  }
  const fileFmt = wav.fmt as FmtChunk;
  const fileData = wav.data as { chunkSize: number; samples: Uint8Array };
  if (!SUPPORTED_FORMATS.has(fileFmt.audioFormat) || fileFmt.numChannels < 1 || fileFmt.sampleRate < 1 || fileFmt.blockAlign < 1) {
    throw malformedFile(src.name, `WAV format ${fileFmt.audioFormat} (${fileFmt.numChannels} channels, ${fileFmt.sampleRate} Hz) is not PCM or float`, {}, {
      reason: 'UNSUPPORTED_FORMAT',
    });
  }
  if (fileData.samples.length < fileData.chunkSize) {
    throw malformedFile(src.name, `truncated: the data chunk declares ${fileData.chunkSize} bytes, ${fileData.samples.length} are present`, {
      byteOffset: bytes.byteLength,
    });
  }
  const converted = convert(wav, fileFmt, options);
  const fmt = converted.fmt;
  const data = converted.wav.data as { chunkSize: number; samples: Uint8Array };
  const frames = Math.floor(data.chunkSize / fmt.blockAlign);
  const durationUs = Math.round((frames * 1e6) / fmt.sampleRate);
  const metadata: Record<string, string> = {
    format: 'wav',
    sample_rate: String(fmt.sampleRate),
    channels: String(fmt.numChannels),
    bit_depth: String(fmt.bitsPerSample),
    frames: String(frames),
    duration_us: String(durationUs),
  };
  if (converted.wav !== wav) {
    metadata.original_sample_rate = String(fileFmt.sampleRate);
    metadata.original_channels = String(fileFmt.numChannels);
  }
  if (!options.segmentUs) {
    yield { modality: 'audio', contentType: 'audio/wav', data: converted.wav === wav ? bytes : converted.wav.toBuffer(), metadata, position: { startUs: 0, endUs: durationUs } };
    return;
  }
  const framesPerSegment = Math.max(1, Math.round((options.segmentUs * fmt.sampleRate) / 1e6));
  const segments = Math.ceil(frames / framesPerSegment);
  const maxSegments = options.maxSegments ?? 100_000;
  if (segments > maxSegments) {
    throw malformedFile(src.name, `${segments} segments exceed the limit of ${maxSegments}`, {}, { reason: 'FILE_TOO_LARGE' });
  }
  const interleaved = converted.wav.getSamples(true, Float64Array);
  for (let s = 0; s < segments; s++) {
    signal?.throwIfAborted();
    const first = s * framesPerSegment;
    const last = Math.min(frames, first + framesPerSegment);
    const segment = new WaveFile();
    segment.fromScratch(fmt.numChannels, fmt.sampleRate, converted.wav.bitDepth, interleaved.subarray(first * fmt.numChannels, last * fmt.numChannels));
    yield {
      modality: 'audio',
      contentType: 'audio/wav',
      data: segment.toBuffer(),
      metadata: { ...metadata, segment: String(s + 1), segment_frames: String(last - first) },
      position: { startUs: Math.round((first * 1e6) / fmt.sampleRate), endUs: Math.round((last * 1e6) / fmt.sampleRate) },
    };
  }
}

/** The file as asked (`mono`, `sampleRateHz`), or the same WaveFile when nothing changes. */
function convert(wav: WaveFile, fmt: FmtChunk, options: WavOptions): { wav: WaveFile; fmt: FmtChunk } {
  const mix = options.mono === true && fmt.numChannels > 1;
  const rate = options.sampleRateHz !== undefined && options.sampleRateHz > 0 && options.sampleRateHz !== fmt.sampleRate ? options.sampleRateHz : undefined;
  if (!mix && rate === undefined) return { wav, fmt };
  let samples = wav.getSamples(true, Float64Array);
  if (mix) {
    const frames = Math.floor(samples.length / fmt.numChannels);
    const mono = new Float64Array(frames);
    const integer = fmt.audioFormat !== 3 && !wav.bitDepth.endsWith('f');
    for (let f = 0; f < frames; f++) {
      let sum = 0;
      for (let c = 0; c < fmt.numChannels; c++) sum += samples[f * fmt.numChannels + c] ?? 0;
      mono[f] = integer ? Math.round(sum / fmt.numChannels) : sum / fmt.numChannels;
    }
    samples = mono;
  }
  const out = new WaveFile();
  out.fromScratch(mix ? 1 : fmt.numChannels, fmt.sampleRate, wav.bitDepth, samples);
  if (rate !== undefined) out.toSampleRate(rate);
  return { wav: out, fmt: out.fmt as FmtChunk };
}
