/**
 * The local model's own sentences — not the quoted passages, which stay in their document's language — in
 * the languages it answers in. The language is the question's (detected when the turn starts); anything else
 * gets English.
 */
export interface Phrases {
  /** Nothing in StreamForge's documentation matches, and no document of the user's was searched. */
  noMatch: string;
  /** The user's documents were searched and none covers the question. */
  uncovered: string;
  /** The heading of the list of sources after an answer from the documentation. */
  sources: string;
  /** What ends a sentence: `.`, or `。` in Chinese and Japanese. */
  stop: string;
  /** Before a table it shows. */
  tableIntro: string;
  tableFailed: string;
  tableNotShown: (reason: string) => string;
  noRows: (title: string) => string;
  tableShows: (title: string, rows: number, matching: number) => string;
  sortedBy: (column: string, ascending: boolean) => string;
  firstIs: (label: string, column?: string, value?: string) => string;
}

const MODELS_HINT_EN =
  'set `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GOOGLE_GENERATIVE_AI_API_KEY` or `OLLAMA_BASE_URL`';

const en: Phrases = {
  noMatch:
    "I couldn't find anything about that in my knowledge base. I am StreamForge's offline `local` model: " +
    'I answer questions about StreamForge itself — its chat API, event protocol, conversations, models, storage ' +
    'and configuration — from its documentation, with citations. To answer questions on any topic, configure a ' +
    `real language model: ${MODELS_HINT_EN}, and \`DEFAULT_MODEL\` (see the README, section "Models").`,
  uncovered:
    "Your documents don't cover this. I searched the documents you uploaded and found nothing about it. " +
    "I am StreamForge's offline `local` model: I answer from your documents and from StreamForge's own " +
    'documentation; for questions on any topic, configure a real language model (see the README, section "Models").',
  sources: 'Sources:',
  stop: '.',
  tableIntro: 'Here is the table you asked for.',
  tableFailed:
    'I could not build that table. Try naming sales, users or products, a filter such as a country, and a sort.',
  tableNotShown: (reason) => `I could not show the table: ${reason}`,
  noRows: (title) => `No rows match "${title}".`,
  tableShows: (title, rows, matching) => `The table "${title}" shows ${rows} of ${matching} matching rows`,
  sortedBy: (column, asc) => `, sorted by ${column} (${asc ? 'lowest' : 'highest'} first)`,
  firstIs: (label, column, value) => `First is ${label}${column ? ` with ${column} ${value}` : ''}.`,
};

/** The other languages: the sentence "configure a real model" points to the README in each. */
const hint = (say: string) => `${say} ${MODELS_HINT_EN.replace('set ', '')} (README, "Models").`;

