/** Format detection: by magic bytes, then a sniff of the first KB of text, then by name. */
export * from './source-format';
export { detectFormatByName } from './detect-by-name';
export { detectFormatByMagic } from './detect-by-magic';
export { sniffTextFormat, TEXT_SNIFF_BYTES } from './sniff-text';
export { classifyZipByEntryNames, zipEntryNamesInHead } from './ooxml-kind';
export { detectFormat, DETECT_HEAD_BYTES, type DetectInput, type DetectedFormat } from './detect-format';
export { peekSource, collectBytes, type PeekedSource } from './peek-source';
