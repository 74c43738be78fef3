import { z } from 'zod';

/** `SSE_KEEPALIVE_MS` → `sseKeepaliveMs`, at the type level. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<CamelCase<Tail>>}`
  : Lowercase<S>;
type WithoutPrefix<K extends string, P extends string> = K extends `${P}${infer Rest}` ? Rest : K;

/** The settings a section's variables become: each name without the section's prefix, in camelCase. */
export type SettingsOf<S extends z.ZodRawShape, P extends string> = {
  [K in keyof S & string as CamelCase<WithoutPrefix<K, P>>]: z.output<S[K]>;
};

/**
 * One section of the configuration: a zod schema over environment variables (named as the operator writes
 * them, so a problem names the variable) whose output is the section's settings, named once by the rule
 * `RUN_GRACE_MS` (prefix `RUN_`) → `graceMs`. The settings' type is `z.infer` of the section: no hand-written
 * copy, no mapping to keep in step.
 */
export function envSection<const P extends string, S extends z.ZodRawShape>(prefix: P, shape: S) {
  return z
    .object(shape)
    .transform((env) => Object.fromEntries(Object.entries(env).map(([k, v]) => [settingName(k, prefix), v])))
    .pipe(z.custom<SettingsOf<S, P>>());
}

function settingName(variable: string, prefix: string): string {
  const name = variable.startsWith(prefix) ? variable.slice(prefix.length) : variable;
  return name.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A comma-separated list variable (`a, b,c`): its items trimmed, empty ones left out; unset: none. */
export const commaList = () =>
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );

/** An integer variable within bounds, with messages an operator can act on. */
export const int = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** A secret of at least 32 characters. */
export const secret = () => z.string().min(32, 'must be at least 32 characters');
