import { detectLanguage, hasUnspacedScript, splitSentences, stopwordsFor } from '../../rag/index.js';
import { terms } from './bm25.js';

/** A passage the local model may quote, with the number it is cited by. */
export interface CitablePassage {
  n: number;
  title: string;
  text: string;
}

/** A sentence chosen for an answer and the passage it is cited from. */
export interface ChosenSentence {
  sentence: string;
  n: number;
}

/**
 * The kinds of answer a question asks for, each with what a sentence holding such an answer looks like.
 * "How often should I clean my chain?" asks for a frequency: of two sentences that mention cleaning the
 * chain, the one that says "every 200 to 300 kilometres" answers it.
 */
const ANSWER_KINDS: { asks: RegExp; fits: (sentence: string) => boolean }[] = [
  // who → a name (two capitalised words not starting the sentence, or a capitalised word after "by")
  {
    asks: /\b(?:who|whom|whose)\b/i,
    fits: holds(/\S\s+(?:\p{Lu}[\p{Ll}'’-]+\s+){1,3}\p{Lu}[\p{Ll}'’-]+|\bby\s+\p{Lu}\p{Ll}+/u),
  },
  // when / what year → a year, a decade, a month or a century
  {
    asks: /\b(?:when|what year|which year|what date)\b/i,
    fits: holds(
      /\b(?:1\d|20)\d\ds?\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b|\bcentury\b/,
    ),
  },
  // how often → a frequency
  {
    asks: /\bhow (?:often|frequently)\b|\bhow many times\b/i,
    fits: holds(
      /\bevery\b|\b(?:daily|weekly|monthly|yearly|annually|hourly)\b|\b(?:once|twice)\b|\btimes? (?:a|per)\b|\bper (?:day|week|month|year|hour)\b|\bafter (?:each|every|any)\b/i,
    ),
  },
  // how many / how much / how long / how far / what size… → a number
  {
    asks: /\bhow (?:many|much|long|far|big|large|heavy|old|fast|hot|cold|high|wide|deep)\b|\b(?:what|which) (?:\w+ )?(?:size|temperature|pressure|percentage|amount|length|weight|voltage|timeout|port|version|limit|number|rate|speed|delay|interval|mode|value|status|code)\b/i,
    fits: holds(
      /\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|half|dozen)\b/i,
    ),
  },
  // where → a place
  {
    asks: /\bwhere\b/i,
    fits: holds(/\b(?:in|at|on|near|under|inside|behind|beside|from)\s+(?:the\s+)?\p{Lu}/u),
  },
  // how do I / how to / how can I → an instruction
  { asks: /\bhow (?:do|can|should) (?:i|we|you)\b|\bhow to\b|\bsteps? to\b/i, fits: isInstruction },
];

function holds(pattern: RegExp): (sentence: string) => boolean {
  return (sentence) => pattern.test(sentence);
}

/** A sentence that starts with a verb ("Wipe the chain…"), not with a subject or a connective. */
function isInstruction(sentence: string): boolean {
  const first = /^\p{L}+/u.exec(sentence)?.[0]?.toLowerCase();
  return first !== undefined && !NOT_IMPERATIVE.has(first) && !/(?:s|ed|ing)$/.test(first);
}

/** First words that show a sentence is not an instruction (the "how do I" kind asks for one). */
const NOT_IMPERATIVE = new Set(
  `the a an this that these those it its they their there he she we you i our your if when while most many
   some all each every in on at for of by with as after before because although once since my his her one
   no not any both either neither such what which who how`.split(/\s+/),
);

/**
 * The sentences of `passages` that answer `question` best, most relevant first, at most `max` (each with the
 * neighbour that holds the key term it lacks). A sentence is scored by:
 * - the question's key terms it holds (weighted by `idf`, so a rare word counts more than a common one);
 * - the key terms it lacks but its neighbours or its passage's title hold, at half weight
 *   (three quarters for the title): "Clean and lubricate it every 200 km" follows "The chain is the part
 *   that wears fastest" under "Chain Care";
 * - the share of the question's weight it covers that way, so a sentence with every key term wins over one
 *   that repeats one of them;
 * - whether it holds the kind of answer asked for (a name for who, a date for when, a number for how many,
 *   a frequency for how often, a place for where, an instruction for how do I);
 * - its passage's rank.
 * No sentence is chosen twice, even when two passages repeat it.
 */
