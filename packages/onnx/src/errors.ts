/**
 * Raised when bytes handed in as a model are not a usable ONNX model.
 *
 * The message is meant to be shown to whoever uploaded the artifact, so it says what is wrong
 * and, where possible, what to do about it. `reason` carries the same text without the prefix.
 */
export class InvalidOnnxError extends Error {
  override readonly name = 'InvalidOnnxError';

  /** What is wrong with the artifact, without the `artifact is not a valid ONNX model:` prefix. */
  readonly reason: string;

  constructor(reason: string, options?: { cause?: unknown }) {
    super(`artifact is not a valid ONNX model: ${reason}`, options);
    this.reason = reason;
  }
}
