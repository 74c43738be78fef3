/**
 * PostgreSQL's text-search configuration for a language (ISO 639-1): its stemmer and stopwords, so a French
 * document is indexed as French and "nettoyer" meets "nettoyez". Languages PostgreSQL has no stemmer for
 * (Chinese, Japanese, Korean, Hebrew…) get `simple` (words as written, no stopwords); a document whose
 * language was not told apart stays `english`, as every document was before.
 */
const CONFIGS: Record<string, string> = {
  ar: 'arabic',
  ca: 'catalan',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  eu: 'basque',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  hi: 'hindi',
  hu: 'hungarian',
  hy: 'armenian',
  id: 'indonesian',
  it: 'italian',
  lt: 'lithuanian',
  nb: 'norwegian',
  ne: 'nepali',
  nl: 'dutch',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sr: 'serbian',
  sv: 'swedish',
  ta: 'tamil',
  tr: 'turkish',
  yi: 'yiddish',
};

export function textSearchConfig(language: string | null): string {
  if (!language) return 'english';
  return CONFIGS[language] ?? 'simple';
}
