import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { type Key, type Lang, translate } from "./i18n";

export interface Words {
  lang: Lang;
  t: (key: Key, vars?: Record<string, string | number>) => string;
}

export function words(lang: Lang): Words {
  return { lang, t: (key, vars) => translate(lang, key, vars) };
}

export const WordsContext = createContext<Words>(words("en"));
export const useWords = () => useContext(WordsContext);