export function chooseSentences(
  question: string,
  passages: readonly CitablePassage[],
  idf: (term: string) => number,
  max = 3,
): ChosenSentence[] {
  // The question's own small words ("quale", "di", "の") are no key terms in any language.
  const asked = [...new Set(terms(question, stopwordsFor(detectLanguage(question))))];
  if (asked.length === 0) return [];
  const weight = new Map(asked.map((t) => [t, 1 + idf(t)]));
  const total = [...weight.values()].reduce((sum, w) => sum + w, 0);
  const kinds = ANSWER_KINDS.filter((k) => k.asks.test(question));

  interface Candidate {
    sentence: string;
    n: number;
    score: number;
    rank: number;
    order: number;
    before?: string;
    after?: string;
  }
  const candidates: Candidate[] = [];
  passages.forEach((passage, rank) => {
    const sentences = sentencesOf(passage.text);
    const held = sentences.map((s) => new Set(terms(s)));
    const titled = new Set(terms(passage.title));
    sentences.forEach((sentence, order) => {
      // A question in the text (an FAQ's "Q: …") is no answer; the sentence after it answers it, so the
      // question's words count for that sentence almost as its own.
      if (isQuestion(sentence)) return;
      const asking = questionBefore(sentences, held, order);
      const nextIsQuestion = isQuestion(sentences[order + 1] ?? '');
      const own = held[order] ?? new Set<string>();
      let ownWeight = 0;
      let nearWeight = 0;
      let fromBefore = false;
      let fromAfter = false;
      for (const t of asked) {
        const w = weight.get(t) ?? 0;
        if (own.has(t)) ownWeight += w;
        else if (asking?.has(t)) nearWeight += (w * 3) / 4;
        else if (held[order - 1]?.has(t)) {
          nearWeight += w / 2;
          fromBefore = true;
        } else if (held[order + 1]?.has(t) && !nextIsQuestion) {
          nearWeight += w / 2;
          fromAfter = true;
        } else if (titled.has(t)) nearWeight += (w * 3) / 4;
      }
      // A sentence must hold a key term itself: its neighbours alone do not make it an answer.
      if (ownWeight === 0) return;
      const covered = (ownWeight + nearWeight) / total;
      const fits = kinds.filter((k) => k.fits(sentence)).length;
      const score = (ownWeight + nearWeight) * (0.5 + covered) * 1.5 ** fits * (1 - rank * 0.05);
      candidates.push({
        sentence,
        n: passage.n,
        score,
        rank,
        order,
        before: fromBefore ? sentences[order - 1] : undefined,
        // An FAQ's answer goes on after its first sentence ("A: '!' is the history character. Say set +H.").
        after: fromAfter || (/^A:\s/.test(sentence) && !nextIsQuestion) ? sentences[order + 1] : undefined,
      });
    });
  });
  candidates.sort((a, b) => b.score - a.score || a.rank - b.rank || a.order - b.order);

  const top = candidates[0]?.score ?? 0;
  const seen = new Set<string>();
  const chosen: ChosenSentence[] = [];
  const add = (sentence: string, n: number) => {
    const key = normalise(sentence);
    if (seen.has(key)) return false;
    seen.add(key);
    chosen.push({ sentence, n });
    return true;
  };
  let main = 0;
  for (const c of candidates) {
    if (main >= max || chosen.length > max || c.score < top * 0.6) break;
    if (seen.has(normalise(c.sentence))) continue;
    // The sentence a chosen one leans on comes with it, in reading order.
    if (c.before) add(c.before, c.n);
    add(c.sentence, c.n);
    if (c.after) add(c.after, c.n);
    main++;
  }
  return chosen;
}

