import { functionWords } from './detect-language.js';

/**
 * The small words of a question in each language: articles, pronouns, prepositions, auxiliaries and question
 * words. They say nothing about what is asked ("Da quale versione di apt…": `da`, `quale`, `di`), so neither
 * search nor the local model's sentence choice weighs them. English has its own lists where it is searched.
 */
const QUESTION_STOPWORDS: Record<string, string> = {
  fr: `le la les l un une des du de d au aux à et ou est sont être a ai as ont avoir je j tu il elle on nous vous
       ils elles me m te t se s ce c cet cette ces mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs
       que qu qui quoi quel quelle quels quelles comment où quand pourquoi combien dans sur sous par pour avec sans
       en y ne n pas plus si faut dois doit peut puis peux faire fait lequel laquelle lesquels autre aussi`,
  de: `der die das den dem des ein eine einen einem einer eines und oder ist sind war wird werden kann können muss
       soll sollte ich du er sie es wir ihr mich mir dich dir sich mein meine meinen dein unser in im an am auf aus
       bei mit nach von vom zu zum zur für über unter durch um wie was wer wo wann warum welche welcher welches
       welchen nicht kein keine auch noch nur dass damit dafür dazu ob man gibt lassen lässt`,
  es: `el la los las lo un una unos unas y o es son está están ser hay de del al a en con por para sin sobre
       que qué quién cuál cuáles cómo dónde cuándo por qué cuánto cuántos yo tú él ella nosotros me te se le les
       mi mis tu tus su sus nuestro debo debe puedo puede tengo tiene tengo hacer hace si no más también`,
  it: `il lo la i gli le un uno una l e o è sono essere ha hanno di del dello della dei degli delle da dal dallo
       dalla dai a al allo alla ai agli alle in nel nello nella nei negli nelle con su sul sulla per tra fra che
       chi cosa quale quali come dove quando perché quanto quanti io tu lui lei noi voi mi ti si ci vi mio mia
       tuo tua suo sua devo deve posso può fare non più anche se`,
  pt: `o a os as um uma uns umas e ou é são está estão ser de do da dos das em no na nos nas ao aos à às por pelo
       pela para com sem sobre que quê qual quais quem como onde quando porquê quanto quantos eu tu ele ela nós
       me te se lhe meu minha seu sua devo deve posso pode tenho tem fazer faz não mais também`,
  nl: `de het een en of is zijn was wordt worden kan kunnen moet moeten zou ik je jij hij zij ze we wij u mij me
       mijn jouw uw ons onze van in op aan bij met naar voor door over uit om tot dat die dit deze wat wie welk
       welke waar wanneer waarom hoe hoeveel niet geen ook er hier daar`,
  // Particles and question words of Chinese and Japanese, which are segmented into words before this.
  zh: '的 了 是 在 和 与 或 有 吗 呢 吧 哪 哪个 哪些 个 什么 怎么 怎样 如何 为什么 应该 可以 能 要 我 你 他 它 这 那 这个 那个 时 用',
  ja: 'の が は を に で と も か や へ から まで より た て い る です ます でしょう どの どれ どこ 何 なに どう どんな この その あの こと もの ため',
};

const SETS: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.entries(QUESTION_STOPWORDS).map(([language, words]) => [language, new Set(words.split(/\s+/))]),
);

/** The words of a question in `language` that search and sentence choice leave out (besides English's own). */
export function stopwordsFor(language: string | null): ReadonlySet<string> {
  return (language && SETS[language]) || functionWords(language);
}
