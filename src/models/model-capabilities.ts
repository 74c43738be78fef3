import type { ProviderKind } from './provider-settings.js';

/**
 * Model names known to take images, by the kind of provider serving them: OpenAI's multimodal families
 * (gpt-4o, gpt-4.1, gpt-5, o1/o3 but not their -mini, o4-mini), every Claude from 3 on, every Gemini, and on
 * Ollama or another OpenAI-compatible server the usual names of vision models (llava, …-vision, …-vl,
 * moondream, minicpm-v, gemma3, llama4, mistral-small3.1+). Anything else is taken to read text only, unless
 * `VISION_MODELS` says otherwise.
 */
const KNOWN_VISION: Record<ProviderKind, RegExp> = {
  openai: /^(chatgpt-4o|gpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo|gpt-4-vision|gpt-5|o1(?!-mini)|o3(?!-mini)|o4)/,
  anthropic: /^claude-(?!2|instant)/,
  google: /^gemini-/,
  'openai-compatible':
    /(llava|vision|[-_.]?vl(\b|[-_:.\d])|moondream|minicpm-v|gemma-?3|llama-?4|mistral-small-?3\.[1-9]|pixtral)/i,
};

/**
 * Whether model `id` (`provider:model`, or a fixed id like `local`) takes images: a known vision model of its
 * provider `kind`, or one `declared` in `VISION_MODELS` (ids, `*` matching any run of characters).
 */
export function seesImages(id: string, kind: ProviderKind | undefined, declared: readonly string[]): boolean {
  if (declared.some((pattern) => globMatches(pattern, id))) return true;
  if (kind === undefined) return false;
  const name = id.slice(id.indexOf(':') + 1);
  return KNOWN_VISION[kind].test(name);
}

function globMatches(pattern: string, id: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(id);
}
