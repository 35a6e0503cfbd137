export declare function onPath(name: string, env?: NodeJS.ProcessEnv): string | undefined;
export declare function findChromium(env?: NodeJS.ProcessEnv): { path: string; found: boolean };
