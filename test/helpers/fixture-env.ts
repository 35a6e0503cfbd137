// `# env: NAME=value …` lines at the top of a manifest fixture set its environment; nothing else is set.
export function fixtureEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, pairs = ""] of text.matchAll(/^# env: (.*)$/gm)) {
    for (const pair of pairs.split(/\s+/).filter(Boolean)) {
      const [name = "", ...value] = pair.split("=");
      env[name] = value.join("=");
    }
  }
  return env;
}
