// What mreg knows about a model's interface: the tensors a caller passes in and gets out, and for weight-only
// formats the weight tensors. Stored as a version manifest's `schema`, so everything here is plain JSON data.

/**
 * The name of the format an interface was read from: a format with a reader in FORMATS (src/core/formats/registry.ts),
 * or 'signature' for one declared in metadata.
 */
export type InterfaceFormat = string;

/** A fixed size, or a string naming a symbolic/variable dimension. */
export type Dim = number | string;

/** A variable dimension that has no name. */
export const UNKNOWN_DIM = '?';

/**
 * A shape of exactly `[UNKNOWN_RANK]` means even the rank is unknown (an ONNX value with a type but no shape).
 * It never appears next to other dimensions.
 */
export const UNKNOWN_RANK = '...';

export interface Tensor {
  name: string;
  /** The format's own element type name: float32/int64 (ONNX, signatures), F16/BF16 (safetensors), Q4_K (GGUF). */
  dtype: string;
  shape: Dim[];
}

export interface InputTensor extends Tensor {
  /** Present only when a caller may leave the input out (it has a default). */
  optional?: true;
}

export interface ModelInterface {
  format: InterfaceFormat;
  inputs: InputTensor[];
  outputs: Tensor[];
  /** Weight tensors of weight-only formats (safetensors tensors, GGUF tensor infos); never ONNX initializers. */
  weights?: Tensor[];
  /** Small scalar facts from the header: safetensors __metadata__, GGUF scalar keys, ONNX producer and opsets. */
  metadata?: Record<string, string>;
}
