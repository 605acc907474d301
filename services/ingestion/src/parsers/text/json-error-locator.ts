import { parse as parseLenient, printParseErrorCode, type ParseError } from 'jsonc-parser';

/** Where in a JSON text `JSON.parse` failed, and why, in words a user can act on. */
export interface JsonFault {
  /** UTF-16 offset of the fault in the text. */
  offset: number;
  problem: string;
}

const PROBLEMS: Readonly<Record<string, string>> = {
  InvalidSymbol: 'an invalid token',
  InvalidNumberFormat: 'an invalid number',
  PropertyNameExpected: 'a property name expected',
  ValueExpected: 'a value expected',
  ColonExpected: 'a colon expected',
  CommaExpected: 'a comma expected',
  CloseBraceExpected: "a closing '}' expected",
  CloseBracketExpected: "a closing ']' expected",
  EndOfFileExpected: 'text after the end of the JSON value',
  UnexpectedEndOfString: 'an unterminated string',
  UnexpectedEndOfNumber: 'an unterminated number',
  InvalidUnicode: 'an invalid \\u escape',
  InvalidEscapeCharacter: 'an invalid escape character',
  InvalidCharacter: 'a control character inside a string',
};

/**
 * Locates the first error of a text that `JSON.parse` refused. V8's message
 * gives no position for many errors (and its wording changes between Node
 * versions), so jsonc-parser, strict (no comments, no trailing commas),
 * re-scans the text to find it.
 */
export function locateJsonError(text: string): JsonFault {
  const found: ParseError[] = [];
  parseLenient(text, found, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = found[0];
  if (!first) return { offset: 0, problem: 'not valid JSON' };
  const name = printParseErrorCode(first.error);
  // jsonc-parser accepts what JSON.parse does not only for comments/trailing commas, which are disallowed above.
  return { offset: first.offset, problem: PROBLEMS[name] ?? 'not valid JSON' };
}

/** 1-based line and column (in characters) of a UTF-16 offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
