import { detect } from 'tinyld';

/** Below this many letters a guess among Latin-script languages is noise ("ok", "hi"): no language then. */
const MIN_LETTERS = 12;
/** From this many letters on, text is long enough for the statistical detector alone. */
const LONG_LETTERS = 80;
const names = new Intl.DisplayNames(['en'], { type: 'language' });

/**
 * Scripts that name their language outright, however short the text: a question of eight Chinese characters
 * is Chinese. Kana makes Han text Japanese.
 */
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const HAN = /\p{Script=Han}/gu;
const SCRIPTS: { letters: RegExp; language: string }[] = [
  { letters: /\p{Script=Hangul}/gu, language: 'ko' },
  { letters: HAN, language: 'zh' },
  { letters: /\p{Script=Hebrew}/gu, language: 'he' },
  { letters: /\p{Script=Thai}/gu, language: 'th' },
  { letters: /\p{Script=Greek}/gu, language: 'el' },
];
/** Scripts several languages share: the detector chooses, and short text gets the script's main language. */
const SHARED_SCRIPTS: { letters: RegExp; language: string }[] = [
  { letters: /\p{Script=Arabic}/gu, language: 'ar' },
  { letters: /\p{Script=Cyrillic}/gu, language: 'ru' },
];

/**
 * Frequent short words of the Latin-script languages the local model speaks. A short question ("Qual é a
 * capital da Mongólia?") is too little for a statistical guess but holds several of them: é, a and da are
 * Portuguese, where the Italian question has è, la and della. The lists hold each language's question words too
 * ("how often": fréquence, häufig, frecuencia, spesso…): a search does not weigh them.
 */
const FUNCTION_WORDS: Record<string, Set<string>> = Object.fromEntries(
  Object.entries({
    en: 'the is are what how which of and to in my i should do does you can where who when why with for',
    fr: 'le la les est quelle quel quels comment de des du et je dois une un que où qui quand pourquoi avec pour mon ma à il ce faut combien souvent fréquence',
    de: 'der die das ist wie was welche und ich sollte meine mein ein eine wo wer wann warum mit für nicht oft soll muss häufig',
    es: 'el la los las es cuál qué cómo de del y debo mi un una dónde quién cuándo por con para cada cuánto frecuencia',
    it: 'il lo la gli è qual quale che come di della del e devo mio mia un una dove chi quando perché con per ogni quanto spesso',
    pt: 'o a os as é qual que como de da do e devo meu minha um uma onde quem quando por com para não você frequência quantas',
    nl: 'de het is wat hoe welke van en ik moet mijn een waar wie wanneer waarom met voor niet vaak hoeveel',
  }).map(([language, words]) => [language, new Set(words.split(' '))]),
);

/** The function words of `language` (empty for one without a list): words a search should not weigh. */
export function functionWords(language: string | null): ReadonlySet<string> {
  return (language && FUNCTION_WORDS[language]) || NONE;
}
const NONE: ReadonlySet<string> = new Set();

/** The language whose function words the text holds most, when one clearly leads (by `lead` words). */
function byFunctionWords(text: string, lead: number): string | undefined {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const scores = Object.entries(FUNCTION_WORDS)
    .map(([language, set]) => [language, words.filter((w) => set.has(w)).length] as const)
    .sort((a, b) => b[1] - a[1]);
  const [first, second] = scores;
  return first && first[1] >= lead && first[1] - (second?.[1] ?? 0) >= lead ? first[0] : undefined;
}

/** ISO 639-1 code of the text's language, or null when the text is too short or unclear. */
export function detectLanguage(text: string): string | null {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (letters === 0) return null;
  const count = (pattern: RegExp) => text.match(pattern)?.length ?? 0;
  const kana = count(KANA);
  if (kana > 0 && kana + count(HAN) >= letters / 2) return 'ja';
  for (const script of SCRIPTS) if (count(script.letters) >= letters / 2) return script.language;
  for (const script of SHARED_SCRIPTS) {
    if (count(script.letters) >= letters / 2) {
      const guess = letters >= MIN_LETTERS ? detect(text) : '';
      return guess || script.language;
    }
  }
  if (letters < MIN_LETTERS) return byFunctionWords(text, 2) ?? null;
  // Past a sentence or two the statistical detector is the better judge, and knows many more languages.
  if (letters < LONG_LETTERS) return byFunctionWords(text, 1) ?? (detect(text) || null);
  return detect(text) || null;
}

/** "German" for "de"; the code itself when the runtime has no name for it. */
export function languageName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}
