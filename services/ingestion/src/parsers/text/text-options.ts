import type { TextLimits } from './text-limits';

/** How a TXT or Markdown file becomes records (proto `TextSplit`). */
export type TextSplit = 'file' | 'line' | 'paragraph';

/** Options every text parser shares. */
export interface TextDecodingOptions extends TextLimits {
  /**
   * The file's encoding when the caller knows it (proto `TextOptions.encoding`):
   * any WHATWG label (utf-8, latin1, windows-1252, gbk, shift_jis, utf-16le ...).
   * A byte-order mark overrides it; unset, the encoding is detected.
   */
  encoding?: string;
}

/** TXT and Markdown (proto `TextOptions`). */
export interface TextOptions extends TextDecodingOptions {
  /** Default `file`, as in the proto. */
  split?: TextSplit;
}