const PHRASES: Record<string, Phrases> = {
  en,
  fr: {
    noMatch:
      "Je n'ai rien trouvé à ce sujet dans ma base de connaissances. Je suis le modèle hors ligne `local` de " +
      'StreamForge : je réponds aux questions sur StreamForge lui-même, à partir de sa documentation, avec des ' +
      'citations. ' +
      hint('Pour répondre sur tout autre sujet, configurez un vrai modèle de langage :'),
    uncovered:
      'Vos documents ne traitent pas de cela. J’ai cherché dans les documents que vous avez envoyés et je n’ai ' +
      'rien trouvé à ce sujet. ' +
      hint('Pour répondre sur tout autre sujet, configurez un vrai modèle de langage :'),
    sources: 'Sources :',
    stop: '.',
    tableIntro: 'Voici le tableau demandé.',
    tableFailed:
      'Je n’ai pas pu construire ce tableau. Nommez les ventes, les utilisateurs ou les produits, un filtre (un pays par exemple) et un tri.',
    tableNotShown: (reason) => `Je n’ai pas pu afficher le tableau : ${reason}`,
    noRows: (title) => `Aucune ligne ne correspond à « ${title} ».`,
    tableShows: (title, rows, matching) =>
      `Le tableau « ${title} » montre ${rows} des ${matching} lignes trouvées`,
    sortedBy: (column, asc) => `, triées par ${column} (${asc ? 'croissant' : 'décroissant'})`,
    firstIs: (label, column, value) => `En tête : ${label}${column ? ` (${column} ${value})` : ''}.`,
  },
  de: {
    noMatch:
      'Dazu habe ich in meiner Wissensbasis nichts gefunden. Ich bin das Offline-Modell `local` von StreamForge: ' +
      'Ich beantworte Fragen zu StreamForge selbst aus seiner Dokumentation, mit Quellenangaben. ' +
      hint('Für Fragen zu anderen Themen konfigurieren Sie ein echtes Sprachmodell:'),
    uncovered:
      'Ihre Dokumente behandeln das nicht. Ich habe die hochgeladenen Dokumente durchsucht und nichts dazu ' +
      'gefunden. ' +
      hint('Für Fragen zu anderen Themen konfigurieren Sie ein echtes Sprachmodell:'),
    sources: 'Quellen:',
    stop: '.',
    tableIntro: 'Hier ist die gewünschte Tabelle.',
    tableFailed:
      'Diese Tabelle konnte ich nicht erstellen. Nennen Sie Verkäufe, Benutzer oder Produkte, einen Filter wie ein Land und eine Sortierung.',
    tableNotShown: (reason) => `Ich konnte die Tabelle nicht anzeigen: ${reason}`,
    noRows: (title) => `Keine Zeilen passen zu „${title}“.`,
    tableShows: (title, rows, matching) =>
      `Die Tabelle „${title}“ zeigt ${rows} von ${matching} passenden Zeilen`,
    sortedBy: (column, asc) => `, sortiert nach ${column} (${asc ? 'aufsteigend' : 'absteigend'})`,
    firstIs: (label, column, value) => `An erster Stelle: ${label}${column ? ` (${column} ${value})` : ''}.`,
  },
  es: {
    noMatch:
      'No encontré nada sobre eso en mi base de conocimiento. Soy el modelo sin conexión `local` de StreamForge: ' +
      'respondo preguntas sobre StreamForge a partir de su documentación, con citas. ' +
      hint('Para responder sobre cualquier otro tema, configure un modelo de lenguaje real:'),
    uncovered:
      'Sus documentos no tratan esto. Busqué en los documentos que subió y no encontré nada al respecto. ' +
      hint('Para responder sobre cualquier otro tema, configure un modelo de lenguaje real:'),
    sources: 'Fuentes:',
    stop: '.',
    tableIntro: 'Aquí está la tabla que pidió.',
    tableFailed:
      'No pude construir esa tabla. Indique ventas, usuarios o productos, un filtro como un país y un orden.',
    tableNotShown: (reason) => `No pude mostrar la tabla: ${reason}`,
    noRows: (title) => `Ninguna fila coincide con «${title}».`,
    tableShows: (title, rows, matching) =>
      `La tabla «${title}» muestra ${rows} de ${matching} filas encontradas`,
    sortedBy: (column, asc) => `, ordenadas por ${column} (${asc ? 'de menor a mayor' : 'de mayor a menor'})`,
    firstIs: (label, column, value) => `Primero: ${label}${column ? ` (${column} ${value})` : ''}.`,
  },
  it: {
    noMatch:
      'Non ho trovato nulla al riguardo nella mia base di conoscenza. Sono il modello offline `local` di ' +
      'StreamForge: rispondo a domande su StreamForge dalla sua documentazione, con citazioni. ' +
      hint('Per rispondere su qualsiasi altro argomento, configura un vero modello linguistico:'),
    uncovered:
      'I tuoi documenti non trattano questo argomento. Ho cercato nei documenti caricati e non ho trovato nulla. ' +
      hint('Per rispondere su qualsiasi altro argomento, configura un vero modello linguistico:'),
    sources: 'Fonti:',
    stop: '.',
    tableIntro: 'Ecco la tabella richiesta.',
    tableFailed:
      'Non sono riuscito a creare la tabella. Indica vendite, utenti o prodotti, un filtro come un paese e un ordinamento.',
    tableNotShown: (reason) => `Non ho potuto mostrare la tabella: ${reason}`,
    noRows: (title) => `Nessuna riga corrisponde a «${title}».`,
    tableShows: (title, rows, matching) =>
      `La tabella «${title}» mostra ${rows} di ${matching} righe trovate`,
    sortedBy: (column, asc) => `, ordinate per ${column} (${asc ? 'crescente' : 'decrescente'})`,
    firstIs: (label, column, value) => `Al primo posto: ${label}${column ? ` (${column} ${value})` : ''}.`,
  },
  pt: {
    noMatch:
      'Não encontrei nada sobre isso na minha base de conhecimento. Sou o modelo offline `local` do StreamForge: ' +
      'respondo a perguntas sobre o StreamForge a partir da sua documentação, com citações. ' +
      hint('Para responder sobre qualquer outro assunto, configure um modelo de linguagem real:'),
    uncovered:
      'Os seus documentos não tratam disso. Procurei nos documentos enviados e não encontrei nada sobre o assunto. ' +
      hint('Para responder sobre qualquer outro assunto, configure um modelo de linguagem real:'),
    sources: 'Fontes:',
    stop: '.',
    tableIntro: 'Aqui está a tabela pedida.',
    tableFailed:
      'Não consegui montar essa tabela. Indique vendas, usuários ou produtos, um filtro como um país e uma ordenação.',
    tableNotShown: (reason) => `Não consegui mostrar a tabela: ${reason}`,
    noRows: (title) => `Nenhuma linha corresponde a “${title}”.`,
    tableShows: (title, rows, matching) =>
      `A tabela “${title}” mostra ${rows} de ${matching} linhas encontradas`,
    sortedBy: (column, asc) => `, ordenadas por ${column} (${asc ? 'crescente' : 'decrescente'})`,
    firstIs: (label, column, value) => `Em primeiro: ${label}${column ? ` (${column} ${value})` : ''}.`,
  },
  nl: {
    noMatch:
      'Ik heb daarover niets gevonden in mijn kennisbank. Ik ben het offline model `local` van StreamForge: ik ' +
      'beantwoord vragen over StreamForge zelf uit de documentatie, met bronvermelding. ' +
      hint('Voor vragen over andere onderwerpen configureert u een echt taalmodel:'),
    uncovered:
      'Uw documenten gaan hier niet over. Ik heb de geüploade documenten doorzocht en er niets over gevonden. ' +
      hint('Voor vragen over andere onderwerpen configureert u een echt taalmodel:'),
    sources: 'Bronnen:',
    stop: '.',
    tableIntro: 'Hier is de gevraagde tabel.',
    tableFailed:
      'Ik kon die tabel niet maken. Noem verkopen, gebruikers of producten, een filter zoals een land en een sortering.',
    tableNotShown: (reason) => `Ik kon de tabel niet tonen: ${reason}`,
    noRows: (title) => `Geen rijen komen overeen met "${title}".`,
    tableShows: (title, rows, matching) => `De tabel "${title}" toont ${rows} van ${matching} gevonden rijen`,
    sortedBy: (column, asc) => `, gesorteerd op ${column} (${asc ? 'oplopend' : 'aflopend'})`,
    firstIs: (label, column, value) => `Eerste: ${label}${column ? ` (${column} ${value})` : ''}.`,
  },
  he: {
    noMatch:
      'לא מצאתי על כך דבר במאגר הידע שלי. אני המודל הלא-מקוון `local` של StreamForge: אני עונה על שאלות על ' +
      'StreamForge עצמו מתוך התיעוד שלו, עם ציטוטים. ' +
      hint('כדי לענות על כל נושא אחר, הגדירו מודל שפה אמיתי:'),
    uncovered:
      'המסמכים שלך אינם עוסקים בזה. חיפשתי במסמכים שהעלית ולא מצאתי דבר בנושא. ' +
      hint('כדי לענות על כל נושא אחר, הגדירו מודל שפה אמיתי:'),
    sources: 'מקורות:',
    stop: '.',
    tableIntro: 'הנה הטבלה שביקשת.',
    tableFailed: 'לא הצלחתי לבנות את הטבלה. ציינו מכירות, משתמשים או מוצרים, מסנן כמו מדינה, ומיון.',
    tableNotShown: (reason) => `לא הצלחתי להציג את הטבלה: ${reason}`,
    noRows: (title) => `אין שורות המתאימות ל"${title}".`,
    tableShows: (title, rows, matching) => `הטבלה "${title}" מציגה ${rows} מתוך ${matching} שורות מתאימות`,
    sortedBy: (column, asc) => `, ממוינות לפי ${column} (${asc ? 'בסדר עולה' : 'בסדר יורד'})`,
    firstIs: (label, column, value) => `ראשון: ${label}${column ? ` (${column} ${value})` : ''}.`,
  },
  ar: {
    noMatch:
      'لم أجد شيئًا عن ذلك في قاعدة معرفتي. أنا النموذج غير المتصل `local` من StreamForge: أجيب عن الأسئلة ' +
      'المتعلقة بـ StreamForge نفسه من وثائقه، مع ذكر المصادر. ' +
      hint('للإجابة عن أي موضوع آخر، اضبط نموذج لغة حقيقيًا:'),
    uncovered:
      'مستنداتك لا تتناول هذا. بحثت في المستندات التي رفعتها ولم أجد شيئًا عنه. ' +
      hint('للإجابة عن أي موضوع آخر، اضبط نموذج لغة حقيقيًا:'),
    sources: 'المصادر:',
    stop: '.',
    tableIntro: 'إليك الجدول الذي طلبته.',
    tableFailed:
      'لم أتمكن من إنشاء هذا الجدول. اذكر المبيعات أو المستخدمين أو المنتجات، ومرشحًا مثل بلد، وترتيبًا.',
    tableNotShown: (reason) => `لم أتمكن من عرض الجدول: ${reason}`,
    noRows: (title) => `لا توجد صفوف تطابق "${title}".`,
    tableShows: (title, rows, matching) => `يعرض الجدول "${title}" ‏${rows} من ${matching} صفًا مطابقًا`,
    sortedBy: (column, asc) => `، مرتبة حسب ${column} (${asc ? 'تصاعديًا' : 'تنازليًا'})`,
    firstIs: (label, column, value) => `الأول: ${label}${column ? ` (${column} ${value})` : ''}.`,
  },
  zh: {
    noMatch:
      '我在知识库中没有找到相关内容。我是 StreamForge 的离线 `local` 模型：我根据 StreamForge 的文档回答关于它本身的问题，并注明出处。' +
      hint('如需回答其他任何问题，请配置真正的语言模型：'),
    uncovered:
      '您的文档没有涉及这个问题。我搜索了您上传的文档，没有找到相关内容。' +
      hint('如需回答其他任何问题，请配置真正的语言模型：'),
    sources: '来源：',
    stop: '。',
    tableIntro: '这是您要的表格。',
    tableFailed: '我无法生成这个表格。请说明销售、用户或产品，一个筛选条件（例如国家）以及排序方式。',
    tableNotShown: (reason) => `我无法显示该表格：${reason}`,
    noRows: (title) => `没有与“${title}”匹配的行。`,
    tableShows: (title, rows, matching) => `表格“${title}”显示了 ${matching} 行匹配结果中的 ${rows} 行`,
    sortedBy: (column, asc) => `，按 ${column} ${asc ? '升序' : '降序'}排列`,
    firstIs: (label, column, value) => `第一位是 ${label}${column ? `（${column} ${value}）` : ''}。`,
  },
  ja: {
    noMatch:
      'ナレッジベースにそれに関する情報は見つかりませんでした。私は StreamForge のオフライン `local` モデルで、StreamForge 自体についての質問にドキュメントから出典付きで答えます。' +
      hint('ほかの話題に答えるには、本物の言語モデルを設定してください：'),
    uncovered:
      'あなたのドキュメントにはこの内容がありません。アップロードされたドキュメントを検索しましたが、関連する記述は見つかりませんでした。' +
      hint('ほかの話題に答えるには、本物の言語モデルを設定してください：'),
    sources: '出典：',
    stop: '。',
    tableIntro: 'ご依頼の表です。',
    tableFailed:
      'その表を作成できませんでした。売上・ユーザー・商品のいずれか、国などの絞り込み、並べ替えを指定してください。',
    tableNotShown: (reason) => `表を表示できませんでした：${reason}`,
    noRows: (title) => `「${title}」に一致する行はありません。`,
    tableShows: (title, rows, matching) =>
      `表「${title}」は一致した ${matching} 行のうち ${rows} 行を表示しています`,
    sortedBy: (column, asc) => `（${column} の${asc ? '昇順' : '降順'}）`,
    firstIs: (label, column, value) => `先頭は ${label}${column ? `（${column} ${value}）` : ''}です。`,
  },
};

/** The phrases for `language` (a detected ISO 639-1 code), English when it has none of its own. */
export function phrasesFor(language: string | null | undefined): Phrases {
  return (language && PHRASES[language]) || en;
}
