// Types of scripts/cli-docs.mjs, for the test that imports it.
export declare const CLI_DOCS_PATH: string;
export declare function listedCommands(help: string): string[];
export declare function renderCliDocs(): Promise<string>;
export declare function checkCliDocs(file?: string): Promise<{ ok: boolean; message: string }>;
