import { describe, expect, it } from 'vitest';
import { detectLanguage, languageName } from './detect-language.js';

describe('detectLanguage', () => {
  it.each([
    ['zh', '自行车链条多久清洁一次？'],
    ['zh', '链条'],
    ['ja', 'チェーンはどのくらいの頻度で掃除すべきですか？'],
    ['ko', '체인은 얼마나 자주 청소해야 하나요?'],
    ['he', 'באיזו תדירות לנקות את השרשרת?'],
    ['ar', 'كم مرة يجب أن أنظف السلسلة؟'],
    ['ru', 'Как часто чистить цепь?'],
    ['de', 'Wie oft sollte ich meine Kette reinigen?'],
    ['fr', 'À quelle fréquence nettoyer la chaîne ?'],
    ['es', '¿Con qué frecuencia debo limpiar la cadena?'],
    ['it', 'Ogni quanto devo pulire la catena?'],
    ['pt', 'Com que frequência devo limpar a corrente?'],
    ['nl', 'Hoe vaak moet ik mijn ketting schoonmaken?'],
    ['en', 'How often should I clean my chain?'],
    ['de', 'Wie funktioniert das Streaming von Antworten in diesem Server?'],
    ['fr', 'Comment puis-je annuler une génération en cours ?'],
    ['es', '¿Cómo puedo cancelar una generación en curso?'],
    ['en', 'How do I cancel a generation that is running?'],
  ])('%s: %s', (language, text) => {
    expect(detectLanguage(text)).toBe(language);
  });

  it('says nothing about text too short to tell, or without letters', () => {
    expect(detectLanguage('hi')).toBeNull();
    expect(detectLanguage('ok!')).toBeNull();
    expect(detectLanguage('42 + 7 = ?')).toBeNull();
    expect(detectLanguage('👍 1234')).toBeNull();
  });

  it('names languages in English', () => {
    expect(languageName('de')).toBe('German');
  });
});
