// Model-name globs that scope config rules to some models (`models: [vad, 'intent-*']`): `*` any run of
// characters, `?` one character, everything else literal. Checked strictly: a pattern can only ever match
// valid model names, so a typo such as `VAD` or `vad/*` is refused instead of silently matching nothing.

const GLOB_PATTERN = /^[a-z0-9._*?-]{1,100}$/;

/** Why `glob` is not a model-name glob, or undefined when it is. */
export function modelGlobProblem(glob: string): string | undefined {
  if (!GLOB_PATTERN.test(glob)) return 'may hold only lowercase letters, digits, ".", "_", "-" and the wildcards * and ?';
  return undefined;
}

/** Does `model` match any of `globs`? An absent list matches every model. */
export function matchesModel(globs: readonly string[] | undefined, model: string): boolean {
  if (globs === undefined) return true;
  return globs.some((glob) => new RegExp(`^${glob.replace(/[.]/g, '\\.').replaceAll('*', '.*').replaceAll('?', '.')}$`).test(model));
}
