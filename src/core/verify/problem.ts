// A defect verify finds in a store (or a warning about it): a stable code scripts can match, and a sentence.
export interface Problem {
  code: string;
  message: string;
}