function normalise(sentence: string): string {
  return sentence
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Prose sentences of a passage, with Markdown list markers, emphasis and code blocks removed. */
function sentencesOf(text: string): string[] {
  const sentences: string[] = [];
  let prose: string[] = [];
  const flush = () => {
    const joined = prose.join(' ').replace(/\s+/g, ' ').trim();
    // Fragments (a heading, a stray word) are not sentences to quote.
    if (joined) sentences.push(...splitSentences(joined).filter(isSentence));
    prose = [];
  };
  const lines = text
    .replace(/```[\s\S]*?```/g, ' ')
    .split('\n')
    .filter((line) => !/^\s*\|/.test(line))
    .map((line) => line.replace(/^\s*(?:[-*+]|\d+\.)\s+/, '').replace(/\*\*|__/g, ''));
  lines.forEach((line, i) => {
    const next = lines[i + 1];
    // A `key: value` line (JSON, front matter, a record) is a statement of its own; "Q: When I…" that goes
    // on in the next line is the start of a sentence.
    if (isKeyValue(line) && (isKeyValue(next ?? '') || !/^\s*\p{Ll}/u.test(next ?? ''))) {
      flush();
      sentences.push(line.trim());
    } else if (isTermLine(line, next)) {
      // The term of a definition list ("--with-afs", "-c, --count N", "DEFAULT_ARG_SIZE=<value>") is what
      // the description under it is about: "--with-afs: Make find support -fstype afs."
      flush();
      prose.push(`${line.trim()}:`);
    } else if (isHeadingLine(line, next)) {
      // A title line of a PDF page or a plain-text file: not the start of the sentence after it.
      flush();
    } else prose.push(line);
  });
  flush();
  return sentences;
}

/** Long enough to say something: 20 characters, or 6 in Chinese and Japanese, whose words are a character or two. */
function isSentence(text: string): boolean {
  return text.length > (hasUnspacedScript(text) ? 6 : 20);
}

/** `key: value`, the key two characters or more: an FAQ's "Q:" and "A:" begin prose. */
const isKeyValue = (line: string) => /^[\p{L}\p{N}_.[\]-]{2,}: \S/u.test(line);

/**
 * The words of the question a sentence answers: the sentence right after a question, or an FAQ's "A:" after
 * its "Q:" and the lines that go on with it (up to three sentences back).
 */
function questionBefore(sentences: string[], held: Set<string>[], order: number): Set<string> | undefined {
  if (order > 0 && isQuestion(sentences[order - 1] ?? '')) return held[order - 1];
  if (!/^A:\s/.test(sentences[order] ?? '')) return undefined;
  for (let q = order - 1; q >= Math.max(0, order - 4); q--) {
    if (/^Q:\s/.test(sentences[q] ?? '')) return new Set(held.slice(q, order).flatMap((words) => [...words]));
  }
  return undefined;
}

/** A question asked in the text itself: it ends with a question mark, or it is an FAQ's "Q:". */
function isQuestion(sentence: string): boolean {
  return /[?？]$|^Q:\s/.test(sentence.trim());
}

/** An option or a setting alone on a short line, its description on the next. */
function isTermLine(line: string, next: string | undefined): boolean {
  const text = line.trim();
  return (
    text.length > 0 &&
    text.length < 50 &&
    /^(?:-{1,2}[\p{L}\p{N}]|[\p{Lu}\p{N}_]+=|[\p{Lu}][\p{Lu}\p{N}_]+$)/u.test(text) &&
    /^\s*\p{Lu}/u.test(next ?? '')
  );
}

/** A short line without final punctuation, followed by a line that starts a sentence. */
function isHeadingLine(line: string, next: string | undefined): boolean {
  const text = line.trim();
  return text.length > 0 && text.length < 60 && !/[.!?:;,]$/.test(text) && /^\s*\p{Lu}/u.test(next ?? '');
}

/** `sentence [n].`: the citation goes before the sentence's final punctuation. */
export function withCitation(sentence: string, n: number): string {
  const end = /[.!?。！？]+$/.exec(sentence);
  return end ? `${sentence.slice(0, end.index)} [${n}]${end[0]}` : `${sentence} [${n}].`;
}
